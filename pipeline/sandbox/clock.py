"""The sandbox clock: real time, moved forward on demand, optionally starting on another date.

Two separate ideas live here. The *clock* says what time it is in the sandbox: real time plus an
offset (set by `--start-at`, grown by the admin "advance" endpoint). The *time scale* shrinks
durations the service imposes (throttle windows, Retry-After, retention, processing, webhook
retries) so a rehearsal of a month runs in minutes. Calendar meaning is never scaled: "within 60 s
is now" and "at most 365 days ahead" stay real seconds of the sandbox clock, because a calendar
entry dated next Tuesday must still be next Tuesday.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime


def iso(ts: float) -> str:
    """An instant as the API writes it: UTC with milliseconds and a Z (2026-10-01T09:00:00.000Z)."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """An ISO 8601 instant with a zone (a trailing Z included) as epoch seconds."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.timestamp()


class SandboxClock:
    """Sandbox time = real time + offset. Only `advance` and `--start-at` change the offset."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        offset: float = 0.0,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        if not math.isfinite(time_scale) or time_scale <= 0:
            raise ValueError("time_scale must be a positive number")
        self.time_scale = time_scale
        self.offset = offset
        self._real_time = real_time

    @classmethod
    def starting_at(
        cls,
        start: float | None,
        *,
        time_scale: float = 1.0,
        real_time: Callable[[], float] = time.time,
    ) -> SandboxClock:
        offset = 0.0 if start is None else start - real_time()
        return cls(time_scale=time_scale, offset=offset, real_time=real_time)

    def now(self) -> float:
        return self._real_time() + self.offset

    def advance(self, seconds: float) -> float:
        """Moves sandbox time forward (never back: what happened stays in the past)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        self.offset += seconds
        return self.now()

    def scaled(self, seconds: float) -> float:
        """A service duration (a throttle window, a retry delay ...) in sandbox seconds."""
        return seconds * self.time_scale

    def wait_header(self, seconds: float) -> int:
        """A wait as the integer the Retry-After header and retry_after_seconds need: rounded up,
        and at least 1 while any wait remains (0 would invite an immediate, refused resend)."""
        if seconds <= 0:
            return 0
        return max(1, math.ceil(seconds - 1e-9))
