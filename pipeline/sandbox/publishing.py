"""Time passing in the sandbox: posts sent, scheduled posts going out when due, posts that
process settling to success or failed, imports finishing, sign-ins expiring.

`tick` is called before every request and by a background task a few times a second (and after
the admin clock advance), so whatever is due has happened by the time anyone looks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipeline.sandbox.config import AccountConfig, NetworkConfig, ProfileConfig
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.networks import (
    ASYNC_NETWORKS,
    MediaItem,
    async_failure,
    kind_from_url,
    matching_rule,
    network_answer,
    network_refusal,
    sync_refusal_code,
)
from pipeline.sandbox.postinput import PostInput, read_post
from pipeline.sandbox.records import PostRecord, ScheduledRecord
from pipeline.sandbox.webhooks import failed_data, published_data

#: A network that answers at once but is "slow" (still_publishing) confirms after this long.
SLOW_CONFIRM_SECONDS = 30.0
#: Videos larger than this go to X, LinkedIn, Facebook and Skool in the background (202).
LARGE_VIDEO_BYTES = 100_000_000
LARGE_VIDEO_NETWORKS = ("x", "linkedin", "facebook", "skool")


@dataclass(frozen=True)
class Outcome:
    post: PostRecord
    data: dict[str, Any]
    refusal: tuple[int, str, str] | None = None
    still_publishing: bool = False
    #: 202 with data.status "processing" and no code: a large video on X, LinkedIn, Facebook or
    #: Skool, which the network takes in the background.
    accepted: bool = False
    #: The older address has no 25-second bound: a network that never confirms holds the
    #: request until the gateway gives up (a 504 page that is not JSON).
    gateway_timeout: bool = False


def send_post(
    sb: Sandbox,
    account: AccountConfig,
    profile: ProfileConfig,
    network: NetworkConfig,
    post: PostInput,
    items: list[MediaItem],
    *,
    media_ids: tuple[str, ...] = (),
    scheduled_id: str | None = None,
    unbounded: bool = False,
    throttle_at: float | None = None,
) -> Outcome:
    """Step 20: the network gets the post. Records it in History whatever the network says.
    `unbounded`: the older address, which waits for a slow network instead of answering 202."""
    now = sb.clock.now()
    post_id = sb.ids.uuid()
    rule = matching_rule(sb.config.rules, post, items)
    data, publish_id, permalink = network_answer(sb.ids, post, network, post_id)
    kinds = {m.kind for m in items}
    record = PostRecord(
        id=post_id,
        account=account.name,
        profile_id=profile.profile_id,
        platform=post.platform,
        status="processing",
        at=now,
        updated_at=now,
        media_type=None if not kinds else ("mixed" if len(kinds) > 1 else next(iter(kinds))),
        publish_id=publish_id,
        permalink=None,
        scheduled_post_id=scheduled_id,
        text=post.network_text or "",
        network_data={"permalink": permalink, "media_ids": list(media_ids)},
    )
    if scheduled_id is None:  # a scheduled post going out is the service's doing, not a request
        sb.throttles.note_post(account.name, post.platform, throttle_at)
    refused = network_refusal(post, network)
    sync_failure = rule is not None and rule.outcome == "failed"
    if (
        refused is None
        and rule is not None
        and sync_failure
        and post.platform not in ASYNC_NETWORKS
    ):
        status, code = sync_refusal_code(post.platform)
        refused = (status, code, f"{post.platform}: {rule.message}")
    if refused is not None:
        failed = replace(record, status="failed", publish_id=None, error_message=refused[2][:1000])
        sb.save_post(failed)
        sb.webhooks.emit(account, "post.failed", failed_data(failed, profile.handle, refused[1]))
        return Outcome(failed, data, refusal=refused)
    settle_as, message = "success", None
    slow = rule is not None and rule.outcome in ("still_publishing", "timeout")
    large = post.platform in LARGE_VIDEO_NETWORKS and any(
        m.kind == "video" and (m.size or 0) > LARGE_VIDEO_BYTES for m in items
    )
    if unbounded and rule is not None and rule.outcome == "still_publishing":
        slow = False  # the older address simply waits for the answer
    if post.platform in ASYNC_NETWORKS or slow or large:
        if rule is not None and rule.outcome in ("failed", "timeout"):
            settle_as, message = rule.outcome, rule.message
        elif (late := async_failure(post, network)) is not None:
            settle_as, message = "failed", late
        delay = sb.config.processing_seconds.get(post.platform, SLOW_CONFIRM_SECONDS)
        pending = replace(
            record,
            settles_at=now + sb.clock.scaled(delay),
            settles_as=settle_as,
            error_message=message,
        )
        sb.save_post(pending)
        if large and not slow:
            data = {
                "status": "processing",
                "post_id": post_id,
                "message": "The video is being "
                "processed in the background. Check post history for updates.",
            }
        return Outcome(
            pending,
            data,
            still_publishing=slow and not unbounded,
            accepted=large and not slow,
            gateway_timeout=slow and unbounded,
        )
    done = replace(record, status="success", permalink=permalink)
    sb.save_post(done)
    sb.webhooks.emit(account, "post.published", published_data(done, profile.handle))
    return Outcome(done, data)


def settle_post(sb: Sandbox, post: PostRecord) -> None:
    now = sb.clock.now()
    status = post.settles_as or "success"
    settled = replace(
        post,
        status=status,
        updated_at=now,
        settles_at=None,
        permalink=post.network_data.get("permalink") if status == "success" else None,
        error_message=post.error_message if status != "success" else None,
    )
    sb.save_post(settled)
    found = sb.config.profile(post.profile_id)
    if found is not None:
        account, profile = found
        if status == "success":
            sb.webhooks.emit(account, "post.published", published_data(settled, profile.handle))
        elif status == "failed":
            sb.webhooks.emit(account, "post.failed", failed_data(settled, profile.handle, "failed"))
    if post.scheduled_post_id and post.scheduled_post_id in sb.state.scheduled:
        scheduled = sb.state.scheduled[post.scheduled_post_id]
        result = {"success": ("published", "success"), "failed": ("failed", "failed")}
        new_status, outcome = result.get(status, ("processing", "unconfirmed"))
        sb.state.save(
            replace(
                scheduled,
                status=new_status,
                outcome=outcome,
                updated_at=now,
                error_message=settled.error_message,
            )
        )


def go_out(sb: Sandbox, scheduled: ScheduledRecord) -> None:
    """A scheduled post whose time has come: its allowance, connection and media are checked
    now (as the service does), then it is sent like a post."""
    now = sb.clock.now()
    found = sb.config.profile(scheduled.profile_id)
    if found is None:
        return
    account, profile = found

    def fail(reason: str) -> None:
        failed = replace(
            scheduled,
            status="failed",
            outcome="failed",
            updated_at=now,
            error_message=reason[:1000],
        )
        sb.state.save(failed)
        sb.webhooks.emit(
            account,
            "post.failed",
            {
                "post_id": None,
                "scheduled_post_id": scheduled.id,
                "platform": scheduled.platform,
                "account_id": profile.handle,
                "profile_id": profile.profile_id,
                "error_code": "not_sent",
                "error_message": failed.error_message,
            },
        )

    allowance = sb.allowance(account, profile)
    if allowance["kind"] != "unlimited" and allowance["used"] >= allowance["limit"]:
        if allowance["kind"] == "daily":
            sb.state.save(
                replace(
                    scheduled,
                    due_at=scheduled.due_at + 86400.0,
                    updated_at=now,
                    note="Moved to the next UTC day: the profile's daily allowance was used up.",
                    queued=True,
                )
            )
            return
        fail("Not sent: the plan's monthly allowance is used up.")
        return
    network = sb.network(profile, scheduled.platform)
    if network is None or network.status != "connected" or network.health == "reconnect_required":
        fail(f"Not sent: {scheduled.platform} needs to be reconnected on the Connections page.")
        return
    post = read_post({"post": scheduled.post}, older=False)
    items: list[MediaItem] = []
    for file_id in scheduled.media_ids:
        record = sb.state.media.get(file_id)
        if record is None or record.status != "ready":
            fail(f"Not sent: the file {file_id} is not available.")
            return
        items.append(MediaItem(record.kind, record.type, record.size))
    if not scheduled.media_ids:
        items = [item for url in post.media_urls or () if (item := kind_from_url(url))]
    outcome = send_post(
        sb,
        account,
        profile,
        network,
        post,
        items,
        media_ids=scheduled.media_ids,
        scheduled_id=scheduled.id,
    )
    result = outcome.post
    status, state = {"success": ("published", "success"), "failed": ("failed", "failed")}.get(
        result.status, ("processing", "sending")
    )
    sb.state.save(
        replace(
            scheduled,
            status=status,
            outcome=state,
            post_id=result.id,
            updated_at=now,
            error_message=result.error_message,
        )
    )


def tick(sb: Sandbox) -> None:
    now = sb.clock.now()
    for record in [m for m in sb.state.media.values() if m.status == "processing"]:
        sb.settle_media(record)
    for account in sb.config.accounts:
        for profile in account.profiles:
            for network in profile.networks:
                if network.expires_at is not None and network.expires_at <= now:
                    disconnect(sb, account, profile, network.platform, reason="token_expired")
    due = sorted(
        (s for s in sb.state.scheduled.values() if s.waiting and s.due_at <= now),
        key=lambda s: (s.due_at, s.id),
    )
    for scheduled in due:
        go_out(sb, scheduled)
    settling = sorted(
        (p for p in sb.state.posts.values() if p.settles_at is not None and p.settles_at <= now),
        key=lambda p: (p.settles_at or 0.0, p.id),
    )
    for post in settling:
        settle_post(sb, post)
    sb.idempotency.expire()


def disconnect(
    sb: Sandbox, account: AccountConfig, profile: ProfileConfig, platform: str, *, reason: str
) -> bool:
    if not sb.mark_disconnected(profile, platform):
        return False
    sb.webhooks.emit(
        account,
        "profile.disconnected",
        {
            "account_id": profile.handle,
            "profile_id": profile.profile_id,
            "platform": platform,
            "reason": reason,
            "message": f"The {platform} sign-in of {profile.handle} has expired. Please reconnect.",
        },
    )
    return True
