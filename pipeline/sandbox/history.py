"""History: GET /posts (cursor pages and filters), GET /posts/{id}, and the cancel of a waiting
post (DELETE on both addresses).

The cursor is opaque to clients: the position of the last item (its `at` and id) and a hash of
the account, signed with a key derived from the run's seed, so a cursor of another account (or a
made-up one) is a 400, never a silent restart from the first page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from pipeline.model import PLATFORMS
from pipeline.sandbox.answers import Answer, json_answer, read_error, read_ok
from pipeline.sandbox.clock import iso
from pipeline.sandbox.config import AccountConfig
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.ids import is_uuid
from pipeline.sandbox.networks import figures
from pipeline.sandbox.records import PostRecord, ScheduledRecord

POST_STATUSES = ("success", "processing", "timeout")
SCHEDULED_STATUSES = ("scheduled", "cancelled")
STATUS_VALUES = (*POST_STATUSES, *SCHEDULED_STATUSES, "failed")
LIST_PARAMETERS = ("limit", "cursor", "status", "platform", "kind", "profile_id")


class BadParameter(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def answer(self) -> Answer:
        return read_error(400, "bad_request", self.message, parameter=self.parameter)


def post_item(post: PostRecord) -> dict[str, Any]:
    return {
        "id": post.id,
        "kind": "post",
        "profile_id": post.profile_id,
        "platform": post.platform,
        "status": post.status,
        "done": post.done,
        "media_type": post.media_type,
        "publish_id": post.publish_id,
        "permalink": post.permalink,
        "error_message": post.error_message,
        "at": iso(post.at),
        "updated_at": iso(post.updated_at),
        "scheduled_post_id": post.scheduled_post_id,
    }


def scheduled_item(item: ScheduledRecord) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": "scheduled_post",
        "profile_id": item.profile_id,
        "platforms": [item.platform],
        "status": item.status,
        "outcome": item.outcome,
        "done": item.done,
        "media_type": item.media_type,
        "at": iso(item.due_at),
        "scheduled_for": iso(item.due_at),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "note": item.note,
        "error_message": item.error_message,
    }


class Cursors:
    def __init__(self, seed: int) -> None:
        self._key = hashlib.sha256(f"sandbox-cursor:{seed}".encode()).digest()

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()[:20]

    def make(self, account: str, at: float, item_id: str) -> str:
        payload = json.dumps({"a": _hash(account), "t": at, "i": item_id}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{encoded}.{self._sign(payload.encode())}"

    def read(self, account: str, cursor: str) -> tuple[float, str]:
        bad = BadParameter(
            "cursor",
            "This cursor is not one of ours: send next_cursor exactly as "
            "it came, or leave it out to start from the newest post.",
        )
        encoded, _, signature = cursor.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise bad from None
        if not hmac.compare_digest(signature, self._sign(payload)) or data.get("a") != _hash(
            account
        ):
            raise bad
        return float(data["t"]), str(data["i"])


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def list_posts(
    sb: Sandbox,
    cursors: Cursors,
    account: AccountConfig,
    query: list[tuple[str, str]],
    base_url: str,
) -> Answer:
    params = dict(query)
    warnings = [
        {
            "code": "unknown_parameter",
            "message": f"{name} is not a parameter of GET /posts; not used.",
            "field": name,
        }
        for name in sorted(set(params) - set(LIST_PARAMETERS))
    ]
    try:
        limit = _limit(params.get("limit"))
        statuses = _statuses(params.get("status"))
        platform = params.get("platform")
        if platform is not None and platform not in PLATFORMS:
            raise BadParameter("platform", f"platform must be one of {', '.join(PLATFORMS)}.")
        kind = params.get("kind")
        if kind is not None and kind not in ("post", "scheduled_post"):
            raise BadParameter("kind", "kind must be post or scheduled_post.")
        profile_id = params.get("profile_id")
        if profile_id is not None and not is_uuid(profile_id):
            raise BadParameter("profile_id", "profile_id must be a UUID from GET /accounts.")
        after = cursors.read(account.name, params["cursor"]) if "cursor" in params else None
    except BadParameter as bad:
        return bad.answer()
    rows: list[tuple[float, str, dict[str, Any]]] = []
    if kind in (None, "post"):
        for post in sb.state.posts.values():
            if (
                post.account == account.name
                and (statuses is None or post.status in statuses)
                and platform in (None, post.platform)
                and profile_id in (None, post.profile_id)
            ):
                rows.append((post.at, post.id, post_item(post)))
    if kind in (None, "scheduled_post"):
        for item in sb.state.scheduled.values():
            if item.account != account.name or item.post_id is not None:
                continue  # listed as its posts once it has produced them
            if (
                (statuses is None or item.status in statuses)
                and platform in (None, item.platform)
                and profile_id in (None, item.profile_id)
            ):
                rows.append((item.due_at, item.id, scheduled_item(item)))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    if after is not None:
        rows = [r for r in rows if (r[0], r[1]) < after]
    page = rows[:limit]
    next_cursor = (
        cursors.make(account.name, page[-1][0], page[-1][1]) if len(rows) > limit else None
    )
    next_url = None
    if next_cursor is not None:
        kept = [(k, v) for k, v in query if k in LIST_PARAMETERS and k not in ("cursor", "limit")]
        next_url = f"{base_url}/api/v2/posts?" + urlencode(
            [*kept, ("limit", str(limit)), ("cursor", next_cursor)]
        )
    body: dict[str, Any] = {
        "data": [r[2] for r in page],
        "next_cursor": next_cursor,
        "next_url": next_url,
    }
    if warnings:
        body["warnings"] = warnings
    return read_ok(body)


def _limit(value: str | None) -> int:
    if value is None:
        return 20
    if not value.strip().isdigit() or not 1 <= int(value) <= 100:
        raise BadParameter("limit", "limit must be a whole number from 1 to 100.")
    return int(value)


def _statuses(value: str | None) -> set[str] | None:
    if value is None:
        return None
    wanted = [v.strip() for v in value.split(",")]
    for status in wanted:
        if status == "published":
            raise BadParameter(
                "status",
                "published is not a status here: a scheduled post that "
                "went out is listed as its posts. Use success.",
            )
        if status not in STATUS_VALUES:
            raise BadParameter(
                "status", f"status takes {', '.join(STATUS_VALUES)} (comma-separated)."
            )
    return set(wanted)


def get_post(sb: Sandbox, account: AccountConfig, item_id: str) -> Answer:
    if not is_uuid(item_id):
        return BadParameter(
            "id", "The id must be a UUID (status200.post_id or scheduled_post_id)."
        ).answer()
    post = sb.state.posts.get(item_id)
    if post is not None and post.account == account.name:
        data = post_item(post)
        data["figures"] = None
        if post.status == "success":
            hours = (sb.clock.now() - post.updated_at) / sb.clock.time_scale / 3600.0
            data["figures"] = {
                **figures(post.platform, post.id, post.media_type, hours),
                "polled_at": sb.now_iso(),
                "note": None,
            }
        return read_ok({"data": data})
    scheduled = sb.state.scheduled.get(item_id)
    if scheduled is not None and scheduled.account == account.name:
        data = scheduled_item(scheduled)
        data["results"] = [_result(sb, scheduled)]
        return read_ok({"data": data})
    return read_error(
        404, "post_not_found", "No post or scheduled post with that id on your account."
    )


def _result(sb: Sandbox, item: ScheduledRecord) -> dict[str, Any]:
    post = sb.state.posts.get(item.post_id) if item.post_id else None
    if post is not None:
        return {
            "platform": item.platform,
            "post_id": post.id,
            "status": post.status,
            "done": post.done,
            "publish_id": post.publish_id,
            "permalink": post.permalink,
            "error_message": post.error_message,
        }
    status = "pending" if item.waiting else "not_sent"
    return {
        "platform": item.platform,
        "post_id": None,
        "status": status,
        "done": not item.waiting,
        "publish_id": None,
        "permalink": None,
        "error_message": item.error_message,
    }


def cancel(
    sb: Sandbox, account: AccountConfig, item_id: str
) -> tuple[int, str | None, str, dict[str, Any]]:
    """(status, code, message, data or extras): the engine's cancel, shared by both addresses."""
    item = sb.state.scheduled.get(item_id)
    if item is None or item.account != account.name:
        return 404, "post_not_found", "No scheduled post with that id on your account.", {}
    data = {
        "scheduled_post_id": item.id,
        "status": "cancelled",
        "platforms": [item.platform],
        "was_due_at": iso(item.due_at),
    }
    if item.outcome == "cancelled":
        return (
            200,
            None,
            "",
            {**data, "message": "It was already cancelled.", "already_cancelled": True},
        )
    if not item.waiting:
        status = {"published": "published", "failed": "failed"}.get(item.status, "processing")
        return (
            409,
            "not_cancellable",
            f"It cannot be cancelled: it is {status}.",
            {"status": status},
        )
    now = sb.clock.now()
    sb.state.save(replace(item, status="cancelled", outcome="cancelled", updated_at=now))
    sb.state.count(f"cancelled|{account.name}")
    return 200, None, "", {**data, "message": "Cancelled. It will not be published."}


def cancel_answer(result: tuple[int, str | None, str, dict[str, Any]]) -> Answer:
    status, code, message, extra = result
    if status == 200:
        return json_answer(200, {"data": extra})
    return json_answer(status, {"error": {"code": code, "message": message, **extra}})
