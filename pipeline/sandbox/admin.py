"""Admin endpoints under /_sandbox/: what a test or a rehearsal needs to steer the sandbox.

    GET    /_sandbox/health            {"ok": true, "now": ...}
    GET    /_sandbox/clock             {"now", "offset_seconds", "time_scale"}
    POST   /_sandbox/clock/advance     {"seconds": N}: moves sandbox time forward, then runs what
                                       became due (scheduled posts, processing, webhooks)
    GET    /_sandbox/faults            the fault specs in force
    PUT    /_sandbox/faults            replaces them ({endpoint: spec}); PATCH merges; DELETE clears
    GET    /_sandbox/counters          requests, statuses, posts and scheduled posts created, 429s
                                       (per endpoint; `throttled`: per account and network/media),
                                       media imports, faults injected, webhook attempts
    GET    /_sandbox/posts             every post and scheduled post (?account=NAME)
    GET    /_sandbox/webhooks          every webhook delivery and its attempts
    GET    /_sandbox/clips             every upload the clip server accepted (POST /api/social/post)
    POST   /_sandbox/disconnect        {"profile": "@demo" or id, "platform": "facebook"}
    POST   /_sandbox/reset             forgets posts, media, keys, throttles, counters, deliveries
                                       and faults set at run time; the clock goes back to its start

They take no API key: the sandbox binds to 127.0.0.1 and only its user reaches it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline.sandbox.clips import clip_posts
from pipeline.sandbox.clock import iso
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.faults import FaultSpecError
from pipeline.sandbox.history import post_item, scheduled_item
from pipeline.sandbox.publishing import disconnect


def counters_view(sb: Sandbox) -> dict[str, Any]:
    """The flat counters ("kind|a|b") as nested objects, with totals a test can compare."""
    nested: dict[str, Any] = defaultdict(dict)
    for name, value in sorted(sb.state.counters.items()):
        kind, *rest = name.split("|")
        if len(rest) == 1:
            nested[kind][rest[0]] = value
        elif len(rest) == 2:
            nested[kind].setdefault(rest[0], {})[rest[1]] = value
    view: dict[str, Any] = {
        kind: nested.get(kind, {})
        for kind in (
            "requests",
            "statuses",
            "posts_created",
            "scheduled_created",
            "rate_limited",
            "throttled",
            "media_imports",
            "faults",
            "cancelled",
            "webhooks_queued",
            "webhook_attempts",
            "clip_posts",
            "clip_uploads",
        )
    }
    view["rate_limited_total"] = sum(view["rate_limited"].values())
    view["posts_total"] = len(sb.state.posts)
    view["scheduled_total"] = len(sb.state.scheduled)
    view["waiting_total"] = sum(1 for s in sb.state.scheduled.values() if s.waiting)
    view["clip_uploads_total"] = len(clip_posts(sb))
    return view


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("send a JSON object")
    return data


def admin_routes(sb: Sandbox, run_due: Callable[[], Awaitable[None]]) -> list[Route]:
    """`run_due` runs the tick and delivers the webhooks that are due, before answering."""

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "now": sb.now_iso()})

    async def clock(request: Request) -> Response:
        return JSONResponse(
            {
                "now": sb.now_iso(),
                "offset_seconds": sb.clock.offset,
                "time_scale": sb.clock.time_scale,
            }
        )

    async def advance(request: Request) -> Response:
        try:
            data = await _json(request)
            seconds = float(data.get("seconds", request.query_params.get("seconds", 0)))
            sb.advance(seconds)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        await run_due()
        return JSONResponse({"now": sb.now_iso(), "offset_seconds": sb.clock.offset})

    async def faults(request: Request) -> Response:
        try:
            if request.method in ("PUT", "PATCH"):
                sb.faults.set(await _json(request), replace=request.method == "PUT")
            elif request.method == "DELETE":
                sb.faults.set({})
        except (ValueError, FaultSpecError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": sb.faults.specs})

    async def counters(request: Request) -> Response:
        return JSONResponse(counters_view(sb))

    async def posts(request: Request) -> Response:
        await run_due()
        account = request.query_params.get("account")
        items = [
            {**post_item(p), "account": p.account, "text": p.text}
            for p in sorted(sb.state.posts.values(), key=lambda p: (p.at, p.id))
            if account in (None, p.account)
        ]
        waiting = [
            {**scheduled_item(s), "account": s.account, "post_id": s.post_id}
            for s in sorted(sb.state.scheduled.values(), key=lambda s: (s.created_at, s.id))
            if account in (None, s.account)
        ]
        return JSONResponse({"posts": items, "scheduled_posts": waiting})

    async def webhooks(request: Request) -> Response:
        deliveries = [
            {
                "id": d.id,
                "type": d.type,
                "account": d.account,
                "url": d.url,
                "state": d.state,
                "attempts": d.attempts,
                "statuses": list(d.statuses),
                "created_at": iso(d.created_at),
                "next_at": iso(d.next_at),
                "body": d.body,
            }
            for d in sorted(sb.state.deliveries.values(), key=lambda d: (d.created_at, d.id))
        ]
        return JSONResponse({"deliveries": deliveries})

    async def clips(request: Request) -> Response:
        return JSONResponse({"uploads": clip_posts(sb)})

    async def disconnect_network(request: Request) -> Response:
        data = await _json(request)
        ref, platform = str(data.get("profile", "")), str(data.get("platform", ""))
        for account in sb.config.accounts:
            for profile in account.profiles:
                if ref in (profile.profile_id, profile.handle, profile.name) and profile.network(
                    platform
                ):
                    changed = disconnect(sb, account, profile, platform, reason="token_expired")
                    await run_due()
                    return JSONResponse({"disconnected": changed})
        return JSONResponse({"error": "no such profile and network"}, status_code=404)

    async def reset(request: Request) -> Response:
        sb.reset()
        return JSONResponse({"ok": True})

    return [
        Route("/health", health, methods=["GET"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", advance, methods=["POST"]),
        Route("/faults", faults, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route("/counters", counters, methods=["GET"]),
        Route("/posts", posts, methods=["GET"]),
        Route("/webhooks", webhooks, methods=["GET"]),
        Route("/clips", clips, methods=["GET"]),
        Route("/disconnect", disconnect_network, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
    ]
