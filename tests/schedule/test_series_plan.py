"""The plan's side of series edits: 'no longer in the series' only for templates still in the
calendar, only for occurrences still ahead; a removed template leaves orphans."""

from __future__ import annotations

from datetime import datetime, timedelta

from pipeline.model import LedgerPost
from pipeline.plan.diff import PlanOptions, make_plan
from tests.helpers import NOW


def waiting(identity: str, at: datetime) -> LedgerPost:
    return LedgerPost(
        identity=identity,
        entry_id=identity.rsplit("/", 1)[0],
        source="cal.yaml:3",
        platform="x",
        account="@demo",
        scheduled_for=at,
        status="scheduled",
        fingerprint="f",
    )


def test_only_a_template_still_in_the_calendar_cancels_what_it_no_longer_makes() -> None:
    ahead = waiting("tip@2026-12-08/x", NOW + timedelta(days=10))
    passed = waiting("tip@2026-11-28/x", NOW - timedelta(minutes=5))  # going out right now
    other = waiting("gone@2026-12-08/x", NOW + timedelta(days=10))
    plain = waiting("launch/x", NOW + timedelta(days=10))
    ledger = {p.identity: p for p in (ahead, passed, other, plain)}
    plan = make_plan([], ledger, PlanOptions(now=NOW, templates=frozenset({"tip"})))
    actions = {s.identity: (s.action, s.reason) for s in plan.steps}
    assert actions["tip@2026-12-08/x"] == ("cancel", "no longer in the series")
    assert actions["tip@2026-11-28/x"][0] == "orphan"
    assert actions["gone@2026-12-08/x"][0] == "orphan"  # the whole entry was removed
    assert actions["launch/x"][0] == "orphan"
    pruned = make_plan([], ledger, PlanOptions(now=NOW, prune=True))
    assert {s.action for s in pruned.steps} == {"cancel"}
    assert {s.reason for s in pruned.steps} == {"removed from the calendar (--prune)"}
