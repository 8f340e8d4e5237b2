"""Property tests: the series expansion against a direct dateutil + zoneinfo computation, across
time zones and their daylight-saving changes (wall time kept; gaps and folds flagged)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import Diagnostic, Entry, Recurrence, SourceRef
from pipeline.schedule.series import occurrences
from tests.helpers import NOW, utc, wall

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST change
    "Asia/Kolkata",  # no DST, a half-hour offset
    "UTC",
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",
)
RULES = (
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=WEEKLY;BYDAY=TU,TH,SA,SU",
    "FREQ=MONTHLY;BYDAY=1SU",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=DAILY;BYHOUR=1,2,3",
    "FREQ=HOURLY;INTERVAL=5",
)


def template(rule: str, start: datetime, tz: str, count: int) -> Entry:
    return Entry(
        source=SourceRef("cal.yaml", 3),
        id="s",
        platforms=("x",),
        accounts={"x": "@a"},
        text="t",
        at_local=start,
        tz=tz,
        repeat=Recurrence(rule=rule, line=5, count=count),
    )


def expected(rule: str, start: datetime, tz: str, count: int) -> list[tuple[datetime, str]]:
    """(wall time, dst state) of each occurrence the API can still take, computed directly."""
    zone = ZoneInfo(tz)
    found = []
    for local in rrulestr(f"{rule};COUNT={count}", dtstart=start):
        first = local.replace(tzinfo=zone)
        instant = first.astimezone(UTC)
        if not NOW + timedelta(seconds=60) < instant <= NOW + timedelta(days=365):
            continue
        if instant.astimezone(zone).replace(tzinfo=None) != local:
            state = "gap"
        elif local.replace(tzinfo=zone, fold=1).utcoffset() != first.utcoffset():
            state = "fold"
        else:
            state = "ok"
        found.append((local, state))
    return found


@settings(max_examples=300, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    tz=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from((0, 15, 30, 45)),
    count=st.integers(1, 60),
)
def test_expansion_matches_dateutil_in_local_wall_time(
    rule: str, tz: str, day: date, hour: int, minute: int, count: int
) -> None:
    start = datetime(day.year, day.month, day.day, hour, minute)
    diagnostics: list[Diagnostic] = []
    made = occurrences(template(rule, start, tz, count), NOW, {}, diagnostics)
    assert made is not None and not diagnostics
    want = expected(rule, start, tz, count)
    assert [(e.at_local, e.dst) for e in made] == want
    zone = ZoneInfo(tz)
    for entry in made:
        assert entry.id == f"s@{entry.occurrence}" and entry.series == "s"
        assert (
            entry.occurrence is not None and entry.occurrence[:10] == wall(entry).date().isoformat()
        )
        if entry.dst == "gap":
            assert entry.at_utc is None  # E406 fires for it, as for a single post
        else:  # the first of a fold (fold=0), as for a single post
            assert entry.at_utc == wall(entry).replace(tzinfo=zone).astimezone(UTC)
    assert len({e.id for e in made}) == len(made)


@settings(max_examples=100, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2026, 12, 1), max_value=date(2027, 6, 30)),
    skip=st.lists(st.integers(0, 40), max_size=5),
)
def test_skipping_dates_never_renames_the_other_occurrences(
    tz: str, day: date, skip: list[int]
) -> None:
    """Identity is the local date: skipping (or editing) one occurrence leaves every other
    occurrence's identity, and so its ledger record, where it was."""
    start = datetime(day.year, day.month, day.day, 9, 0)
    base = template("FREQ=DAILY;BYHOUR=9,18", start, tz, 80)
    full = occurrences(base, NOW, {}, [])
    skipped = {day + timedelta(days=n) for n in skip}
    rec = base.repeat
    assert rec is not None and full is not None
    fewer = occurrences(
        Entry(
            **{**_fields(base), "repeat": Recurrence(rec.rule, 5, count=80, skip=tuple(skipped))}
        ),
        NOW,
        {},
        [],
    )
    assert fewer is not None
    assert {e.id: e.at_utc for e in fewer} == {
        e.id: e.at_utc for e in full if wall(e).date() not in skipped
    }


def _fields(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in Entry.__dataclass_fields__}


def test_lord_howe_half_hour_gap_and_fold_are_flagged() -> None:
    """The examples the properties must cover, pinned: Lord Howe moves its clocks by 30 min."""
    fold = occurrences(
        template("FREQ=DAILY", datetime(2027, 4, 3, 1, 45), "Australia/Lord_Howe", 3), NOW, {}, []
    )
    gap = occurrences(
        template("FREQ=DAILY", datetime(2027, 10, 2, 2, 15), "Australia/Lord_Howe", 3), NOW, {}, []
    )
    assert fold is not None and gap is not None
    assert [(e.occurrence, e.dst) for e in fold] == [
        ("2027-04-03", "ok"),
        ("2027-04-04", "fold"),
        ("2027-04-05", "ok"),
    ]
    assert [(e.occurrence, e.dst, e.at_utc is None) for e in gap] == [
        ("2027-10-02", "ok", False),
        ("2027-10-03", "gap", True),
        ("2027-10-04", "ok", False),
    ]
    # 01:45 stays 01:45 on the wall: the instants are 24 h 30 min apart across the change.
    assert utc(fold[2]) - utc(fold[0]) == timedelta(hours=48, minutes=30)
