"""Lane pacing on a fake clock: paced from the send, taught by 429s, kept across runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.api import RateLimited
from pipeline.backends.lanes import (
    MARGIN_SECONDS,
    PACING_NAME,
    LaneMemory,
    Pacer,
    Pacing,
    PacingStore,
    Ticket,
    margin,
)

INTERVAL = 0.5
M = margin(INTERVAL)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limited(seconds: float | None) -> RateLimited:
    return RateLimited(
        status=429,
        code="rate_limited",
        message="wait",
        body={"error": {"code": "rate_limited", "retry_after_seconds": seconds}},
        retry_after_seconds=seconds,
    )


def held(ticket: Ticket) -> bool:
    return ticket.held


OK = object()  # any answer that is not a 429 counts (Accepted, a 4xx refusal ...)


def send(pacer: Pacer, clock: Clock, at: float, answer: object, took: float = 0.2) -> None:
    """One request of the lane: taken and sent at `at`, answered `took` later."""
    clock.now = at
    ticket = pacer.take()
    assert ticket is not None
    pacer.gate(ticket)
    clock.now = at + took
    pacer.answer(ticket, answer)
    pacer.done(ticket)


def test_the_next_request_is_paced_from_the_previous_send_not_its_answer() -> None:
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    assert pacer.next_at() == -math.inf  # nothing sent yet: at once
    send(pacer, clock, 10.0, OK, took=0.3)
    assert pacer.next_at() == pytest.approx(10.0 + INTERVAL + M)  # not 10.3 + ...


def test_a_429_teaches_the_offset_it_names_and_the_lane_keeps_it() -> None:
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    send(pacer, clock, 0.0, OK, took=0.2)
    second = pacer.next_at()
    clock.now = second
    ticket = pacer.take()
    assert ticket is not None
    pacer.gate(ticket)
    clock.now = second + 0.01
    pacer.answer(ticket, limited(0.15))  # the service counts the first post 0.15 s later
    assert pacer.limited == 1
    # needed = sent + wait - previous send - interval, and a margin for the measure's jitter
    assert pacer.offset == pytest.approx(second + 0.15 - 0.0 - INTERVAL + M)
    # The 429 recorded nothing: the resend is paced from the first send, plus the offset.
    assert pacer.next_at() == pytest.approx(second + 0.15 + 2 * M)
    clock.now = pacer.next_at()
    pacer.gate(ticket)  # the client's resend, after its wait
    pacer.answer(ticket, OK)
    pacer.done(ticket)
    resent = clock.now
    assert pacer.next_at() == pytest.approx(resent + INTERVAL + pacer.offset + M)


def test_a_whole_second_wait_teaches_no_more_than_the_previous_request_took() -> None:
    """Pacing from the answer is always safe (the service recorded before answering), so a
    coarse Retry-After cannot slow the lane beyond the old pacing."""
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    send(pacer, clock, 0.0, OK, took=0.2)
    send(pacer, clock, pacer.next_at(), limited(1.0))
    assert pacer.offset == pytest.approx(0.2)


def test_the_resend_holds_the_lane_until_it_goes() -> None:
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    send(pacer, clock, 0.0, OK)
    clock.now = pacer.next_at()
    ticket = pacer.take()
    assert ticket is not None
    pacer.gate(ticket)
    assert not held(ticket)  # sent: the lane may prepare its next request
    pacer.answer(ticket, limited(0.1))
    assert held(ticket)  # refused: no other request of the lane goes before its resend
    pacer.done(ticket)  # the call gave up: the hold goes with it
    assert not held(ticket)


def test_a_429_with_no_earlier_send_in_the_run_teaches_nothing() -> None:
    """The previous post may be from the last run: nothing to measure the offset against."""
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    send(pacer, clock, 0.0, limited(0.3))
    assert pacer.limited == 1 and pacer.offset == 0.0


def test_the_old_pacing_waits_the_interval_after_the_answer() -> None:
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock, from_answer=True)
    send(pacer, clock, 5.0, OK, took=0.3)
    assert pacer.next_at() == pytest.approx(5.3 + INTERVAL + MARGIN_SECONDS)
    send(pacer, clock, pacer.next_at(), limited(0.2))
    assert pacer.offset == 0.0  # it learns nothing


def test_pacing_starts_lanes_from_what_earlier_runs_learned() -> None:
    clock, wall = Clock(), Clock()
    clock.now, wall.now = 100.0, 1_800_000_000.0
    memory = {"x": LaneMemory(0.12, last_sent=wall.now - 0.3), "media": LaneMemory(0.3)}
    pacing = Pacing(memory, clock=clock, wall=wall)
    x = pacing.pacer("x", INTERVAL)
    assert x.offset == 0.12
    # The last run's last post went 0.3 s ago: this run's first one still waits for its pace.
    assert x.next_at() == pytest.approx(100.0 - 0.3 + INTERVAL + 0.12 + M)
    assert pacing.pacer("media", INTERVAL).next_at() == -math.inf
    assert pacing.pacer("linkedin", INTERVAL).offset == 0.0
    assert pacing.pacer("x", INTERVAL) is x
    send(x, clock, 101.0, OK)
    wall.now += 1.2  # the wall clock moved as the monotonic one did
    after = pacing.remembered()
    assert after["x"].last_sent == pytest.approx(wall.now - 0.2)
    assert after["media"] == LaneMemory(0.3)  # not used this run: kept as it was
    assert Pacing(memory, from_answer=True).pacer("x", INTERVAL).offset == 0.0


def test_the_store_keeps_offsets_per_service_lane_and_interval(tmp_path: Path) -> None:
    store = PacingStore(tmp_path)
    assert store.load("https://api", {"x": 20.0}) == {}
    store.save(
        "https://api",
        {
            "x": (20.0, LaneMemory(0.25, last_sent=1_800_000_000.5)),
            "media": (20.0, LaneMemory(3.5)),
        },
    )
    assert store.load("https://api", {"x": 20.0, "media": 20.0}) == {
        "x": LaneMemory(0.25, 1_800_000_000.5),
        "media": LaneMemory(3.5),
    }
    assert store.load("https://api", {"x": 0.5}) == {}  # learned at another interval
    assert store.load("http://127.0.0.1:8200/api/v2", {"x": 20.0}) == {}  # another service
    store.save("http://sandbox", {"x": (0.5, LaneMemory(0.01))})
    assert store.load("https://api", {"x": 20.0}) == {"x": LaneMemory(0.25, 1_800_000_000.5)}
    data = json.loads((tmp_path / PACING_NAME).read_text())
    assert data["version"] == 1 and set(data["services"]) == {"https://api", "http://sandbox"}
    assert [p.name for p in tmp_path.iterdir()] == [PACING_NAME]  # no temp file left


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"version": 2, "services": {}}',
        '{"version": 1, "services": []}',
        '{"version": 1, "services": {"s": {"x": {"interval": 0.5, "offset": "big"}}}}',
        '{"version": 1, "services": {"s": {"x": {"interval": 0.5, "offset": -1}}}}',
        '{"version": 1, "services": {"s": {"x": {"interval": 0.5, "offset": 1e300}}}}',
        '{"version": 1, "services": {"s": {"x": {"interval": true, "offset": 0.1}}}}',
        '{"version": 1, "services": {"s": ["x"]}}',
    ],
)
def test_a_damaged_store_only_means_learning_again(tmp_path: Path, text: str) -> None:
    (tmp_path / PACING_NAME).write_text(text)
    store = PacingStore(tmp_path)
    assert store.load("s", {"x": 0.5}) == {}
    store.save("s", {"x": (0.5, LaneMemory(0.02))})
    assert store.load("s", {"x": 0.5}) == {"x": LaneMemory(0.02)}


def test_an_offset_is_never_learned_beyond_two_intervals() -> None:
    """The last run's send is measured on the wall clock: if that jumped, the wait says nothing."""
    clock = Clock()
    pacer = Pacer(INTERVAL, clock=clock)
    pacer.resume(-50.0)
    send(pacer, clock, 0.0, limited(60.0))
    assert pacer.offset == 2 * INTERVAL
