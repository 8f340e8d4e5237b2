"""The exceptions of the API client, split by what the caller may do next.

The tree (one `isinstance` check answers "may I send this again?"):

    Status200Error
     +-- ConfigError              the settings cannot be built; names the variable, never the key
     |    +-- MissingKey          STATUS200_API_KEY is not set (a run may need no request at all)
     +-- TransportFailure         no usable answer; `may_have_reached` says if the service saw it
     |    +-- NotJsonAnswer       a gateway's HTML/plain page (Netlify 504, Supabase 546)
     +-- ApiError                 a JSON answer the retry table calls a failure
     |    +-- WaitAndResend       wait_and_resend: nothing was done, or the first answer comes back
     |    |    +-- RateLimited    rate_limited (a throttle: the post, media or read budget)
     |    +-- ResendOnceWithKey   resend_once_with_key: the outcome may be unknown
     |    +-- Terminal            never: the same request cannot succeed now
     |         +-- OutcomeUnknown idempotency_outcome_unknown: reconcile with GET /posts
     |         +-- KeyReused      idempotency_key_reused: the key belongs to another body
     |         +-- NotFound       404 (post_not_found, media_not_found, account_not_found, ...)
     |         +-- Unauthorized   401 for the API key itself (not a network's sign-in)
     +-- UnexpectedAnswer         a 2xx whose JSON is not the documented shape (do not resend)

The client raises these after its own resends are used up; the exception is the last answer's.
Every message is built from text the client has redacted: no message or repr holds the API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pipeline.api.retry_table import RetryRule

if TYPE_CHECKING:  # types.py raises these errors, so it is imported for annotations only
    from pipeline.api.types import Status200Ids


class Status200Error(Exception):
    """Base of everything the API client raises."""


class ConfigError(Status200Error, ValueError):
    """The API settings cannot be built (a missing key, a malformed number)."""


class MissingKey(ConfigError):
    """STATUS200_API_KEY is not set: only the posts that go to this API are held back."""


class TransportFailure(Status200Error):
    """No usable answer: the connection failed, timed out or dropped, or the page was not JSON.

    `may_have_reached` is False only when the request certainly never left (a refused connection):
    then resending is always safe. When True, a POST without an Idempotency-Key has an unknown
    outcome and must be reconciled, never resent.
    """

    rule: ClassVar[RetryRule] = RetryRule.RESEND_ONCE_WITH_KEY

    def __init__(self, message: str, *, may_have_reached: bool) -> None:
        super().__init__(message)
        self.message = message
        self.may_have_reached = may_have_reached


class NotJsonAnswer(TransportFailure):
    """An answer that is not a JSON object: the retry table's `not_json` (resend once with key)."""

    def __init__(self, message: str, *, status: int, content_type: str | None) -> None:
        super().__init__(message, may_have_reached=True)
        self.status = status
        self.content_type = content_type


class ApiError(Status200Error):
    """A JSON answer that the retry table calls a failure.

    `code` is the API's code (None when the answer named none: the media shape and the older
    address may omit it); branch on it, not on `status` alone. `body` is the whole JSON answer,
    `retry_after_seconds` the wait it asked for (Retry-After, else `retry_after_seconds` in the
    body; None when it named none), `ids` the `status200` ids when the failure still recorded a
    post, `replayed` whether it was the stored answer to the Idempotency-Key.
    """

    rule: ClassVar[RetryRule] = RetryRule.NEVER

    def __init__(
        self,
        *,
        status: int,
        code: str | None,
        message: str,
        body: Mapping[str, Any],
        retry_after_seconds: float | None = None,
        ids: Status200Ids | None = None,
        replayed: bool = False,
        request: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        self.retry_after_seconds = retry_after_seconds
        self.ids = ids
        self.replayed = replayed
        self.request = request  # "POST /posts": where, for the message; never headers
        where = f" ({request})" if request else ""
        super().__init__(f"HTTP {status} {code or '(no code)'}: {message}{where}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, retry_after_seconds={self.retry_after_seconds!r})"
        )


class WaitAndResend(ApiError):
    """Transient: wait as asked, then the identical request may be sent again."""

    rule = RetryRule.WAIT_AND_RESEND


class RateLimited(WaitAndResend):
    """A throttle answered 429 rate_limited (20 s per network, 20 s per import, 60 reads/min)."""


class ResendOnceWithKey(ApiError):
    """The outcome may be unknown: resend once with the same key, or reconcile without one."""

    rule = RetryRule.RESEND_ONCE_WITH_KEY


class Terminal(ApiError):
    """The same request cannot succeed now: change it, or wait for `resets_at`."""

    rule = RetryRule.NEVER


class OutcomeUnknown(Terminal):
    """idempotency_outcome_unknown: the first request never answered. Check GET /posts."""


class KeyReused(Terminal):
    """idempotency_key_reused: another body used this key within 24 hours."""


class NotFound(Terminal):
    """404: the post, media, profile or path does not exist on this account."""


class Unauthorized(Terminal):
    """401 for the API key itself: missing, inactive or revoked. Nothing will work."""


class UnexpectedAnswer(Status200Error):
    """A 2xx whose JSON is not the documented shape. The request succeeded: do not resend it."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


#: 401 codes about a network's sign-in for one profile, not our API key (createPost's 401).
NETWORK_SIGN_IN_CODES = frozenset(
    {
        "reconnect_required",
        "RECONNECT_REQUIRED",
        "REFRESH_TOKEN_EXPIRED",
        "NO_TOKEN",
        "TOKEN_REFRESH_FAILED",
        "pinterest_auth_failed",
        "x_rejected",
    }
)


def error_class_for(rule: RetryRule, status: int, code: str | None) -> type[ApiError]:
    """The most specific class for a failed JSON answer whose table rule is `rule`."""
    if rule is RetryRule.WAIT_AND_RESEND:
        return RateLimited if code == "rate_limited" else WaitAndResend
    if rule is RetryRule.RESEND_ONCE_WITH_KEY:
        return ResendOnceWithKey
    if code == "idempotency_outcome_unknown":
        return OutcomeUnknown
    if code == "idempotency_key_reused":
        return KeyReused
    if status == 404:
        return NotFound
    if status == 401 and code not in NETWORK_SIGN_IN_CODES:
        return Unauthorized
    return Terminal
