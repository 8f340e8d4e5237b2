"""Recurring posts as written: YAML and CSV keys, the RRULE checks (code, file, line of the
field, entry), identities, overrides, skips, the horizon and the validate summary."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from pipeline.calendar.recurrence import RuleProblem, check_rule
from pipeline.config import load_config
from pipeline.model import LedgerPost
from pipeline.validate.check import ValidationResult, validate
from tests.helpers import NOW, check, found, utc, wall

SERIES = """
defaults: {timezone: Europe/Berlin, account: '@demo'}
posts:
  - id: weekly-tip
    at: 2027-01-05 09:00
    repeat: "FREQ=WEEKLY;BYDAY=TU,TH"
    until: 2027-06-30
    skip: [2027-04-06]
    overrides:
      2027-02-11: {at: "10:30", text: "Special edition"}
    platforms: [linkedin, x]
    text: "Tip of the week"
    captions: {x: "Tip for X"}
"""


def series_result(tmp_path: Path, text: str = SERIES, now: datetime = NOW) -> ValidationResult:
    return check(tmp_path, {"schedules/cal.yaml": text}, now=now)


def test_a_weekly_series_expands_with_identities_skip_and_override(tmp_path: Path) -> None:
    result = series_result(tmp_path)
    assert not result.diagnostics
    made = result.entries
    ids = [e.id for e in made]
    assert ids[0] == "weekly-tip@2027-01-05" and ids[-1] == "weekly-tip@2027-06-29"
    assert "weekly-tip@2027-04-06" not in ids  # skipped
    assert len(made) == 26 + 25 - 1  # Tuesdays Jan 5 - Jun 29, Thursdays Jan 7 - Jun 24
    assert {e.series for e in made} == {"weekly-tip"}
    assert all(e.id == f"{e.series}@{e.occurrence}" for e in made)
    # 09:00 wall time all year, across the change to summer time (UTC+1 -> UTC+2).
    assert {wall(e).time() for e in made if e.occurrence != "2027-02-11"} == {time(9)}
    march, april = (
        next(e for e in made if e.occurrence == d) for d in ("2027-03-25", "2027-04-01")
    )
    assert march.at_utc == datetime(2027, 3, 25, 8, tzinfo=UTC)
    assert april.at_utc == datetime(2027, 4, 1, 7, tzinfo=UTC)
    special = next(e for e in made if e.occurrence == "2027-02-11")
    assert special.at_local == datetime(2027, 2, 11, 10, 30)
    assert special.caption_for("x") == special.caption_for("linkedin") == "Special edition"
    assert made[0].caption_for("x") == "Tip for X"
    # The summary: what the user wrote, and what the rules checked.
    summary = result.summary()
    assert (summary["entries"], summary["posts"]) == (1, 50 * 2)


def test_the_horizon_is_the_apis_365_days_and_the_past_is_not_produced(tmp_path: Path) -> None:
    text = SERIES.replace("    until: 2027-06-30\n", "").replace("    skip: [2027-04-06]\n", "")
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    result = series_result(tmp_path, text, now)
    assert not result.errors  # earlier occurrences, never recorded, are history, not E403
    days = [utc(e) for e in result.entries]
    assert min(days) > now and max(days) <= now + timedelta(days=365)
    assert max(days) > now + timedelta(days=360)


def test_recorded_past_occurrences_stay_with_the_platforms_the_ledger_has(tmp_path: Path) -> None:
    now = datetime(2027, 1, 8, 12, tzinfo=UTC)
    sent = LedgerPost(
        identity="weekly-tip@2027-01-05/x",
        entry_id="weekly-tip@2027-01-05",
        source="cal.yaml:3",
        platform="x",
        account="@demo",
        scheduled_for=datetime(2027, 1, 5, 8, tzinfo=UTC),
        status="published",
        fingerprint="f",
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "cal.yaml").write_text(SERIES.lstrip(), encoding="utf-8")
    paths = [str(tmp_path / "schedules")]
    result = validate(paths, load_config(paths[0]), now, recorded={sent.identity: sent})
    assert not result.errors
    first = result.entries[0]
    assert (first.id, first.platforms) == ("weekly-tip@2027-01-05", ("x",))
    assert result.entries[1].occurrence == "2027-01-12"  # 2027-01-07 passed unrecorded


def test_two_occurrences_on_one_local_date_get_a_suffix(tmp_path: Path) -> None:
    text = """
    defaults: {timezone: America/New_York, account: '@demo'}
    posts:
      - {id: twice, at: 2026-12-01 09:00, repeat: "FREQ=DAILY;BYHOUR=9,17", count: 4, platform: x, text: hi}
    """
    result = check(tmp_path, {"schedules/cal.yaml": text})
    assert [e.id for e in result.entries] == [
        "twice@2026-12-01",
        "twice@2026-12-01.2",
        "twice@2026-12-02",
        "twice@2026-12-02.2",
    ]


def test_dst_gaps_and_folds_are_flagged_per_occurrence(tmp_path: Path) -> None:
    text = """
    defaults: {timezone: Europe/Berlin, account: '@demo'}
    posts:
      - {id: night, at: 2027-03-27 02:30, repeat: FREQ=DAILY, count: 3, platform: x, text: hi}
      - {id: late, at: 2027-10-30 02:30, repeat: FREQ=DAILY, count: 2, platform: x, text: hi}
    """
    result = check(tmp_path, {"schedules/cal.yaml": text})
    gap = [d for d in result.diagnostics if d.code == "E406"]
    assert [(d.line, d.entry) for d in gap] == [(3, "night@2027-03-28")]
    fold = [d for d in result.diagnostics if d.code == "W101"]
    assert [(d.line, d.entry) for d in fold] == [(4, "late@2027-10-31")]
    # Only the occurrence in the gap is invalid; the series' others stay valid.
    invalid = result.invalid()
    from pipeline.validate.check import is_invalid

    assert [e.id for e in result.entries if is_invalid(e, invalid)] == ["night@2027-03-28"]


@pytest.mark.parametrize(
    ("post", "code", "line"),
    [
        ('repeat: "FREQ=WEEKLY;BYDAY=XX"', "E160", 4),
        ('repeat: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"', "E160", 4),
        ('repeat: "BYDAY=MO"', "E160", 4),
        ('repeat: "FREQ=DAILY;INTERVAL=0"', "E160", 4),
        ('repeat: "FREQ=DAILY;UNTIL=20270101T000000Z"', "E161", 4),
        ('repeat: "DTSTART:20270101T090000\\nRRULE:FREQ=DAILY"', "E161", 4),
        ('repeat: "FREQ=DAILY;COUNT=3"', "E161", 4),
        ('repeat: "FREQ=MINUTELY"', "E166", 4),
        ("repeat: FREQ=DAILY\n    until: 2027-01-01\n    count: 3", "E161", 5),
        ("repeat: FREQ=DAILY\n    count: none", "E164", 5),
        ("repeat: FREQ=DAILY\n    until: someday", "E164", 5),
        ("repeat: FREQ=DAILY\n    skip: [2027-02-30]", "E164", 5),
        ("repeat: FREQ=DAILY\n    overrides: {2027-01-02: {colour: red}}", "E165", 5),
        ("repeat: FREQ=DAILY\n    overrides: {2027-01-02: {at: 'soon'}}", "E165", 5),
        ("repeat: FREQ=DAILY\n    overrides: [2027-01-02]", "E165", 5),
        ("count: 3", "E167", 4),
        ("skip: [2027-01-02]", "E167", 4),
    ],
)
def test_series_problems_are_reported_at_their_field(
    tmp_path: Path, post: str, code: str, line: int
) -> None:
    text = (
        "defaults: {timezone: UTC, account: '@demo'}\nposts:\n"
        f"  - id: s\n    {post}\n    at: 2026-12-01 09:00\n    platform: x\n    text: hi\n"
    )
    result = check(tmp_path, {"schedules/cal.yaml": text})
    assert (code, line) in found(result), result.diagnostics
    assert all(d.entry == "s" for d in result.diagnostics if d.code == code)
    if code != "E167":
        assert not result.entries  # a broken template makes no posts, and is not one post


def test_a_template_needs_an_id_and_ids_cannot_hold_an_at_sign(tmp_path: Path) -> None:
    text = """
    defaults: {timezone: UTC, account: '@demo'}
    posts:
      - {at: 2026-12-01 09:00, repeat: FREQ=DAILY, platform: x, text: hi}
      - {id: a@b, at: 2026-12-01 09:00, platform: x, text: hi}
    """
    result = check(tmp_path, {"schedules/cal.yaml": text})
    assert found(result) == {("E162", 3), ("E163", 4)}
    assert result.templates == frozenset()


def test_skip_and_override_dates_the_rule_never_makes_are_warned(tmp_path: Path) -> None:
    text = SERIES.replace("[2027-04-06]", "[2027-04-06, 2027-04-07]").replace(
        "      2027-02-11:", "      2027-02-12: {text: never}\n      2027-02-11:"
    )
    result = series_result(tmp_path, text)
    assert found(result) == {("W160", 7), ("W160", 8)}


def test_the_csv_form_has_the_same_columns(tmp_path: Path) -> None:
    csv = (
        "id,at,timezone,platforms,account,text,repeat,until,skip,overrides\n"
        "weekly-tip,2027-01-05 09:00,Europe/Berlin,linkedin;x,@demo,Tip of the week,"
        "FREQ=WEEKLY;BYDAY=TU,2027-03-01,2027-01-12; 2027-01-19,"
        '"{""2027-01-26"": {""at"": ""10:30"", ""text"": ""Special""}}"\n'
    )
    result = check(tmp_path, {"schedules/cal.csv": csv})
    assert not result.diagnostics, result.diagnostics
    assert [e.occurrence for e in result.entries] == [
        "2027-01-05",
        "2027-01-26",
        "2027-02-02",
        "2027-02-09",
        "2027-02-16",
        "2027-02-23",
    ]
    special = result.entries[1]
    assert (wall(special).hour, wall(special).minute, special.text) == (10, 30, "Special")
    bad = csv.replace('"{""2027-01-26', '"{2027-01-26')
    assert ("E165", 2) in found(check(tmp_path, {"schedules/cal.csv": bad}))


def test_rule_checks_name_what_is_wrong() -> None:
    with pytest.raises(RuleProblem) as problem:
        check_rule("FREQ=WEEKLY;BYDAY=TU,XX")
    assert problem.value.code == "E160" and "XX" in problem.value.message
    assert check_rule("rrule: freq=weekly; byday=tu,th") == "FREQ=WEEKLY;BYDAY=TU,TH"


def _readme_block(language: str) -> str:
    from tests.helpers import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Recurring posts", 1)[1].split("\n## ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_readme_examples_are_clean_and_mean_the_same(tmp_path: Path) -> None:
    yaml_text = "defaults: {account: '@acme'}\nposts:\n" + "".join(
        f"  {line}\n" for line in _readme_block("yaml").splitlines()
    )
    written = series_result(tmp_path / "yaml", yaml_text)
    table = check(tmp_path / "csv", {"schedules/cal.csv": _readme_block("csv")})
    assert not written.diagnostics and not table.diagnostics, (
        written.diagnostics,
        table.diagnostics,
    )
    assert len(written.entries) == 50
    assert [(e.id, e.at_utc, e.caption_for("x")) for e in written.entries] == [
        (e.id, e.at_utc, e.caption_for("x")) for e in table.entries
    ]


def test_plan_groups_a_series_and_all_lists_every_occurrence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    (tmp_path / ".git").mkdir()
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "cal.yaml").write_text(SERIES.lstrip(), encoding="utf-8")
    args = ["plan", str(tmp_path / "schedules"), "--now", "2026-11-28T12:00Z"]
    assert main(args) == 0
    grouped = capsys.readouterr().out
    assert (
        "+ create    weekly-tip × 50 (Tue, Thu 09:00, 10:30 Europe/Berlin, 2027-01-05 … 2027-06-29)  linkedin, x"
        in grouped
    )
    assert "1 entries, 100 posts" in grouped and "Plan: 100 to create" in grouped
    assert main([*args, "--all"]) == 0
    every = capsys.readouterr().out
    assert every.count("+ create") == 100 and "weekly-tip ×" not in every
