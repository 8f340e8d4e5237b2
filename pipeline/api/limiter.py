"""A sliding-window budget for the API's reads, kept on our side.

The API allows 60 reads a minute per account (all keys together) and answers the 61st with a 429;
a tracker that runs for hours must never provoke one. So every read first takes a slot here: at
most `limit` starts in any `window` seconds. The window is stretched a little (`slack`) because the
service counts arrivals, and two requests sent exactly `window` apart may arrive closer together.

Thread-safe: the lock is held while waiting, so waiters are served one at a time and the count is
never exceeded, whatever the scheduling. Clock and sleep are injectable so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

#: Stretch of the window for arrival jitter (5 %: 3 s on a minute, 30 ms on a 0.6-s sandbox window).
DEFAULT_SLACK = 1.05


class ReadLimiter:
    """At most `limit` acquisitions in any `window * slack` seconds."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slack: float = DEFAULT_SLACK,
    ) -> None:
        if limit < 1 or window <= 0 or slack < 1:
            raise ValueError("a ReadLimiter needs limit >= 1, window > 0 and slack >= 1")
        self.limit = limit
        self.window = window * slack
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a slot, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.limit:
                    self._starts.append(now)
                    return waited
                delay = self._starts[0] + self.window - now
                self._sleep(delay)
                waited += delay
                # The oldest start has left the window now. Dropping it here rather than by
                # comparing clocks again avoids a float rounding loop (now - start = window - ulp).
                self._starts.popleft()

    def available(self) -> int:
        """Slots free right now (for reports and tests; a later acquire may still wait)."""
        with self._lock:
            now = self._clock()
            return self.limit - sum(1 for t in self._starts if now - t < self.window)
