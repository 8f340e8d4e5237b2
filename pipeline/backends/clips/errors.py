"""The exceptions of the clip server client, split by what the caller may do next.

The tree (one `isinstance` check answers "may I send this again?"):

    ClipServerError
     +-- ClipConfigError          settings cannot be built; names the variable, never the key
     +-- ClipTransportError       no usable answer
     |    +-- ClipServerUnreachable  the connection was never made: nothing was sent (resendable)
     |    +-- ClipNoAnswer           the request went out and no answer came back (or a gateway
     |                               page came instead): a POST's outcome is UNKNOWN
     +-- ClipApiError             the clip server answered with an error (`status`, `detail`)
     |    +-- ClipJobNotFound     404 Job not found
     |    +-- ClipVideoNotFound   404 Video file not found (or no clip at that index)
     |    +-- ClipNotReady        400 Job result not available (still processing, or failed)
     |    +-- ClipBadRequest      400 missing fields (api_key, user_id, platforms), 422, other 4xx
     |    +-- ClipUnauthorized    401 invalid Upload-Post API key
     |    +-- ClipUpstreamError   500 Upload-Post API error, 502/503: `retryable` says if a resend
     |                            is safe (nothing was done) or the upload may have gone through
     +-- ClipUnexpectedAnswer     a 2xx that is not the documented shape (or success: false)

Messages are built from redacted text only: no message or repr holds the Upload-Post key.
"""

from __future__ import annotations


class ClipServerError(Exception):
    """Base of everything the clip client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClipConfigError(ClipServerError, ValueError):
    """CLIP_SERVER_URL or UPLOAD_POST_API_KEY cannot be used (the key's value is never shown)."""


class ClipTransportError(ClipServerError):
    """No usable answer. `may_have_reached` is False only when nothing can have been sent."""

    may_have_reached: bool = True


class ClipServerUnreachable(ClipTransportError):
    """The connection could not be made: the request never left, so sending later is safe."""

    may_have_reached = False


class ClipNoAnswer(ClipTransportError):
    """The request went out and no answer came back. For POST /api/social/post the outcome is
    unknown: the service has no idempotency key and no listing of uploads, so it is never resent
    automatically (a user checks the Upload-Post dashboard and resends it explicitly)."""

    may_have_reached = True


class ClipApiError(ClipServerError):
    """An error answer. `code` is this client's stable name for it (the server sends none)."""

    code: str = "clip_server_error"

    def __init__(self, message: str, *, status: int, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class ClipJobNotFound(ClipApiError):
    code = "job_not_found"


class ClipVideoNotFound(ClipApiError):
    code = "video_not_found"


class ClipNotReady(ClipApiError):
    code = "clip_not_ready"


class ClipBadRequest(ClipApiError):
    code = "missing_fields"


class ClipUnauthorized(ClipApiError):
    code = "invalid_key"


class ClipUpstreamError(ClipApiError):
    """500 (the Upload-Post API failed), 502 or 503. `retryable` is False when the details say
    the clip server lost its own connection to Upload-Post: the upload may have gone through."""

    code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retryable = retryable
        self.retry_after = retry_after


class ClipUnexpectedAnswer(ClipServerError):
    """A 2xx answer that is not the documented shape; `status` is its HTTP status."""

    code = "unexpected_answer"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status
