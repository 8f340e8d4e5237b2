"""Pacing: one lane per network (and one for media), each as fast as the API's throttles allow.

The API counts "your previous post to the same network" (or import) from when it recorded that
request: some moment between our send and its answer, which the OpenAPI file does not name. So a
lane paces optimistically, `interval` after its previous *send*, and learns from the answers: a
429 rate_limited carries `retry_after_seconds`, the wait still left, which says how much later
than our send the service counts. The lane keeps that offset for the rest of the run, and
`PacingStore` keeps it across runs (`pacing.json` in the ledger folder). The 429 costs nothing
but its wait: nothing was recorded, and the client resends as the retry table says.

A learned offset never exceeds the previous request's own send-to-answer time: the service
recorded it before answering, so pacing from the answer is always safe. That bounds what a
whole-second Retry-After can teach.

Each request of a lane takes a `Ticket` (a little before its slot, by the time preparing a request
usually takes: the ledger's intent is fsynced meanwhile), and every attempt passes `Pacer.gate`
right before it goes, so the interval runs from the real send, resends included. The media lane
starts its next import while the previous one is still answering.

All lanes run at once. A lane sends its earliest post that is ready (its media imported); when
the earliest waits for a file still importing, a later post whose files are there goes first,
so the lane's slot is never wasted while the media lane works.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pipeline.api import RateLimited, Status200Error
from pipeline.api.observer import AttemptObserver
from pipeline.ledger.fileio import write_atomic

T = TypeVar("T")
R = TypeVar("R")

#: Added to every interval, for clock granularity and jitter between us and the service.
MARGIN_SECONDS = 0.003
#: ... and this share of the interval (0.1 s of a real 20-s throttle, 2.5 ms of a 0.5-s one).
MARGIN_SHARE = 0.005
#: How often a waiting lane looks at the stop signal.
STOP_POLL_SECONDS = 0.05
#: How often a lane whose every post waits for media looks again.
READY_POLL_SECONDS = 0.005
#: A learned offset is capped at this many intervals.
MAX_OFFSET_SHARE = 2.0
#: The lead (preparation time) is capped at this share of the interval.
LEAD_SHARE = 0.25


def margin(interval: float) -> float:
    return MARGIN_SECONDS + MARGIN_SHARE * interval


@dataclass(slots=True)
class Ticket:
    """One request of a lane, all its attempts: taken before it is prepared."""

    taken_at: float
    held: bool = True  # no other request of the lane may be taken meanwhile
    sent_at: float | None = None  # when its latest attempt went
    prev: float | None = None  # the lane's previous counted send, when that attempt went
    prepared: bool = False


class Pacer:
    """The pace of one lane: `interval` (+ the learned `offset`) after the previous send.

    `from_answer` is the old pacing (`interval` after the previous answer, nothing learned), kept
    only so the benchmark can show both side by side."""

    def __init__(
        self,
        interval: float,
        *,
        offset: float = 0.0,
        from_answer: bool = False,
        clock: Callable[[], float] = time.monotonic,
        stop: threading.Event | None = None,
    ) -> None:
        self.interval = interval
        self.offset = max(0.0, offset)
        self.from_answer = from_answer
        self.clock = clock
        self.stop = stop or threading.Event()
        self.limited = 0  # 429 rate_limited answers this run
        self._last: float | None = None  # the latest send that may have been counted
        self._answered: float | None = None  # from_answer: the previous request's answer
        self._durations: deque[tuple[float, float]] = deque(maxlen=8)  # (sent_at, to answer)
        self._holds = 0
        self._lead = 0.0
        self._cond = threading.Condition()

    def _next(self) -> float:
        """The earliest moment the lane's next attempt may go."""
        if self.from_answer:
            base = self._answered
            return -math.inf if base is None else base + self.interval + MARGIN_SECONDS
        if self._last is None:
            return -math.inf
        return self._last + self.interval + self.offset + margin(self.interval)

    def resume(self, last_sent: float) -> None:
        """The lane's previous request went at `last_sent` (on `clock`), in an earlier run."""
        with self._cond:
            if self._last is None:
                self._last = last_sent

    def last_sent(self) -> float | None:
        with self._cond:
            return self._last

    def next_at(self) -> float:
        """When the lane's next attempt may go, on `clock` (-inf: at once)."""
        with self._cond:
            return self._next()

    def take(self) -> Ticket | None:
        """Block until the lane may prepare its next request; None when the run is stopping."""
        with self._cond:
            while True:
                if self.stop.is_set():
                    return None
                now = self.clock()
                delay = self._next() - self._lead - now if self._holds == 0 else STOP_POLL_SECONDS
                if delay <= 0:
                    self._holds += 1
                    return Ticket(taken_at=now)
                self._cond.wait(min(delay, STOP_POLL_SECONDS))

    def gate(self, ticket: Ticket) -> None:
        """Right before an attempt goes: wait out what is left of the pace (a short wait: the
        ticket was taken at most the lead early, and a resend's own wait has passed); the attempt
        counts from now."""
        with self._cond:
            entered = self.clock()
            if not ticket.prepared and not self.from_answer:
                ticket.prepared = True
                cap = LEAD_SHARE * self.interval
                self._lead = min(cap, 0.7 * self._lead + 0.3 * (entered - ticket.taken_at))
            if not self.from_answer:
                while (delay := self._next() - self.clock()) > 0:
                    self._cond.wait(delay)
            now = self.clock()
            ticket.prev, ticket.sent_at = self._last, now
            self._last = now
            if ticket.held and not self.from_answer:  # the old pacing holds until the answer
                self._release(ticket)

    def answer(self, ticket: Ticket, outcome: object) -> None:
        """An attempt's answer: a 429 rate_limited teaches the offset, and holds the lane until
        the resend goes (or the call gives up)."""
        with self._cond:
            now = self.clock()
            sent = ticket.sent_at
            if sent is None:
                return
            if not isinstance(outcome, RateLimited):
                self._durations.append((sent, now - sent))
                return
            self.limited += 1
            if self._last == sent:  # it was not counted: the pace runs from the one before
                self._last = ticket.prev
            wait = outcome.retry_after_seconds
            if not self.from_answer and wait is not None and ticket.prev is not None:
                # One more margin: the measure itself carries the jitter of two sends.
                needed = sent + wait - ticket.prev - self.interval + margin(self.interval)
                took = next((d for s, d in self._durations if s == ticket.prev), None)
                if took is not None:
                    needed = min(needed, took)
                # An answer comes within about an interval (an import: 22 s of 20): anything far
                # beyond is a clock that jumped, not the service.
                self.offset = max(self.offset, min(needed, MAX_OFFSET_SHARE * self.interval))
            if not ticket.held:
                ticket.held = True
                self._holds += 1

    def done(self, ticket: Ticket) -> None:
        """The request is over (answered, given up, or never sent)."""
        with self._cond:
            if self.from_answer and ticket.sent_at is not None:
                self._answered = self.clock()
            if ticket.held:
                self._release(ticket)

    def _release(self, ticket: Ticket) -> None:
        ticket.held = False
        self._holds -= 1
        self._cond.notify_all()


class PacedObserver(Generic[R]):
    """Wraps a request's ledger observer: the intent is written first, then the gate waits for
    the slot, so the fsync never delays the pace; the answer reaches the pacer before the ledger."""

    def __init__(
        self, pacer: Pacer, ticket: Ticket, inner: AttemptObserver[R] | None = None
    ) -> None:
        self.pacer, self.ticket, self.inner = pacer, ticket, inner

    def before_attempt(self, attempt: int) -> None:
        if self.inner is not None:
            self.inner.before_attempt(attempt)
        self.pacer.gate(self.ticket)

    def after_attempt(self, attempt: int, outcome: R | Status200Error) -> None:
        self.pacer.answer(self.ticket, outcome)
        if self.inner is not None:
            self.inner.after_attempt(attempt, outcome)


@dataclass(frozen=True, slots=True)
class LaneMemory:
    """What a lane knows from earlier runs: its offset, and when it last sent (wall time), since
    a run that starts right after another is still paced by the other's last request."""

    offset: float = 0.0
    last_sent: float | None = None


class Pacing:
    """The lanes' pacers of one publish run, starting from what earlier runs learned."""

    def __init__(
        self,
        memory: Mapping[str, LaneMemory] | None = None,
        *,
        from_answer: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        stop: threading.Event | None = None,
    ) -> None:
        self.memory = dict(memory or {})
        self.from_answer = from_answer
        self.clock, self.wall = clock, wall
        self.stop = stop or threading.Event()
        self.pacers: dict[str, Pacer] = {}
        self._lock = threading.Lock()

    def pacer(self, lane: str, interval: float) -> Pacer:
        with self._lock:
            if lane not in self.pacers:
                known = LaneMemory() if self.from_answer else self.memory.get(lane, LaneMemory())
                pacer = Pacer(
                    interval,
                    offset=known.offset,
                    from_answer=self.from_answer,
                    clock=self.clock,
                    stop=self.stop,
                )
                if known.last_sent is not None:
                    pacer.resume(self.clock() - max(0.0, self.wall() - known.last_sent))
                self.pacers[lane] = pacer
            return self.pacers[lane]

    def remembered(self) -> dict[str, LaneMemory]:
        """Every lane's memory after this run (lanes not used this run keep theirs)."""
        with self._lock:
            found = dict(self.memory)
            now, wall = self.clock(), self.wall()
            for lane, pacer in self.pacers.items():
                last = pacer.last_sent()
                found[lane] = LaneMemory(
                    pacer.offset,
                    found.get(lane, LaneMemory()).last_sent
                    if last is None
                    else wall - (now - last),
                )
            return found

    def offsets(self) -> dict[str, float]:
        return {lane: memory.offset for lane, memory in self.remembered().items()}

    def limited(self) -> dict[str, int]:
        with self._lock:
            return {k: p.limited for k, p in self.pacers.items() if p.limited}


PACING_NAME = "pacing.json"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


class PacingStore:
    """What the lanes learned, across runs: `pacing.json` in the ledger folder, per API base URL
    and lane, each with the interval it was learned at (another interval starts afresh).

    It only saves time: a missing, unreadable or foreign file means offsets of zero, and the
    first 429 of each lane teaches them again. Written atomically (temp file, fsync, replace)."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / PACING_NAME

    def _read(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError, RecursionError):
            if self.path.is_file() and self.path.stat().st_size < 1_000_000:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if (
                    isinstance(data, dict)
                    and data.get("version") == 1
                    and isinstance(data.get("services"), dict)
                ):
                    return data
        return {"version": 1, "services": {}}

    def load(self, service: str, intervals: Mapping[str, float]) -> dict[str, LaneMemory]:
        """What the lanes learned against `service` at these lanes' intervals."""
        lanes = self._read()["services"].get(service, {})
        found = {}
        if isinstance(lanes, dict):
            for lane, entry in lanes.items():
                if not isinstance(entry, dict) or lane not in intervals:
                    continue
                offset, interval = _number(entry.get("offset")), _number(entry.get("interval"))
                if (
                    offset is None
                    or interval is None
                    or not math.isclose(interval, intervals[lane])
                ):
                    continue
                if 0 <= offset <= 10 * interval:
                    found[lane] = LaneMemory(offset, _number(entry.get("last_sent")))
        return found

    def save(self, service: str, lanes: Mapping[str, tuple[float, LaneMemory]]) -> None:
        """Store `{lane: (interval, memory)}` for `service`; other services are kept."""
        data = self._read()
        kept = data["services"].get(service)
        entries = dict(kept) if isinstance(kept, dict) else {}
        for lane, (interval, memory) in sorted(lanes.items()):
            entry: dict[str, float] = {"interval": interval, "offset": round(memory.offset, 6)}
            if memory.last_sent is not None:
                entry["last_sent"] = round(memory.last_sent, 6)
            entries[lane] = entry
        data["services"][service] = entries
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"))


def run_lanes(
    lanes: Mapping[str, Sequence[T]],
    send: Callable[[T, Ticket], object],
    pacer_for: Callable[[str], Pacer],
    *,
    stop: threading.Event,
    ready: Callable[[T], bool] = lambda _item: True,
) -> None:
    """Run every lane's items, earliest ready first, all lanes at once. `send(item, ticket)`
    passes the ticket's pacer gate before each attempt (PacedObserver); a post held back, e.g.
    for failed media, never reaches the gate and does not use the lane's slot."""

    def lane(name: str, items: Sequence[T]) -> None:
        pacer = pacer_for(name)
        waiting = list(items)
        while waiting:
            ticket = pacer.take()
            if ticket is None:
                return
            index = next((i for i, item in enumerate(waiting) if ready(item)), None)
            if index is None:
                pacer.done(ticket)
                if stop.wait(READY_POLL_SECONDS):
                    return
                continue
            try:
                send(waiting.pop(index), ticket)
            finally:
                pacer.done(ticket)

    if not lanes:
        return
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="lane") as pool:
        futures = [pool.submit(lane, name, items) for name, items in lanes.items()]
        for future in futures:
            future.result()
