"""Local times, zones, DST gaps and folds, declared date formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import times
from pipeline.times import TimeProblem, parse_when, resolve, zone
from tests.helpers import check


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


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01 00:00",
        "0001-01-01 00:00+05:00",
        "0001-01-01 00:00Z",
        "9999-12-31 23:59",
        "9999-12-31 23:59-05:00",
        "1899-12-31 23:59",
        "9001-01-01 00:00",
    ],
)
def test_years_outside_range_are_e401_not_overflow(text: str) -> None:
    with pytest.raises(TimeProblem) as caught:
        parse_when(text)
    assert caught.value.code == "E401"
    assert "outside 1900-9000" in caught.value.message


def test_years_outside_range_with_a_declared_format() -> None:
    with pytest.raises(TimeProblem) as caught:
        parse_when("12/31/9999 23:59", times.resolve_date_format("%m/%d/%Y %H:%M"))
    assert caught.value.code == "E401"


@pytest.mark.parametrize("pattern", ["%d/%d/%Y", "%Y-%m-%d %H:%H", "%Q/%m"])
def test_a_date_format_strptime_cannot_use_is_e105(pattern: str) -> None:
    with pytest.raises(TimeProblem) as caught:
        times.resolve_date_format(pattern)
    assert caught.value.code == "E105"
    assert pattern in caught.value.message


@pytest.mark.parametrize("name", ["A" * 300, "Europe/" + "B" * 5000, "a\x00b", "x" * 255])
def test_odd_zone_names_are_unknown_zones(name: str) -> None:
    with pytest.raises(TimeProblem) as caught:
        zone(name)
    assert caught.value.code == "E402"
    assert len(caught.value.message) < 200


def test_calendar_years_1_and_9999_in_every_zone_form(tmp_path: Path) -> None:
    posts = "".join(
        f"  - {{id: p{i}, at: '{at}', timezone: {tz}, platform: x, account: '@b', text: hi}}\n"
        for i, (at, tz) in enumerate(
            (at, tz)
            for at in ("0001-01-01 00:00", "0001-01-01 00:00+14:00", "9999-12-31 23:59-12:00")
            for tz in ("UTC", "Pacific/Kiritimati", "America/Adak", "-12:00", "+14:00")
        )
    )
    result = check(tmp_path, {"cal.yaml": "posts:\n" + posts})
    assert {d.code for d in result.diagnostics} == {"E401"}
    assert len(result.diagnostics) == 15


_ZONES = st.sampled_from(
    ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/Adak", "+14:00", "-12:00", "Europe/Berlin"]
)


@settings(max_examples=300)
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    offset=st.sampled_from(["", "Z", "+14:00", "-12:00", "+05:30"]),
    tz=_ZONES,
)
def test_any_year_and_zone_is_an_instant_or_a_time_problem(
    moment: datetime, offset: str, tz: str
) -> None:
    """Years 1 to 9999 with every offset and zone: an instant, or E401, never OverflowError."""
    try:
        when = parse_when(f"{moment:%Y-%m-%d %H:%M}{offset}")
        resolved = resolve(when.local, tz)
        times.fold_alternative(when.local, tz)
    except TimeProblem as problem:
        assert problem.code == "E401"
        assert not times.MIN_YEAR <= moment.year <= times.MAX_YEAR
    else:
        assert times.MIN_YEAR <= moment.year <= times.MAX_YEAR
        assert resolved.utc is None or resolved.utc.tzinfo is UTC


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_any_text_as_at_or_zone_or_date_format_is_a_time_problem_at_worst(text: str) -> None:
    for attempt in (
        lambda: parse_when(text),
        lambda: zone(text),
        lambda: times.resolve_date_format(text),
        lambda: parse_when(text, "%d/%m/%Y"),
    ):
        try:
            attempt()
        except TimeProblem as problem:
            assert problem.code in ("E401", "E402", "E105", "E407")
