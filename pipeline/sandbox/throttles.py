"""The service's throttles, on the sandbox clock and scaled by the time scale.

- Posts: one per network every 20 s per account (scope account x network, an inference the
  digest explains); a request that records a post or a scheduled post restarts the window.
- Media imports: one every 20 s per account.
- Reads: 60 a minute per account, all its keys together; posting options: 10 a minute more.

Where the post and media throttles count a request (on arrival, or just before answering) and
whether their waits are whole seconds come from the config's `throttles` (ThrottleConfig).

Windows of the reads are kept in memory only: after a restart the sandbox forgets at most a
minute of reads, which no client can tell from the real service's behaviour.
"""

from __future__ import annotations

import math
from collections import deque

from pipeline.sandbox.clock import SandboxClock
from pipeline.sandbox.config import ThrottleConfig
from pipeline.sandbox.store import State

POST_SECONDS = 20.0
MEDIA_SECONDS = 20.0
READ_WINDOW_SECONDS = 60.0
READS_PER_MINUTE = 60
OPTIONS_PER_MINUTE = 10


class Throttles:
    def __init__(
        self, state: State, clock: SandboxClock, config: ThrottleConfig | None = None
    ) -> None:
        self._state = state
        self._clock = clock
        self.config = config or ThrottleConfig()
        self._reads: dict[str, deque[float]] = {}

    def moment(self, arrived: float | None) -> float | None:
        """The time a request counts at: its arrival when the throttles stamp on arrival, else
        None (now, whenever the handler checks or records: after the added latency)."""
        return arrived if self.config.stamp == "arrival" else None

    def _wait(self, key: str, window: float, at: float | None) -> float:
        last = self._state.throttle.get(key)
        if last is None:
            return 0.0
        now = self._clock.now() if at is None else at
        return max(0.0, last + self._clock.scaled(window) - now)

    def _note(self, key: str, at: float | None) -> None:
        when = self._clock.now() if at is None else at
        last = self._state.throttle.get(key)
        # Stamped on arrival, a request that arrived first may finish last: keep the later time.
        self._state.set_throttle(key, when if last is None else max(last, when))

    def post_wait(self, account: str, platform: str, at: float | None = None) -> float:
        """Seconds until this account may post to this network again (0 = now), counted from
        `at` (a request's arrival) or now."""
        return self._wait(f"post|{account}|{platform}", POST_SECONDS, at)

    def note_post(self, account: str, platform: str, at: float | None = None) -> None:
        self._note(f"post|{account}|{platform}", at)

    def media_wait(self, account: str, at: float | None = None) -> float:
        return self._wait(f"media|{account}", MEDIA_SECONDS, at)

    def note_media(self, account: str, at: float | None = None) -> None:
        self._note(f"media|{account}", at)

    def retry_after_seconds(self, wait: float) -> float:
        """A throttle's wait as retry_after_seconds: whole seconds rounded up (at least 1), or
        with `exact_waits` rounded up to the millisecond."""
        if not self.config.exact_waits or wait <= 0:
            return self._clock.wait_header(wait)
        return max(0.001, math.ceil(wait * 1000 - 1e-6) / 1000)

    def read(self, account: str, *, options: bool = False) -> tuple[float, int]:
        """Counts one read; returns (0, 0) when allowed, else (seconds to wait, the limit hit)."""
        now = self._clock.now()
        window = self._clock.scaled(READ_WINDOW_SECONDS)
        checks = [(f"reads|{account}", READS_PER_MINUTE)]
        if options:
            checks.append((f"options|{account}", OPTIONS_PER_MINUTE))
        for name, limit in checks:
            times = self._reads.setdefault(name, deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                return times[0] + window - now, limit
        for name, _ in checks:
            self._reads[name].append(now)
        return 0.0, 0

    def reset(self) -> None:
        self._reads.clear()
