"""Posting slots: pipeline.yaml `slots:`/`pools:` and slot instants across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import ConfigError, SlotSet, load_config
from pipeline.schedule.slots import instants, is_slot
from tests.schedule.helpers import WEEKDAYS


def _config(tmp_path: Path, text: str) -> object:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "pipeline.yaml").write_text(text, encoding="utf-8")
    return load_config(str(tmp_path))


def test_slots_and_pools_are_read(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "timezone: Europe/Berlin\n"
        "slots:\n"
        '  weekdays: {mon-fri: ["08:30", "17:00"]}\n'
        '  weekend: {timezone: UTC, sat-sun: "10:00", daily: ["07:00"]}\n'
        "pools:\n"
        "  tips: {order: best, horizon_days: 7}\n",
    )
    slots = config.slots  # type: ignore[attr-defined]
    assert slots["weekdays"] == WEEKDAYS
    assert slots["weekend"].timezone == "UTC"
    assert slots["weekend"].days[5] == (time(7), time(10))
    assert slots["weekend"].days[0] == (time(7),)
    pool = config.pool("tips")  # type: ignore[attr-defined]
    assert (pool.order, pool.horizon_days) == ("best", 7)
    assert config.pool("other").horizon_days == 14  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            'timezone: UTC\nslots:\n  w: {tuesday: ["08:30"]}\n',
            "pipeline.yaml:2: slots.w: unknown day key",
        ),
        (
            'timezone: UTC\nslots:\n  w: {mon: ["25:00"]}\n',
            "pipeline.yaml:2: slots.w.mon: ['25:00'] is not",
        ),
        ('slots:\n  w: {mon: ["08:30"]}\n', "pipeline.yaml:1: slots.w.timezone: needs one zone"),
        (
            'timezone: UTC\nslots:\n  w: {timezone: Mars/Base, mon: ["08:30"]}\n',
            "pipeline.yaml:2: slots.w.timezone: unknown time zone",
        ),
        ("pools:\n  tips: {order: worst}\n", "pipeline.yaml:1: pools.tips.order: 'worst'"),
        ("pools:\n  tips: {horizon_days: 400}\n", "pipeline.yaml:1: pools.tips.horizon_days"),
        ("pools:\n  tips: {ordr: best}\n", "did you mean 'order'?"),
        ("slots: [weekdays]\n", "pipeline.yaml:1: slots: must map names"),
    ],
)
def test_config_errors_name_file_line_and_key_path(tmp_path: Path, text: str, found: str) -> None:
    """The line is the `slots:` or `pools:` key's (as for `plan:` and `publish:`), the key path
    says where inside."""
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text)
    assert found in str(caught.value)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_slots_keep_their_wall_time_across_dst() -> None:
    # Berlin moves to summer time on Sunday 2027-03-28: 08:30 is 07:30 UTC before, 06:30 after.
    found = list(instants(WEEKDAYS, _utc(2027, 3, 26), _utc(2027, 3, 30)))
    assert found == [
        _utc(2027, 3, 26, 7, 30),
        _utc(2027, 3, 26, 16, 0),
        _utc(2027, 3, 29, 6, 30),
        _utc(2027, 3, 29, 15, 0),
    ]


NIGHT = SlotSet("night", "Europe/Berlin", tuple((time(2, 30),) for _ in range(7)))


def test_a_slot_in_the_gap_is_skipped_and_a_fold_takes_the_first() -> None:
    spring = list(instants(NIGHT, _utc(2027, 3, 27), _utc(2027, 3, 30)))
    assert spring == [_utc(2027, 3, 27, 1, 30), _utc(2027, 3, 29, 0, 30)]  # none on the 28th
    autumn = list(instants(NIGHT, _utc(2027, 10, 31), _utc(2027, 11, 1)))
    assert autumn == [_utc(2027, 10, 31, 0, 30)]  # 02:30 CEST, not 02:30 CET (01:30 UTC)
    assert is_slot(NIGHT, _utc(2027, 10, 31, 0, 30))
    assert not is_slot(NIGHT, _utc(2027, 10, 31, 1, 30))


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
)
def test_instants_are_ordered_local_slot_times(start: datetime, days: int, tz: str) -> None:
    slot_set = SlotSet(
        "s", tz, tuple((time(0, 30), time(2, 15), time(8, 30)) if d % 2 else () for d in range(7))
    )
    begin = start.replace(tzinfo=UTC)
    end = begin + (datetime(2000, 1, 1 + days) - datetime(2000, 1, 1)) if days < 28 else begin
    found = list(instants(slot_set, begin, end))
    assert found == sorted(set(found))
    assert all(begin <= at < end and is_slot(slot_set, at) for at in found)
