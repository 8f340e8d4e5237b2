"""The calendar keys queue/priority/evergreen in YAML and CSV, and their diagnostics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.model import Evergreen
from pipeline.validate.check import ValidationResult, validate

NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
CONFIG = 'timezone: Europe/Berlin\nslots:\n  weekdays: {mon-fri: ["08:30", "17:00"]}\n'


def _validate(tmp_path: Path, text: str, name: str = "cal.yaml") -> ValidationResult:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "pipeline.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "schedules").mkdir(exist_ok=True)
    (tmp_path / "schedules" / name).write_text(text, encoding="utf-8")
    paths = [str(tmp_path / "schedules")]
    return validate(paths, load_config(paths[0]), NOW)


def test_yaml_keys_become_entry_fields(tmp_path: Path) -> None:
    result = _validate(
        tmp_path,
        "defaults: {account: '@a', platforms: [x]}\n"
        "posts:\n"
        "  - {id: q, queue: weekdays, priority: next, text: hi}\n"
        "  - id: tip\n"
        "    queue: weekdays\n"
        "    text: tip\n"
        "    evergreen: {pool: tips, cooldown_days: 30, max_repeats: 4,\n"
        "                active: {from: 2027-01-01, to: 2027-12-31}}\n",
    )
    assert result.errors == []
    q = next(e for e in result.entries if e.id == "q")
    assert (q.queue, q.priority, q.at_utc is not None) == ("weekdays", "next", True)
    tip = next(e for e in result.entries if e.series == "tip")
    assert tip.evergreen == Evergreen(
        "tips", 30, 4, datetime(2027, 1, 1).date(), datetime(2027, 12, 31).date()
    )
    assert result.templates == {"q", "tip"}


def test_csv_columns(tmp_path: Path) -> None:
    result = _validate(
        tmp_path,
        "id,platform,account,text,queue,priority,evergreen.pool,evergreen.cooldown_days,"
        "evergreen.max_repeats,evergreen.active_from,evergreen.active_to\n"
        "q,x,@a,hello,weekdays,next,,,,,\n"
        "tip,x,@a,a tip,weekdays,,tips,30,2,2027-01-01,2027-06-30\n",
        "cal.csv",
    )
    assert result.errors == []
    tip = next(e for e in result.entries if e.series == "tip")
    assert tip.evergreen == Evergreen(
        "tips", 30, 2, datetime(2027, 1, 1).date(), datetime(2027, 6, 30).date()
    )
    assert next(e for e in result.entries if e.id == "q").priority == "next"


@pytest.mark.parametrize(
    ("post", "code", "line"),
    [
        ("{id: a, queue: weekday, text: t}", "E170", 3),
        ("{id: a, queue: weekdays, at: 2027-02-01 09:00, text: t}", "E171", 3),
        ("{queue: weekdays, text: t}", "E172", 3),
        ("{id: a, queue: weekdays, priority: first, text: t}", "E173", 3),
        ("{id: a, priority: next, at: 2027-02-01 09:00, text: t}", "E173", 3),
        ("{id: a, queue: weekdays, evergreen: {pool: t, cooldown_days: -1}, text: t}", "E174", 3),
        ("{id: a, queue: weekdays, evergreen: {cooldown_days: 3}, text: t}", "E174", 3),
        ("{id: a, queue: weekdays, evergreen: {pool: t, colldown: 3}, text: t}", "E174", 3),
        (
            "{id: a, queue: weekdays, evergreen: {pool: t, active: {from: soon}}, text: t}",
            "E174",
            3,
        ),
        ("{id: a, at: 2027-02-01 09:00, evergreen: {pool: t}, text: t}", "E175", 3),
    ],
)
def test_diagnostics(tmp_path: Path, post: str, code: str, line: int) -> None:
    result = _validate(
        tmp_path, f"defaults: {{account: '@a', platforms: [x]}}\nposts:\n  - {post}\n"
    )
    assert [(d.code, d.line) for d in result.errors] == [(code, line)]


def test_field_line_is_the_keys_line(tmp_path: Path) -> None:
    result = _validate(
        tmp_path,
        "defaults: {account: '@a', platforms: [x]}\nposts:\n  - id: a\n    text: t\n"
        "    queue: weekdays\n    priority: soon\n",
    )
    assert [(d.code, d.line, d.entry) for d in result.errors] == [("E173", 6, "a")]
