"""One small project the report tests share: a calendar with known problems and a ledger.

December 2026, seen from NOW (28 Nov 2026): two accounts, a day over the beginner plan's cap of
three posts, a caption that tries to run a script, errors and warnings on several platforms, and a
ledger that has scheduled one post, failed another and published two posts removed from the
calendar since (with figures, some not reported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.ledger import LedgerState, fold
from pipeline.ledger import events as ev
from pipeline.plan.build import build_plan
from pipeline.plan.diff import Plan, PlanOptions
from pipeline.report.html_data import ReportData, build_report_data
from pipeline.validate.check import ValidationResult
from tests.helpers import NOW, check

XSS = "<script>window.__pwned = 1</script> & \"quoted\" </script><!-- 'single'"
LONG = "long words " * 30  # 330 characters: too long for X (280), fine for LinkedIn
CAP = 3

FILES: dict[str, str | bytes] = {
    "pipeline.yaml": f"plan: {{tier: beginner, daily: {CAP}}}\n",
    "schedules/december.yaml": f"""
        defaults: {{timezone: Europe/Berlin, account: "@acme"}}
        posts:
          - id: winter-launch
            at: 2026-12-01 09:00
            platforms: [x, linkedin, threads]
            text: Winter collection is here
          - id: xss
            at: 2026-12-01 12:00
            platform: x
            text: {json.dumps(XSS)}
          - id: tips
            at: 2026-12-02 08:30
            platforms: [linkedin, threads]
            account: "@acme-eu"
            text: "Tip #1: layer up"
          - id: too-long
            at: 2026-12-03 18:00
            platforms: [x, linkedin]
            text: {LONG}
          - id: past
            at: 2026-11-01 10:00
            platform: threads
            text: This one has gone by
          - id: next-week
            at: 2026-12-09 10:00
            platform: linkedin
            text: Second week of December
        """,
}


@dataclass(frozen=True)
class Scenario:
    root: Path
    result: ValidationResult
    state: LedgerState
    plan: Plan
    data: ReportData


def _published(identity: str, at: datetime, permalink: str) -> list[dict[str, object]]:
    return [
        ev.PostIntent(
            run="r0",
            at=at - timedelta(days=2),
            identity=identity,
            entry_id=identity.split("/")[0],
            source="schedules/november.yaml:3",
            platform=identity.split("/")[1],
            account="@acme",
            scheduled_for=at,
            fingerprint="fp-old",
            idempotency_key=f"k-{identity}",
            generation=0,
            attempt=1,
        ).to_json(),
        ev.PostOutcome(
            run="r0",
            at=at - timedelta(days=2),
            identity=identity,
            attempt=1,
            result="published",
            post_id=f"p-{identity}",
            permalink=permalink,
        ).to_json(),
    ]


def ledger_events(result: ValidationResult) -> list[dict[str, object]]:
    """Events as the publisher and runner would have written them."""
    plan = build_plan(result, {}, PlanOptions(now=NOW)).plan
    posts = {s.identity: s.post for s in plan.steps if s.post is not None}
    events: list[dict[str, object]] = []
    for identity, result_name in (
        ("winter-launch/x", "scheduled"),
        ("winter-launch/linkedin", "failed"),
    ):
        post = posts[identity]
        events.append(
            ev.PostIntent(
                run="r1",
                at=NOW - timedelta(hours=1),
                identity=identity,
                entry_id=post.entry.id,
                source=str(post.source),
                platform=post.platform,
                account=post.account,
                scheduled_for=post.scheduled_for,
                fingerprint=post.fingerprint,
                idempotency_key=f"k-{identity}",
                generation=0,
                attempt=1,
            ).to_json()
        )
        events.append(
            ev.PostOutcome(
                run="r1",
                at=NOW - timedelta(hours=1),
                identity=identity,
                attempt=1,
                result=result_name,
                scheduled_post_id=f"sp-{identity}" if result_name == "scheduled" else None,
                error_code="media_invalid" if result_name == "failed" else None,
            ).to_json()
        )
    sale_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    events += _published("autumn-sale/x", sale_at, "https://x.example/acme/status/1")
    events += _published("old-promo/threads", sale_at, "javascript:alert(document.domain)")
    readings = [
        (sale_at + timedelta(hours=2), {"views": 100, "likes": 5, "saves": None}),
        (sale_at + timedelta(hours=8), {"views": 250, "likes": None, "saves": None}),
        (sale_at + timedelta(days=2), {"views": 400, "likes": 12, "saves": None}),
    ]
    for polled_at, metrics in readings:
        events.append(
            ev.Figures(
                run="runner",
                at=polled_at,
                identity="autumn-sale/x",
                post_id="p-autumn-sale/x",
                polled_at=polled_at,
                metrics=metrics,
            ).to_json()
        )
    events.append(
        ev.Figures(
            run="runner",
            at=sale_at + timedelta(days=1),
            identity="old-promo/threads",
            post_id="p-old-promo/threads",
            polled_at=sale_at + timedelta(days=1),
            metrics={"views": 90, "likes": 30, "saves": 2},
        ).to_json()
    )
    return events


def build(root: Path) -> Scenario:
    result = check(root, FILES, paths=[str(root / "schedules")])
    state = fold(ledger_events(result))
    plan = build_plan(result, state.posts, PlanOptions(now=NOW)).plan
    data = build_report_data(result, state, plan, NOW + timedelta(minutes=5))
    return Scenario(root, result, state, plan, data)
