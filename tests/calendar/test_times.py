"""Local times, zones, DST gaps and folds, declared date formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.calendar import times
from pipeline.calendar.times import TimeProblem, parse_when, resolve, zone


@pytest.mark.parametrize(
    ("text", "expected", "offset"),
    [
        ("2026-12-01 09:00", datetime(2026, 12, 1, 9, 0), None),
        ("2026-12-01T09:00:30", datetime(2026, 12, 1, 9, 0, 30), None),
        ("2026-12-01T09:00Z", datetime(2026, 12, 1, 9, 0), timedelta(0)),
        ("2026-12-01 09:00+05:30", datetime(2026, 12, 1, 9, 0), timedelta(hours=5, minutes=30)),
        ("2026-12-01 9:05-0800", datetime(2026, 12, 1, 9, 5), timedelta(hours=-8)),
    ],
)
def test_iso_forms(text: str, expected: datetime, offset: timedelta | None) -> None:
    when = parse_when(text)
    assert (when.local, when.offset) == (expected, offset)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-12-01", "E401"),  # no time
        ("2026-02-30 10:00", "E401"),  # not a date
        ("2026-12-01 25:00", "E401"),
        ("12/01/2026 09:00", "E407"),  # day-first or month-first?
        ("01.12.2026 09:00", "E407"),
        ("tomorrow", "E401"),
    ],
)
def test_unreadable_times(text: str, code: str) -> None:
    with pytest.raises(TimeProblem) as info:
        parse_when(text)
    assert info.value.code == code


def test_declared_formats() -> None:
    us = times.resolve_date_format("us")
    assert parse_when("12/01/2026 9:00 PM", us).local == datetime(2026, 12, 1, 21, 0)
    assert parse_when("12/01/2026 12:00 AM", us).local == datetime(2026, 12, 1, 0, 0)
    eu = times.resolve_date_format("eu")
    assert parse_when("12/01/2026 09:00", eu).local == datetime(2026, 1, 12, 9, 0)
    custom = times.resolve_date_format("%d %b %Y %H:%M")
    assert parse_when("03 Dec 2026 14:15", custom).local == datetime(2026, 12, 3, 14, 15)
    with pytest.raises(TimeProblem):
        times.resolve_date_format("weird")
    with pytest.raises(TimeProblem):
        parse_when("13/01/2026 10:00", us)  # month 13


def test_zone_names_and_offsets() -> None:
    assert zone("UTC") is UTC
    assert zone("+02:00").utcoffset(None) == timedelta(hours=2)
    assert zone("UTC-5").utcoffset(None) == timedelta(hours=-5)
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "+15:00"):
        with pytest.raises(TimeProblem) as info:
            zone(bad)
        assert info.value.code == "E402"


def test_dst_gap_and_fold() -> None:
    gap = resolve(datetime(2026, 3, 29, 2, 30), "Europe/Berlin")
    assert (gap.utc, gap.dst) == (None, "gap")
    fold = resolve(datetime(2026, 10, 25, 2, 30), "Europe/Berlin")
    assert fold.dst == "fold"
    assert fold.utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
    assert times.fold_alternative(datetime(2026, 10, 25, 2, 30), "Europe/Berlin") == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    plain = resolve(datetime(2026, 7, 1, 12, 0), "America/New_York")
    assert (plain.utc, plain.dst) == (datetime(2026, 7, 1, 16, 0, tzinfo=UTC), "ok")


ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV"))
)


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    local=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
)
def test_resolve_round_trips_for_any_zone(zone_name: str, local: datetime) -> None:
    """Whatever the zone: an existing time maps back to itself; a gap has no instant."""
    local = local.replace(microsecond=0)
    got = resolve(local, zone_name)
    if got.dst == "gap":
        assert got.utc is None
        moved = (
            local.replace(tzinfo=ZoneInfo(zone_name))
            .astimezone(UTC)
            .astimezone(ZoneInfo(zone_name))
        )
        assert moved.replace(tzinfo=None) != local
    else:
        assert got.utc is not None
        back = got.utc.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
        assert back == local
        if got.dst == "fold":
            assert times.fold_alternative(local, zone_name) > got.utc


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_when_never_crashes(text: str) -> None:
    """Any text is either a time or a TimeProblem with a code — never another exception."""
    try:
        parse_when(text)
    except TimeProblem as problem:
        assert problem.code in {"E401", "E407"}
