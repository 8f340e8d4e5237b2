"""What the long-lived runner's jobs share: a write guard on the ledger and a stop signal.

Why a guard: the runner's jobs (sync, track, the webhook receiver) write to one ledger from
several threads. `Ledger.append_many` is thread-safe, but tracking *decides* from a state it read
earlier: between its read and its append the publisher may have cancelled the post and started a
new generation, and a status meant for the old post would land on the new one. `GuardedLedger`
makes every append take one re-entrant lock, so a reader can hold it around "re-read, check,
append" (`write_guard`) and nothing slips in between. It also caches the fold, keyed on the size
and mtime of the log (and dropped on every append), because webhooks and jobs read the state
far more often than it changes.

    ledger = GuardedLedger("ledger", secrets=[api_key])
    with ledger.lock("pipeline run"), write_guard(ledger):
        state = ledger.state()
        ...check...
        ledger.append_many(events)

Why `StopRequested`: a job waiting for the read budget (up to a minute) must not hold up a
SIGTERM. The runner gives the client's `ReadLimiter` a sleep that raises it when the stop event is
set; nothing has been sent at that point, so the job can simply end.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, cast

from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import LedgerEvent


class StopRequested(Exception):
    """The runner is shutting down: raised instead of waiting; nothing was sent."""


def interruptible_sleep(stop: threading.Event) -> Callable[[float], None]:
    """A `sleep` for ReadLimiter that gives up (raising StopRequested) as soon as `stop` is set."""

    def sleep(seconds: float) -> None:
        if stop.wait(max(seconds, 0.0)):
            raise StopRequested("stopping")

    return sleep


class GuardedLedger(Ledger):
    """A Ledger whose appends take `guard` (an RLock) and whose state is cached between appends."""

    def __init__(self, directory: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self.guard = threading.RLock()
        self._cache: tuple[tuple[int, int], LedgerState] | None = None

    def append_many(self, events: Iterable[LedgerEvent | Mapping[str, Any]]) -> None:
        with self.guard:
            self._cache = None
            super().append_many(events)

    def state(self) -> LedgerState:
        """The folded state; folded again only when the log changed (size or mtime)."""
        with self.guard:
            key = self._stamp()
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            state = super().state()
            # Cache only if the file did not change while it was read (a torn-tail repair does).
            self._cache = (key, state) if self._stamp() == key else None
            return state

    def _stamp(self) -> tuple[int, int]:
        try:
            info = self.events_path.stat()
        except FileNotFoundError:
            return (-1, -1)
        return (info.st_size, info.st_mtime_ns)


def write_guard(ledger: Ledger) -> AbstractContextManager[object]:
    """Hold the ledger's write guard (a GuardedLedger's lock); a plain Ledger has none, and a
    single-threaded caller needs none."""
    guard = getattr(ledger, "guard", None)
    if guard is None:
        return contextlib.nullcontext()
    return cast(AbstractContextManager[object], guard)
