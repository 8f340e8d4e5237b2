"""POST /api/v2/posts and POST /functions/v1/api-posts: the checks, in the file's order.

/api/v2: method, JSON, key, dryRun flag, post, platform, YouTube tags, scheduledFor,
Idempotency-Key, accountId, profile (403 or 400), media ids exist (404); then the engine: X/Skool
plan gate (403), 20-second throttle (429), connection, media wait (about 12 s, then 409), pre-post
guards, scheduled branch (202), allowance (429 monthly or 202 queued), send.

The older address reads the key before the JSON, says its refusals as api_error, runs the plan
gate and the throttle before the profile, answers an unknown profile 404 api_error, and waits 90 s
for media. A dry run runs the same checks without side effects and reports instead of answering.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pipeline.sandbox.answers import Answer, Refusal, gateway_timeout, json_answer
from pipeline.sandbox.clock import iso
from pipeline.sandbox.config import TIER_ORDER, AccountConfig, NetworkConfig, ProfileConfig
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.engine import UPGRADE_URL, AmbiguousProfile, Sandbox
from pipeline.sandbox.ids import is_uuid
from pipeline.sandbox.networks import MediaItem, guards, kind_from_url
from pipeline.sandbox.postinput import PostInput, warning
from pipeline.sandbox.publishing import Outcome, send_post
from pipeline.sandbox.records import MediaRecord, ScheduledRecord
from pipeline.sandbox.timeparse import ScheduleError, read_scheduled_for

V2_MEDIA_WAIT = 12.0
OLDER_MEDIA_WAIT = 90.0
MEDIA_RETRY_AFTER = 30.0
_REQUIRED = {"x_addon": "the X add-on", "beginner": "Beginner or higher"}


def unauthorized(older: bool, missing: bool) -> Refusal:
    if older:
        text = (
            "Missing Authorization: Bearer <api_key>" if missing else "Invalid or inactive API key"
        )
        return Refusal(401, "api_error", text)
    return Refusal(401, "unauthorized", "Send Authorization: Bearer rl_... with an active API key.")


class Attempt:
    """One POST of a post, from its parsed body to the answer (or, for a dry run, the report)."""

    def __init__(
        self, sb: Sandbox, ctx: Ctx, account: AccountConfig, post: PostInput, *, older: bool
    ) -> None:
        self.sb, self.ctx, self.account, self.post, self.older = sb, ctx, account, post, older
        self.dry = post.dry_run
        self.profile: ProfileConfig | None = None
        self.network: NetworkConfig | None = None
        self.media: list[MediaRecord] = []
        self.items: list[MediaItem] = []
        self.due: float | None = None
        self.warnings = list(post.warnings)
        self.checks: list[dict[str, Any]] = []

    # -- the steps -------------------------------------------------------------------------------

    def check_schedule(self) -> None:
        try:
            self.due = read_scheduled_for(self.post.scheduled_for, self.sb.clock.now()).due
        except ScheduleError as exc:
            raise Refusal(
                400,
                "scheduled_for_invalid",
                _schedule_message(exc.reason),
                extras={"scheduled_for": self.post.scheduled_for, "reason": exc.reason},
            ) from None

    def check_account_id(self) -> None:
        ref = self.post.account_ref
        if not isinstance(ref, str) or not ref.strip():
            raise Refusal(
                400,
                "api_error" if self.older else "bad_request",
                "post.accountId is required: a profile id or @name (GET /accounts).",
            )

    def check_profile(self) -> None:
        ref = str(self.post.account_ref)
        handles = [p.handle for p in self.account.profiles][:25]
        try:
            profile = self.sb.resolve_profile(self.account, ref)
        except AmbiguousProfile as exc:
            raise Refusal(
                400,
                "profile_name_ambiguous",
                "Two profiles have this name in different capital letters: send the "
                "exact name or the profile id.",
                extras={"profiles": exc.handles},
            ) from None
        if profile is None:
            if self.older:
                raise Refusal(
                    404, "api_error", f"Profile {ref} not found.", extras={"profiles": handles}
                )
            raise Refusal(
                403,
                "account_not_found",
                f"No profile {ref} on your account. Your profiles: {', '.join(handles)}.",
                extras={"profiles": handles},
            )
        self.profile = profile
        self.network = self.sb.network(profile, self.post.platform)

    def check_media_exist(self) -> None:
        for file_id in self.post.media_ids or ():
            record = self.sb.media(self.account, file_id) if is_uuid(file_id.lower()) else None
            if record is None:
                raise Refusal(
                    404,
                    "media_not_found",
                    f"No media {file_id} on your account (import it with POST /media).",
                    extras={"file_id": file_id},
                )
            self.media.append(record)

    def check_plan(self) -> None:
        plan, platform = self.account.plan, self.post.platform
        required = None
        if platform == "x" and not plan.x_addon:
            required = "x_addon"
        elif platform == "skool" and TIER_ORDER.index(_tier(plan.tier)) < 1:
            required = "beginner"
        if required:
            raise Refusal(
                403,
                "plan_required",
                f"Posting to {platform} needs {_REQUIRED[required]}.",
                extras={
                    "required": required,
                    "platform": platform,
                    "plan": plan.tier,
                    "upgrade_url": UPGRADE_URL,
                },
            )

    def check_throttle(self) -> None:
        throttles = self.sb.throttles
        at = throttles.moment(self.ctx.arrived)
        wait = throttles.post_wait(self.account.name, self.post.platform, at)
        if wait > 0:
            seconds = self.sb.clock.wait_header(wait)
            if not self.dry:
                self.sb.state.count(f"throttled|{self.account.name}|{self.post.platform}")
            raise Refusal(
                429,
                "rate_limited",
                f"One post per network every 20 seconds: wait {seconds} s before the next "
                f"{self.post.platform} post.",
                extras={"retry_after_seconds": throttles.retry_after_seconds(wait)},
                retry_after=seconds,
            )

    def check_connection(self) -> None:
        platform, network = self.post.platform, self.network
        assert self.profile is not None
        if network is None:
            raise Refusal(
                403,
                "forbidden",
                f"{self.profile.handle} has no {platform} connected: connect it on the "
                "Connections page.",
                extras={"platform": platform},
            )
        if network.status != "connected" or network.health == "reconnect_required":
            code = {
                "instagram": "RECONNECT_REQUIRED",
                "tiktok": "REFRESH_TOKEN_EXPIRED",
                "pinterest": "pinterest_auth_failed",
                "x": "x_rejected",
            }.get(platform, "reconnect_required")
            raise Refusal(
                401,
                code,
                f"{platform} no longer accepts this profile's sign-in: "
                "reconnect it on the Connections page.",
                extras={"platform": platform},
            )

    async def wait_for_media(self) -> None:
        limit = self.sb.clock.scaled(OLDER_MEDIA_WAIT if self.older else V2_MEDIA_WAIT)
        deadline = self.sb.clock.now() + limit
        for index, record in enumerate(self.media):
            while record.status == "processing":
                left = min(record.ready_at, deadline) - self.sb.clock.now()
                if self.dry or left <= 0:
                    break
                await asyncio.sleep(min(left, 0.05))
                record = self.sb.state.media.get(record.file_id, record)
                self.sb.settle_media(record)
                record = self.sb.state.media.get(record.file_id, record)
            self.media[index] = record
            if record.status == "failed":
                raise Refusal(
                    422,
                    "media_failed",
                    f"The import of {record.file_id} failed: {record.error}",
                    extras={"file_id": record.file_id},
                )
            if record.status == "processing":
                retry = self.sb.clock.wait_header(self.sb.clock.scaled(MEDIA_RETRY_AFTER))
                where = "GET /api-media-upload?file_id=" if self.older else "GET /media?file_id="
                raise Refusal(
                    409,
                    "media_processing",
                    f"The file {record.file_id} is still importing: follow it with "
                    f"{where}{record.file_id}, then send the post again.",
                    extras={"file_id": record.file_id, "progress": self.sb.media_progress(record)},
                    retry_after=retry,
                )

    def check_guards(self) -> None:
        if self.media:
            self.items = [MediaItem(m.kind, m.type, m.size) for m in self.media]
        elif self.post.media_urls:
            for url in self.post.media_urls:
                item = kind_from_url(url)
                if item is None:
                    raise Refusal(
                        400,
                        "media_not_available",
                        f"Cannot tell from its extension whether {url} is an image or a "
                        "video: import it with POST /media.",
                    )
                self.items.append(item)
            if self.due is not None:
                self.warnings.append(
                    warning(
                        "media_url_not_kept",
                        "The files at mediaUrls are fetched when the post goes out, not now.",
                        "post.content.mediaUrls",
                    )
                )
        assert self.network is not None
        guards(self.post, self.items, self.network, older=self.older)

    def check_queue(self) -> None:
        limit = self.account.max_waiting_scheduled
        if self.sb.waiting_count(self.account) >= limit:
            raise Refusal(
                409,
                "scheduled_queue_full",
                f"{limit} posts are already waiting: cancel some or wait until they go out.",
                extras={"limit": limit},
            )

    def allowance_outcome(self) -> str:
        """publish, queue, or raises 429 monthly_limit_reached."""
        assert self.profile is not None
        info = self.sb.allowance(self.account, self.profile)
        if info["kind"] == "unlimited" or info["used"] < info["limit"]:
            return "publish"
        if info["kind"] == "daily":
            return "queue"
        wait = max(0, int(info["resets_at"] - self.sb.clock.now()))
        raise Refusal(
            429,
            "monthly_limit_reached",
            f"Your plan's monthly allowance is used ({info['used']}/{info['limit']}). "
            "Upgrade, or wait until it resets.",
            extras={
                "upgrade_url": UPGRADE_URL,
                "used": info["used"],
                "limit": info["limit"],
                "window": "month",
                "resets_at": iso(info["resets_at"]),
                "plan": self.account.plan.tier,
                "trial_available": self.account.plan.trial_available,
                "retry_after_seconds": wait,
            },
            retry_after=wait,
        )

    # -- running them ----------------------------------------------------------------------------

    def engine_steps(self) -> list[tuple[str, Any]]:
        early = [
            ("profile", self.check_account_id),
            ("profile", self.check_profile),
            ("media", self.check_media_exist),
        ]
        gate = [("plan", self.check_plan), ("throttle", self.check_throttle)]
        later = [
            ("connection", self.check_connection),
            ("media", self.wait_for_media),
            ("guards", self.check_guards),
        ]
        return (gate + early if self.older else early + gate) + later

    async def run(self) -> Answer:
        for _, step in self.engine_steps():
            result = step()
            if asyncio.iscoroutine(result):
                await result
        if self.due is not None:
            self.check_queue()
            return self.schedule(self.due, queued=False)
        if self.allowance_outcome() == "queue":
            self.check_queue()
            return self.schedule(self.sb.clock.now() + 86400.0, queued=True)
        return self.send()

    def schedule(self, due: float, *, queued: bool) -> Answer:
        assert self.profile is not None
        sb, now = self.sb, self.sb.clock.now()
        record = ScheduledRecord(
            id=sb.ids.uuid(),
            account=self.account.name,
            profile_id=self.profile.profile_id,
            platform=self.post.platform,
            status="scheduled",
            outcome="waiting",
            due_at=due,
            created_at=now,
            updated_at=now,
            media_type=_media_type(self.items),
            post=self.post.post,
            note=(
                "Moved to the next UTC day: the profile's daily allowance was used up."
                if queued
                else None
            ),
            queued=queued,
            media_ids=tuple(m.file_id for m in self.media),
        )
        sb.save_scheduled(record)
        sb.throttles.note_post(
            self.account.name, self.post.platform, sb.throttles.moment(self.ctx.arrived)
        )
        sb.webhooks.emit(
            self.account,
            "post.scheduled",
            {
                "scheduled_post_id": record.id,
                "platform": record.platform,
                "account_id": self.profile.handle,
                "profile_id": record.profile_id,
                "scheduled_at": iso(due),
                "queued": queued,
            },
        )
        ids = {
            "post_id": None,
            "scheduled_post_id": record.id,
            "status_url": f"{self.ctx.base_url}/api/v2/posts/{record.id}",
        }
        body: dict[str, Any]
        if queued:
            info = sb.allowance(self.account, self.profile)
            body = {
                "queued": True,
                "code": "queued_for_next_day",
                "message": "Daily post limit reached for this profile "
                f"({info['used']}/{info['limit']} today, all platforms combined). "
                f"Post queued for {iso(due)}.",
                "upgrade_url": UPGRADE_URL,
                "scheduled_post_id": record.id,
                "scheduled_at": iso(due),
                "limit": info["limit"],
                "used": info["used"],
                "plan": self.account.plan.tier,
            }
        else:
            body = {
                "scheduled": True,
                "code": "scheduled",
                "message": f"Scheduled for {iso(due)}. It will be published then, usually within "
                "a few minutes of that time. Your plan's allowance is checked when it goes out, "
                f"not now. To cancel it, send DELETE {ids['status_url']}.",
                "scheduled_post_id": record.id,
                "scheduled_at": iso(due),
                "platform": record.platform,
                "profile_id": record.profile_id,
                "data": {
                    "status": "scheduled",
                    "scheduled_post_id": record.id,
                    "scheduled_at": iso(due),
                },
            }
        if self.warnings:
            body["warnings"] = self.warnings
        body["status200"] = ids
        return json_answer(202, body)

    def send(self) -> Answer:
        assert self.profile is not None and self.network is not None
        outcome: Outcome = send_post(
            self.sb,
            self.account,
            self.profile,
            self.network,
            self.post,
            self.items,
            media_ids=tuple(m.file_id for m in self.media),
            unbounded=self.older,
            throttle_at=self.sb.throttles.moment(self.ctx.arrived),
        )
        if outcome.gateway_timeout:
            return gateway_timeout()
        ids = {
            "post_id": outcome.post.id,
            "scheduled_post_id": None,
            "status_url": f"{self.ctx.base_url}/api/v2/posts/{outcome.post.id}",
        }
        if outcome.refusal is not None:
            status, network_code, message = outcome.refusal
            code: str | None = network_code
            if self.older and code == "platform_error":
                code = None  # the older address passes a network's own error on as it is
            raise Refusal(status, code, message, status200=ids)
        body: dict[str, Any]
        if outcome.still_publishing:
            body = {
                "success": False,
                "status": "unknown",
                "code": "still_publishing",
                "retry": False,
                "message": "The network is taking longer than this request can wait, so the "
                "outcome is not known yet. Publishing continues in the background and the "
                "result appears in the post history within a few minutes. Do not send this "
                "request again: it may already have been published.",
                "post_id": outcome.post.id,
            }
        else:
            body = {"data": outcome.data}
        if self.warnings:
            body["warnings"] = self.warnings
        body["status200"] = ids
        accepted = outcome.still_publishing or outcome.accepted or self.post.platform == "youtube"
        status = 202 if accepted else 200
        return json_answer(status, body)


def _tier(tier: str) -> str:
    return tier if tier in TIER_ORDER else "skilled"


def _media_type(items: list[MediaItem]) -> str | None:
    kinds = {m.kind for m in items}
    return None if not kinds else ("mixed" if len(kinds) > 1 else kinds.pop())


def _schedule_message(reason: str) -> str:
    return {
        "no_time_zone": "post.scheduledFor needs a time zone, e.g. 2026-10-01T09:00:00Z.",
        "unreadable": "post.scheduledFor is not a date and time this API reads (ISO 8601 with a "
        "zone, a date with the month as a word and a zone, or a Unix time).",
        "too_far_ahead": "post.scheduledFor is more than 365 days ahead.",
    }[reason]
