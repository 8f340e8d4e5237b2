"""Evergreen pools: repeats into free slots, cooldown, max_repeats, active, order, stability."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import PoolSettings
from pipeline.model import Entry, Evergreen
from pipeline.schedule.queue import LEAD
from pipeline.schedule.slots import instants
from tests.schedule.helpers import WEEKDAYS, context, queued, record, run, times_by_identity

NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
SLOTS = list(instants(WEEKDAYS, NOW + LEAD, NOW + timedelta(days=60)))


def member(name: str, line: int, **green: Any) -> Entry:
    return queued(name, line, evergreen=Evergreen("tips", **green))


def test_members_fill_free_slots_least_recent_first_with_their_own_identities() -> None:
    entries = [queued("news", 1), member("t1", 2, cooldown_days=3), member("t2", 3)]
    expansion = run(entries, context(NOW))
    found = times_by_identity(expansion)
    assert found["news/x"] == SLOTS[0]
    assert found["t1@r1/x"] == SLOTS[1]  # never posted, first in the calendar
    assert found["t2@r1/x"] == SLOTS[2]
    repeats = [e for e in expansion.entries if e.series == "t1"]
    assert [e.occurrence for e in repeats] == [f"r{i}" for i in range(1, len(repeats) + 1)]
    gaps = [b.at_utc - a.at_utc for a, b in itertools.pairwise(repeats) if a.at_utc and b.at_utc]
    assert all(g >= timedelta(days=3) for g in gaps)
    # Everything within the 14-day horizon and no further.
    assert all(e.at_utc and e.at_utc <= NOW + timedelta(days=14) for e in expansion.entries)


def test_recorded_repeats_keep_their_slot_and_numbering_continues() -> None:
    entries = [member("t1", 1, cooldown_days=2), member("t2", 2, cooldown_days=2)]
    first = run(entries, context(NOW))
    ledger = record(first.entries)
    later = NOW + timedelta(days=5)
    second = run([member("t0", 0, cooldown_days=2), *entries], context(later, ledger))
    was, now_at = times_by_identity(first), times_by_identity(second)
    for ident, at in was.items():
        if at >= later:
            assert now_at[ident] == at
    numbers = sorted(int(i.split("@r")[1].split("/")[0]) for i in now_at if i.startswith("t1@"))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert len(set(now_at)) == len(now_at)


def test_max_repeats_and_active_window() -> None:
    entries = [
        member("once", 1, max_repeats=1, cooldown_days=1),
        member("later", 2, cooldown_days=1, active_from=date(2027, 1, 11)),
    ]
    found = times_by_identity(run(entries, context(NOW)))
    assert [i for i in found if i.startswith("once@")] == ["once@r1/x"]
    assert all(found[i].date() >= date(2027, 1, 11) for i in found if i.startswith("later@"))


def test_order_best_ranks_by_recorded_figures() -> None:
    entries = [member("low", 1), member("high", 2)]
    ctx = context(
        NOW,
        pools={"tips": PoolSettings("tips", order="best")},
        figures={"low@r1/x": 3.0, "high@r4/x": 50.0},
    )
    found = times_by_identity(run(entries, ctx))
    assert found["high@r1/x"] < found["low@r1/x"]


def test_a_pool_too_small_for_its_cooldown_says_how_many_members_it_needs() -> None:
    expansion = run([member("t1", 1, cooldown_days=10)], context(NOW))
    (warning,) = [d for d in expansion.diagnostics if d.code == "W172"]
    window = len(list(instants(WEEKDAYS, NOW + LEAD, NOW + LEAD + timedelta(days=10))))
    assert f"needs {window} members and has 1" in warning.message


@settings(max_examples=60)
@given(
    st.integers(min_value=1, max_value=6),
    st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=20),
    st.data(),
)
def test_recorded_repeats_never_move_and_cooldowns_hold(
    queue_posts: int, cooldowns: list[int], days_later: int, data: st.DataObject
) -> None:
    members = [member(f"m{i}", 10 + i, cooldown_days=c) for i, c in enumerate(cooldowns)]
    posts = [queued(f"q{i}", i) for i in range(queue_posts)]
    first = run([*posts, *members], context(NOW))
    ledger = record(first.entries)
    kept = data.draw(st.permutations(members))[: data.draw(st.integers(0, len(members)))]
    later = NOW + timedelta(days=days_later)
    second = run([*posts, *kept, member("fresh", 99, cooldown_days=2)], context(later, ledger))
    was, now_at = times_by_identity(first), times_by_identity(second)
    for ident, at in was.items():
        if ident in now_at or at < later:
            continue
        assert ident.split("@")[0] not in {m.id for m in kept}, f"{ident} dropped"
    for ident, at in now_at.items():
        if ident in was:
            assert at == was[ident]
    lanes = [e.at_utc for e in second.entries]
    assert len(lanes) == len(set(lanes))  # one account and platform: no slot twice
    by_member: dict[str, list[datetime]] = {}
    for e in second.entries:
        if e.series and e.at_utc:
            by_member.setdefault(e.series, []).append(e.at_utc)
    for m in [*kept, member("fresh", 99, cooldown_days=2)]:
        assert m.evergreen is not None
        found = sorted(by_member.get(m.id or "", []))
        gaps = [b - a for a, b in itertools.pairwise(found)]
        assert all(g >= timedelta(days=m.evergreen.cooldown_days) for g in gaps)
