"""Golden plan text for a series edit: grouped per template and action, `--all` one by one.

After an intended change to the output, regenerate with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/report/test_plan_golden.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.model import LedgerPost
from pipeline.plan.build import PlanResult, build_plan
from pipeline.plan.diff import PlanOptions, planned_posts
from pipeline.report.plan import render_plan_json, render_plan_text
from pipeline.validate.check import validate
from tests.helpers import NOW, REPO, write

GOLDEN = REPO / "tests" / "golden"
BEFORE = """
defaults: {timezone: Europe/Berlin, account: '@demo'}
posts:
  - id: weekly-tip
    at: 2026-12-01 09:00
    repeat: "FREQ=WEEKLY;BYDAY=TU"
    until: 2027-01-31
    platforms: [linkedin, x]
    text: "Tip of the week"
  - {id: launch, at: 2026-12-02 12:00, platform: x, text: "We launch today"}
"""
#: Tuesdays and Thursdays, two Tuesdays skipped, one Thursday moved and rewritten.
AFTER = BEFORE.replace("BYDAY=TU", "BYDAY=TU,TH").replace(
    "    until: 2027-01-31\n",
    "    until: 2027-01-31\n    skip: [2026-12-08, 2026-12-15]\n"
    '    overrides:\n      2027-01-14: {at: "10:30", text: "Special edition"}\n',
)


@pytest.fixture
def planned(tmp_path: Path) -> Iterator[PlanResult]:
    cwd = os.getcwd()
    os.chdir(tmp_path)  # sources read schedules/cal.yaml:3, wherever the test runs
    try:
        (tmp_path / ".git").mkdir()
        write(tmp_path, {"schedules/cal.yaml": BEFORE})
        config = load_config("schedules")
        before = validate(["schedules"], config, NOW)
        ledger = {
            p.identity: LedgerPost(
                identity=p.identity,
                entry_id=p.entry.id,
                source=str(p.source),
                platform=p.platform,
                account=p.account,
                scheduled_for=p.scheduled_for,
                status="scheduled",
                fingerprint=p.fingerprint,
            )
            for p in planned_posts(before.entries, {})
        }
        write(tmp_path, {"schedules/cal.yaml": AFTER})
        after = validate(["schedules"], config, NOW, recorded=ledger)
        assert not after.diagnostics
        opts = dataclasses.replace(PlanOptions(now=NOW), templates=after.templates)
        yield build_plan(after, ledger, opts)
    finally:
        os.chdir(cwd)


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("show_all", "name"), [(False, "plan.txt"), (True, "plan-all.txt")])
def test_plan_text_matches_golden(planned: PlanResult, show_all: bool, name: str) -> None:
    text = render_plan_text(planned.plan, header="Plan for schedules/", show_all=show_all)
    _compare(name, text)


def test_the_series_edit_is_planned_without_prune(planned: PlanResult) -> None:
    plan = planned.plan
    cancels = {s.identity.rsplit("/", 1)[0] for s in plan.of("cancel")}
    assert cancels == {"weekly-tip@2026-12-08", "weekly-tip@2026-12-15"}
    assert {s.reason for s in plan.of("cancel")} == {"no longer in the series"}
    assert not plan.of("orphan")
    assert not plan.of("replace")
    creates = {s.identity.rsplit("/", 1)[0] for s in plan.of("create")}
    assert "weekly-tip@2027-01-14" in creates and "weekly-tip@2026-12-03" in creates


def test_the_json_plan_keeps_every_step(planned: PlanResult) -> None:
    steps = json.loads(render_plan_json(planned.plan))["steps"]
    assert len(steps) == len(planned.plan.steps)
    special = next(s for s in steps if s["identity"] == "weekly-tip@2027-01-14/x")
    assert (special["series"], special["occurrence"]) == ("weekly-tip", "2027-01-14")
    assert special["caption"] == "Special edition"
    cancel = next(s for s in steps if s["action"] == "cancel")
    assert cancel["series"] == "weekly-tip" and cancel["occurrence"] in ("2026-12-08", "2026-12-15")
    launch = next(s for s in steps if s["identity"] == "launch/x")
    assert launch["series"] is None and launch["occurrence"] is None


def test_a_monthly_series_names_no_weekdays(tmp_path: Path) -> None:
    """Monthly dates fall on any weekday: the summary gives the time, not 'daily'."""
    write(
        tmp_path,
        {
            "schedules/cal.yaml": """
            defaults: {timezone: Europe/Berlin, account: '@demo'}
            posts:
              - {id: roundup, at: 2026-12-01 09:00, repeat: "FREQ=MONTHLY;BYMONTHDAY=1", platforms: [x], text: hi}
            """
        },
    )
    (tmp_path / ".git").mkdir()
    result = validate([str(tmp_path / "schedules")], load_config(str(tmp_path)), NOW)
    plan = build_plan(result, {}, PlanOptions(now=NOW)).plan
    text = render_plan_text(plan, header="h")
    assert "roundup × 12 (09:00 Europe/Berlin, 2026-12-01 … 2027-11-01)" in text
