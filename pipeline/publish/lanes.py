"""Pacing: one lane per network (and one for media), each exactly as fast as the API allows.

The API counts "your previous post to the same network" from when it recorded that post, which
is just before it answered. So a lane waits `interval` from the previous answer, not from the
previous send: never early (no 429 in the normal case), and late only by the request's latency.
All lanes run at once. A lane sends its earliest post that is ready (its media imported); when
the earliest waits for a file still importing, a later post whose files are there goes first,
so the lane's slot is never wasted while the media lane works.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Added to every interval, for clock granularity between us and the service.
MARGIN_SECONDS = 0.002


class Pacer:
    """Waits until the next request of a lane may go."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        stop: threading.Event | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.stop = stop or threading.Event()
        self._next = 0.0

    def wait(self) -> bool:
        """Block until the lane may send; False when the run is stopping."""
        delay = self._next - self.clock()
        if delay > 0:
            return not self.stop.wait(delay)
        return not self.stop.is_set()

    def answered(self) -> None:
        """A request that may have recorded something just got its answer."""
        self._next = self.clock() + self.interval + MARGIN_SECONDS


#: How often a lane whose every post waits for media looks again.
READY_POLL_SECONDS = 0.005


def run_lanes(
    lanes: Mapping[str, Sequence[T]],
    send: Callable[[T], bool],
    interval: float,
    *,
    stop: threading.Event,
    ready: Callable[[T], bool] = lambda _item: True,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run every lane's items, earliest ready first, all lanes at once. `send` returns whether
    it sent a request (a post held back, e.g. for failed media, does not use the lane's slot)."""

    def lane(items: Sequence[T]) -> None:
        pacer = Pacer(interval, clock=clock, stop=stop)
        waiting = list(items)
        while waiting:
            if not pacer.wait():
                return
            index = next((i for i, item in enumerate(waiting) if ready(item)), None)
            if index is None:
                if stop.wait(READY_POLL_SECONDS):
                    return
                continue
            if send(waiting.pop(index)):
                pacer.answered()

    if not lanes:
        return
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="lane") as pool:
        futures = [pool.submit(lane, items) for items in lanes.values()]
        for future in futures:
            future.result()
