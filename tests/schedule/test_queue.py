"""Queue assignment: stable across edits (hypothesis), priority, and what takes a slot."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import Entry
from pipeline.rules.context import PlanSettings
from pipeline.schedule.queue import LEAD
from pipeline.schedule.slots import instants
from tests.schedule.helpers import WEEKDAYS, context, dated, queued, record, run, times_by_identity

NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # a Monday, 07:00 in Berlin


def _slots(n: int, start: datetime = NOW + LEAD) -> list[datetime]:
    return list(instants(WEEKDAYS, start, start + timedelta(days=60)))[:n]


def test_queue_entries_take_the_next_free_slots_in_calendar_order() -> None:
    s = _slots(5)
    entries = [queued("a", 1), dated("d", s[1]), queued("b", 2), queued("c", 3)]
    found = times_by_identity(run(entries, context(NOW)))
    assert (found["a/x"], found["b/x"], found["c/x"]) == (s[0], s[2], s[3])
    assert found["d/x"] == s[1]


def test_one_entry_per_platform_keeps_its_id() -> None:
    expansion = run([queued("a", platforms=("x", "linkedin"))], context(NOW))
    assert [(e.id, e.platforms, e.tz) for e in expansion.entries] == [
        ("a", ("x",), "Europe/Berlin"),
        ("a", ("linkedin",), "Europe/Berlin"),
    ]
    assert expansion.templates == {"a"}


def test_priority_next_takes_the_earliest_free_slot() -> None:
    s = _slots(4)
    first = [queued("a", 1), queued("b", 2)]
    ledger = record(run(first, context(NOW)).entries)
    again = [queued("a", 1), queued("b", 2), queued("c", 3), queued("urgent", 4, priority="next")]
    # a and b are held; "a" is then cancelled at the service (pruned), freeing the first slot.
    ledger["a/x"] = dataclasses.replace(ledger["a/x"], status="cancelled")
    found = times_by_identity(run(again[1:], context(NOW, ledger)))
    assert found["urgent/x"] == s[0]
    assert found["b/x"] == s[1]
    assert found["c/x"] == s[2]


def test_unknown_queue_is_an_error_with_the_known_names() -> None:
    expansion = run([queued("a", queue="weekday")], context(NOW))
    (problem,) = expansion.diagnostics
    assert (problem.code, problem.line, problem.entry) == ("E170", 1, "a")
    assert "did you mean 'weekdays'?" in problem.hint
    assert "known: weekdays" in problem.hint
    assert expansion.entries[0].at_utc is None  # passed through undated: the plan protects it


def test_a_queue_that_runs_out_of_slots_says_when_and_how_many() -> None:
    few = dataclasses.replace(WEEKDAYS, days=((), (), (), (), (), (), ()))
    expansion = run([queued("a"), queued("b")], context(NOW, slots={"weekdays": few}))
    (warning,) = expansion.diagnostics
    assert warning.code == "W170"
    assert "2 post(s)" in warning.message and "2028-01-04" in warning.message


def test_a_queue_over_the_daily_allowance_says_which_day_and_by_how_much() -> None:
    s = _slots(4)
    entries = [dated("d1", s[0] + timedelta(minutes=1)), dated("d2", s[0] + timedelta(minutes=2))]
    entries += [queued(f"q{i}", i) for i in range(4)]
    ctx = context(NOW, plan=PlanSettings("beginner", daily=2))
    warnings = [d for d in run(entries, ctx).diagnostics if d.code == "W171"]
    assert len(warnings) == 1
    assert f"on {s[0]:%Y-%m-%d} (UTC) the account has 4 posts, 2 over" in warnings[0].message


# --- stability, for any edit --------------------------------------------------------------


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[Entry], list[Entry], list[datetime], timedelta]:
    n = draw(st.integers(min_value=1, max_value=10))
    before = [queued(f"q{i}", i + 1) for i in range(n)]
    kept = draw(st.lists(st.sampled_from(before), unique_by=lambda e: e.id))
    kept = draw(st.permutations(kept))
    after = list(kept)
    for j in range(draw(st.integers(min_value=0, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=len(after)))
        priority = draw(st.sampled_from([None, None, "next"]))
        after.insert(position, queued(f"new{j}", 100 + j, priority=priority))
    blocked = draw(st.lists(st.sampled_from(_slots(30)), max_size=6, unique=True))
    later = draw(st.sampled_from([timedelta(0), timedelta(hours=5), timedelta(days=2)]))
    return before, after, blocked, later


def _lanes_unique(found: list[Entry]) -> None:
    seen = set()
    for e in found:
        for p in e.platforms:
            key = (e.accounts[p], p, e.at_utc)
            assert key not in seen, key
            seen.add(key)


@settings(max_examples=150)
@given(edits())
def test_recorded_assignments_never_move_and_new_ones_fill_the_earliest_free(
    edit: tuple[list[Entry], list[Entry], list[datetime], timedelta],
) -> None:
    before, after, blocked, later = edit
    walls = [dated(f"d{i}", at) for i, at in enumerate(blocked)]
    first = run([*walls, *before], context(NOW))
    _lanes_unique(first.entries)
    ledger = record(e for e in first.entries if e.queue)
    now = NOW + later
    second = run([*walls, *after], context(now, ledger))
    _lanes_unique(second.entries)
    was, now_at = times_by_identity(first), times_by_identity(second)
    for ident in ledger:
        if ident in now_at:
            assert now_at[ident] == was[ident]  # inserting, removing, reordering moved nothing
    occupied = {e.at_utc for e in second.entries} | {r.scheduled_for for r in ledger.values()}
    start = now + LEAD
    slots = list(instants(WEEKDAYS, start, start + timedelta(days=120)))
    new = [e for e in after if f"{e.id}/x" not in ledger]
    for e in new:
        at = now_at[f"{e.id}/x"]
        if e.priority == "next":
            assert all(s in occupied for s in slots if s < at)  # nothing earlier was free
    plain = [now_at[f"{e.id}/x"] for e in new if e.priority is None]
    held = [was[f"{e.id}/x"] for e in after if f"{e.id}/x" in ledger]
    cursor = max([start, *held])
    assert plain == sorted(plain)  # calendar order
    assert all(at > cursor for at in plain)  # after the slots the queue already holds
    if plain:
        assert all(s in occupied for s in slots if cursor < s < plain[-1])  # no gap left
