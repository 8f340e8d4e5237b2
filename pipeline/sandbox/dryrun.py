"""dryRun: every check a publish makes, nothing sent, and a report (DryRunReport) instead of the
answer. A refusal is still HTTP 200: `reason` carries the status this address would answer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pipeline.sandbox.answers import Answer, Refusal, json_answer
from pipeline.sandbox.clock import iso
from pipeline.sandbox.networks import network_refusal
from pipeline.sandbox.postinput import youtube_tags

if TYPE_CHECKING:
    from pipeline.sandbox.posting import Attempt


async def dry_run_report(attempt: Attempt) -> Answer:
    sb, post = attempt.sb, attempt.post
    checks: list[dict[str, Any]] = []
    reason: dict[str, Any] | None = None
    outcome = "publish"

    def request_checks() -> None:
        youtube_tags(post)
        attempt.check_schedule()

    steps: list[tuple[str, Any]] = [("request", request_checks), *attempt.engine_steps()]
    current = "request"
    try:
        for name, step in steps:
            current = name
            result = step()
            if asyncio.iscoroutine(result):
                await result
            _mark(checks, name, "ok")
        current = "schedule"
        if attempt.due is not None:
            attempt.check_queue()
            outcome = "schedule"
            reason = {
                "code": "scheduled",
                "status": 202,
                "message": f"It would be scheduled for {iso(attempt.due)}.",
            }
            _mark(checks, "schedule", "ok")
        else:
            _mark(checks, "schedule", "skipped", "published now")
            current = "allowance"
            if attempt.allowance_outcome() == "queue":
                outcome = "queue"
                reason = {
                    "code": "queued_for_next_day",
                    "status": 202,
                    "message": "The daily allowance is used up: it would be queued for the "
                    "next UTC day.",
                }
            _mark(checks, "allowance", "ok")
            assert attempt.network is not None
            current = "network"
            refused = network_refusal(post, attempt.network)
            if refused is not None and outcome == "publish":
                raise Refusal(*refused)
            _mark(checks, "network", "ok")
    except Refusal as refusal:
        outcome = "refuse"
        reason = {**refusal.error_object(), "status": refusal.status}
        reason.setdefault("code", "api_error")
        _mark(checks, current, "refused", refusal.message)
    profile = attempt.profile
    info = sb.allowance(attempt.account, profile) if profile is not None else None
    plan = attempt.account.plan
    report: dict[str, Any] = {
        "dry_run": True,
        "checked_at": iso(sb.clock.now()),
        "target": {
            "account_id": post.account_ref if isinstance(post.account_ref, str) else None,
            "profile_id": profile.profile_id if profile is not None else None,
            "platform": post.platform,
        },
        "outcome": outcome,
        "would_publish": outcome == "publish",
        "reason": reason,
        "warnings": [{"code": w["code"], "message": w["message"]} for w in attempt.warnings],
        "plan": {
            "tier": plan.tier,
            "is_admin": False,
            "allowance": {
                "kind": plan.allowance,
                "used": info["used"] if info else None,
                "limit": plan.limit,
                "resets_at": iso(info["resets_at"]) if info and info["resets_at"] else None,
            },
        },
        "media": _media(attempt),
        "checks": checks,
    }
    if post.platform in ("youtube", "tiktok"):
        options = post.options
        title = str(options.get("title") or post.text or "")[
            : 100 if post.platform == "youtube" else 90
        ]
        description = str(
            options.get("description") or (post.text if options.get("title") else "") or ""
        )
        report["will_send"] = {"title": title, "description": description}
    return json_answer(200, report)


def _mark(checks: list[dict[str, Any]], name: str, status: str, note: str | None = None) -> None:
    for check in checks:
        if check["name"] == name:
            if status != "ok":
                check["status"] = status
                if note:
                    check["note"] = note
            return
    item: dict[str, Any] = {"name": name, "status": status}
    if note:
        item["note"] = note
    checks.append(item)


def _media(attempt: Attempt) -> dict[str, Any]:
    post = attempt.post
    if post.media_ids:
        kinds = {m.kind for m in attempt.media}
        return {"count": len(post.media_ids), "type": _kind(kinds), "from": "ids"}
    if post.media_urls:
        kinds = {m.kind for m in attempt.items}
        return {"count": len(post.media_urls), "type": _kind(kinds), "from": "urls"}
    return {"count": 0, "type": None, "from": "none"}


def _kind(kinds: set[str]) -> str | None:
    return None if not kinds else ("mixed" if len(kinds) > 1 else next(iter(kinds)))
