"""The service's throttles, on the sandbox clock and scaled by the time scale.

- Posts: one per network every 20 s per account (scope account x network, an inference the
  digest explains); a request that records a post or a scheduled post restarts the window.
- Media imports: one every 20 s per account.
- Reads: 60 a minute per account, all its keys together; posting options: 10 a minute more.

Windows of the reads are kept in memory only: after a restart the sandbox forgets at most a
minute of reads, which no client can tell from the real service's behaviour.
"""

from __future__ import annotations

from collections import deque

from pipeline.sandbox.clock import SandboxClock
from pipeline.sandbox.store import State

POST_SECONDS = 20.0
MEDIA_SECONDS = 20.0
READ_WINDOW_SECONDS = 60.0
READS_PER_MINUTE = 60
OPTIONS_PER_MINUTE = 10


class Throttles:
    def __init__(self, state: State, clock: SandboxClock) -> None:
        self._state = state
        self._clock = clock
        self._reads: dict[str, deque[float]] = {}

    def _wait(self, key: str, window: float) -> float:
        last = self._state.throttle.get(key)
        if last is None:
            return 0.0
        return max(0.0, last + self._clock.scaled(window) - self._clock.now())

    def post_wait(self, account: str, platform: str) -> float:
        """Seconds until this account may post to this network again (0 = now)."""
        return self._wait(f"post|{account}|{platform}", POST_SECONDS)

    def note_post(self, account: str, platform: str) -> None:
        self._state.set_throttle(f"post|{account}|{platform}", self._clock.now())

    def media_wait(self, account: str) -> float:
        return self._wait(f"media|{account}", MEDIA_SECONDS)

    def note_media(self, account: str) -> None:
        self._state.set_throttle(f"media|{account}", self._clock.now())

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
