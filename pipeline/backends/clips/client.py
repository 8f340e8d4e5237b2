"""The client of a clip-processing server's social API (its proxy to Upload-Post).

Three calls: `profiles()` (GET /api/social/user), `job(job_id)` (GET /api/status/{job_id}) and
`post(request)` (POST /api/social/post). Reads are resent on any transient failure; a post is
resent only when nothing can have been done (a refused connection, 503, a 500 saying the
Upload-Post API failed), with exponential back-off through tenacity. A post whose answer is lost
is never resent: the service has no idempotency key and no listing of uploads, so a resend could
upload the clip twice (`ClipNoAnswer`). Sleep and transport are injectable, so tests never wait.

    with ClipClient(ClipSettings.from_env(os.environ)) as clips:
        job = clips.job("550e8400-e29b-41d4-a716-446655440000")
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from pipeline.backends.clips.answers import error_for
from pipeline.backends.clips.errors import (
    ClipNoAnswer,
    ClipServerError,
    ClipServerUnreachable,
    ClipTransportError,
    ClipUnexpectedAnswer,
    ClipUpstreamError,
)
from pipeline.backends.clips.settings import ClipSettings
from pipeline.backends.clips.types import ClipJob, ClipPostAccepted, ClipPostRequest, Profiles
from pipeline.httpbase import NEVER_SENT, PooledClient

USER_AGENT = "content-calendar-pipeline/0.1 (+httpx; clips)"
MAX_WAIT = 60.0  # seconds: the longest Retry-After honoured within one call
T = TypeVar("T")


class PostObserver(Protocol):
    """Sees each attempt of a post: `before_attempt` runs before it is sent (if it raises, nothing
    is sent), `after_attempt` right after, with the answer or the exception."""

    def before_attempt(self, attempt: int) -> None: ...

    def after_attempt(self, attempt: int, outcome: ClipPostAccepted | ClipServerError) -> None: ...


def _transient(exc: BaseException, *, write: bool) -> bool:
    """May this failure be sent again? A write only when nothing can have been done."""
    if isinstance(exc, ClipServerUnreachable):
        return True
    if isinstance(exc, ClipUpstreamError):
        return exc.retryable
    return isinstance(exc, ClipTransportError) and not write


class ClipClient(PooledClient):
    """One httpx.Client to the clip server; a context manager."""

    def __init__(
        self,
        settings: ClipSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=settings.base_url,
            transport=transport,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,
        )

    def __repr__(self) -> str:
        return f"ClipClient(base_url={self.settings.base_url!r})"

    # --- the three calls -------------------------------------------------------------------------

    def profiles(self) -> Profiles:
        """The Upload-Post profiles behind the key and their connected platforms."""
        key = self.settings.key()
        what = "GET /api/social/user"

        def once() -> Profiles:
            response = self._send(
                what,
                "GET",
                "/api/social/user",
                write=False,
                headers={"X-Upload-Post-Key": key.reveal()},
            )
            return Profiles.from_json(self._json(what, response), status=response.status_code)

        return self._retrying(once, write=False)

    def job(self, job_id: str) -> ClipJob:
        """A processing job, its status and (once it has one) its clips."""
        what = f"GET /api/status/{job_id}"

        def once() -> ClipJob:
            response = self._send(what, "GET", f"/api/status/{quote(job_id, safe='')}", write=False)
            return ClipJob.from_json(
                job_id, self._json(what, response), status=response.status_code
            )

        return self._retrying(once, write=False)

    def post(
        self, request: ClipPostRequest, *, observer: PostObserver | None = None
    ) -> ClipPostAccepted:
        """Start the upload of one clip to the request's platforms (one request for all)."""
        body = request.body(self.settings.key().reveal())
        what = "POST /api/social/post"
        attempt = 0

        def once() -> ClipPostAccepted:
            nonlocal attempt
            attempt += 1
            if observer is not None:
                observer.before_attempt(attempt)
            try:
                response = self._send(what, "POST", "/api/social/post", write=True, json=body)
                accepted = ClipPostAccepted.from_json(
                    self._json(what, response, write=True),
                    request.platforms,
                    status=response.status_code,
                )
            except ClipServerError as exc:
                if observer is not None:
                    observer.after_attempt(attempt, self._scrubbed(exc))
                raise self._scrubbed(exc) from None
            if observer is not None:
                observer.after_attempt(attempt, accepted)
            return accepted

        return self._retrying(once, write=True)

    # --- plumbing --------------------------------------------------------------------------------

    def _retrying(self, once: Callable[[], T], *, write: bool) -> T:
        settings = self.settings

        def wait(state: RetryCallState) -> float:
            exponential = min(
                settings.backoff * 2 ** (state.attempt_number - 1), settings.max_backoff
            )
            exc = state.outcome.exception() if state.outcome else None
            asked = getattr(exc, "retry_after", None) or 0.0
            # Retry-After is honoured up to a minute; a longer wait is left to a later run.
            return float(min(max(exponential, asked), max(settings.max_backoff, MAX_WAIT)))

        retrying = Retrying(
            stop=stop_after_attempt(settings.attempts),
            wait=wait,
            retry=retry_if_exception(lambda exc: _transient(exc, write=write)),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(once)

    def _send(
        self,
        what: str,
        method: str,
        path: str,
        *,
        write: bool,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, headers=headers, json=json)
        except NEVER_SENT as exc:
            raise ClipServerUnreachable(
                f"{what}: the clip server at {self.settings.base_url} could not be reached "
                f"({type(exc).__name__}); nothing was sent. Is it running? (CLIP_SERVER_URL)"
            ) from None
        except httpx.TransportError as exc:
            outcome = " The upload may or may not have started." if write else ""
            raise ClipNoAnswer(
                f"{what}: no answer from the clip server ({type(exc).__name__}).{outcome}"
            ) from None
        if response.status_code >= 400:
            raise self._scrubbed(error_for(what, response, write=write))
        return response

    def _json(self, what: str, response: httpx.Response, *, write: bool = False) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            message = f"{what}: the {response.status_code} answer is not JSON"
            if write:
                raise ClipNoAnswer(message + "; the upload may or may not have started") from None
            raise ClipUnexpectedAnswer(message, status=response.status_code) from None

    def _scrubbed(self, exc: ClipServerError) -> ClipServerError:
        """The same exception with the key removed from its text (answers may echo a request)."""
        key = self.settings.api_key
        if key is None or key.reveal() not in str(exc.args[0]) + str(getattr(exc, "detail", "")):
            return exc
        exc.message = key.redact(exc.message)
        exc.args = (exc.message,)
        if hasattr(exc, "detail"):
            exc.detail = key.redact(exc.detail)
        return exc
