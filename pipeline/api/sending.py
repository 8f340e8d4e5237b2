"""Send one request, and resend it exactly as the API's retry table allows (with tenacity).

Every attempt sends the same bytes with the same Idempotency-Key. What happens after an attempt:

    2xx (JSON)                       success, never resent
    wait_and_resend                  wait Retry-After / retry_after_seconds / 5 s, resend
    connection never made            nothing was sent: resend after `resend_delay`
    resend_once_with_key, not_json,  the outcome may be unknown: resend once if the request
    answer lost (timeout, drop)      carried a key; GET, DELETE and dry runs may always resend
    never, an unexpected 2xx shape   raise

The attempts are capped by `max_attempts` and the waits by `max_total_wait`: a wait that would
pass the cap is not waited, and the last answer's exception is raised instead (its
`retry_after_seconds` tells the caller when to come back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx
import tenacity

from pipeline.api._json import Json
from pipeline.api.answers import check_answer, replayed
from pipeline.api.errors import (
    ApiError,
    ResendOnceWithKey,
    Status200Error,
    TransportFailure,
    WaitAndResend,
)
from pipeline.api.limiter import ReadLimiter
from pipeline.api.observer import AttemptObserver
from pipeline.api.settings import ApiSettings
from pipeline.httpbase import NEVER_SENT

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request: identical on every attempt."""

    method: str
    url: str
    label: str  # "POST /posts", for messages and logs (never headers, never the key)
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None
    idempotency_key: str | None = None
    #: Resending cannot do anything twice (GET, DELETE, a dry run): unknown outcomes may resend.
    safe_to_repeat: bool = False
    timeout: float = 35.0
    limiters: tuple[ReadLimiter, ...] = ()


class _Policy:
    """tenacity's retry/wait/stop for one call; decides once per answer and remembers it."""

    def __init__(self, call: Call, settings: ApiSettings) -> None:
        self._call = call
        self._settings = settings
        self._delay = 0.0
        self._unknown_resent = False

    def _decide(self, exc: BaseException) -> float | None:
        s, call = self._settings, self._call
        asked = exc.retry_after_seconds if isinstance(exc, ApiError) else None
        if isinstance(exc, WaitAndResend):
            return s.default_retry_after if asked is None else asked
        if isinstance(exc, TransportFailure) and not exc.may_have_reached:
            return s.resend_delay
        if not isinstance(exc, ResendOnceWithKey | TransportFailure):
            return None  # Terminal, UnexpectedAnswer, a bug: raise as it is
        if call.safe_to_repeat:
            if asked is not None:
                return asked
            return s.default_retry_after if isinstance(exc, ApiError) else s.resend_delay
        if call.idempotency_key is not None and not self._unknown_resent:
            self._unknown_resent = True
            return s.resend_delay if asked is None else asked
        return None  # no key, or already resent once: the caller reconciles

    def retry(self, state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        delay = self._decide(exc) if exc is not None else None
        self._delay = delay or 0.0
        return delay is not None

    def wait(self, state: tenacity.RetryCallState) -> float:
        return self._delay

    def stop(self, state: tenacity.RetryCallState) -> bool:
        s = self._settings
        over = state.idle_for + state.upcoming_sleep > s.max_total_wait
        return state.attempt_number >= s.max_attempts or over

    def before_sleep(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info(
            "%s: %s; resending in %.1f s (attempt %d of at most %d)",
            self._call.label,
            exc,
            state.upcoming_sleep,
            state.attempt_number + 1,
            self._settings.max_attempts,
        )


class Sender:
    """Sends `Call`s over one httpx.Client; the client methods build the calls."""

    def __init__(
        self,
        http: httpx.Client,
        settings: ApiSettings,
        *,
        sleep: Callable[[float], None],
        wall_clock: Callable[[], float],
    ) -> None:
        self._http = http
        self._settings = settings
        self._sleep = sleep
        self._wall_clock = wall_clock

    def send(
        self,
        call: Call,
        parse: Callable[[Json, int, bool], R],
        observer: AttemptObserver[R] | None = None,
    ) -> R:
        """The parsed answer of `call`, after the resends the retry table allows."""
        policy = _Policy(call, self._settings)
        attempts = 0

        def attempt() -> R:
            nonlocal attempts
            attempts += 1
            if observer is not None:
                observer.before_attempt(attempts)
            try:
                result = self._attempt(call, parse)
            except Status200Error as exc:
                if observer is not None:
                    observer.after_attempt(attempts, exc)
                raise
            if observer is not None:
                observer.after_attempt(attempts, result)
            return result

        retrying = tenacity.Retrying(
            retry=policy.retry,
            wait=policy.wait,
            stop=policy.stop,
            sleep=self._sleep,
            before_sleep=policy.before_sleep,
            reraise=True,
        )
        return retrying(attempt)

    def _attempt(self, call: Call, parse: Callable[[Json, int, bool], R]) -> R:
        for limiter in call.limiters:
            limiter.acquire()
        headers: Mapping[str, str] = (
            {"Idempotency-Key": call.idempotency_key} if call.idempotency_key is not None else {}
        )
        if call.content is not None:
            headers = {**headers, "Content-Type": "application/json"}
        request = self._http.build_request(
            call.method,
            call.url,
            params=call.params or None,
            content=call.content,
            headers=headers,
            timeout=httpx.Timeout(call.timeout, connect=self._settings.connect_timeout),
        )
        secret = self._settings.api_key
        try:
            response = self._http.send(request)
        except httpx.RequestError as exc:
            reached = not isinstance(exc, NEVER_SENT)
            what = "answer lost" if reached else "not sent"
            detail = f"{type(exc).__name__}: {exc}"
            failure = TransportFailure(
                f"{call.label}: {what} ({secret.redact(detail)})", may_have_reached=reached
            )
            if secret.redact(detail) != detail:  # never chain an error that quotes the key
                raise failure from None
            raise failure from exc
        log.debug("%s -> HTTP %d", call.label, response.status_code)
        body = check_answer(
            response, secret=secret, request=call.label, wall_clock=self._wall_clock
        )
        return parse(body, response.status_code, replayed(response))
