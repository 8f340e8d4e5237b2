"""Unknown outcomes, resolved with the service before anything is sent again.

A request that went out with no recorded answer (a crash, a dropped connection after the resend,
`idempotency_outcome_unknown`) may or may not have created a post. `GET /posts` is asked, one
profile and network at a time and newest first, stopping once past the oldest time we look for:
scheduled posts are matched by profile, network and due time; posts that went out at once by
profile, network and send time. Only a post proven absent is sent again — under the same
Idempotency-Key while the API still remembers it (24 h), so even a request that arrives late is
replayed rather than doubled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.api import ListedItem, PostItem, ScheduledPostItem, Status200Client
from pipeline.model import LedgerPost

#: How far from the expected time a post that went out at once may be listed.
SEND_WINDOW = timedelta(minutes=10)
#: The API keeps an Idempotency-Key's answer this long; after it a fresh key is needed.
KEY_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Found:
    identity: str
    status: str  # a PostStatus: scheduled | published | failed | processing | cancelled
    post_id: str | None = None
    scheduled_post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    found: dict[str, Found]
    absent: list[LedgerPost]  # proven absent: may be sent again
    unresolved: dict[str, str]  # identity -> why it could not be checked (no profile id)


_POST_STATUS = {
    "success": "published",
    "failed": "failed",
    "processing": "processing",
    "timeout": "processing",
}
_SCHEDULED_STATUS = {
    "scheduled": "scheduled",
    "processing": "processing",
    "published": "published",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _matches_scheduled(item: ScheduledPostItem, rec: LedgerPost) -> bool:
    due = item.scheduled_for or item.at
    return (
        rec.platform in item.platforms
        and due is not None
        and rec.scheduled_for is not None
        and abs((due - rec.scheduled_for).total_seconds()) < 1
        and item.status != "cancelled"
    )


def _matches_post(item: PostItem, rec: LedgerPost) -> bool:
    if item.platform != rec.platform or item.at is None:
        return False
    if rec.scheduled_post_id and item.scheduled_post_id == rec.scheduled_post_id:
        return True
    anchors = [t for t in (rec.scheduled_for, rec.first_sent_at) if t is not None]
    return any(abs(item.at - t) <= SEND_WINDOW for t in anchors)


def _owned_by_another(item: ListedItem, rec: LedgerPost, owners: Mapping[str, str]) -> bool:
    """Whether the ledger already knows `item` as another planned post's: two posts for the same
    profile, network and time (or sent minutes apart) look alike in a listing, and claiming the
    other's would leave this one unsent for good."""
    ids = [item.id]
    if isinstance(item, PostItem) and item.scheduled_post_id:
        ids.append(item.scheduled_post_id)
    return any(owners.get(api_id, rec.identity) != rec.identity for api_id in ids)


def _oldest(recs: Iterable[LedgerPost]) -> datetime | None:
    times = [t for r in recs for t in (r.scheduled_for, r.first_sent_at) if t is not None]
    return min(times) - SEND_WINDOW if times else None


def reconcile(
    client: Status200Client,
    unknown: Sequence[LedgerPost],
    profile_ids: dict[str, str],
    owners: Mapping[str, str] | None = None,
) -> Verdict:
    """`profile_ids`: account handle (as in the ledger, lower case, no @) -> profile UUID.
    `owners`: the API ids the ledger already gives to posts (`LedgerState.api_ids`); an item
    owned by another post is never taken for one of `unknown`."""
    owners = owners or {}
    groups: dict[tuple[str, str], list[LedgerPost]] = defaultdict(list)
    unresolved: dict[str, str] = {}
    for rec in unknown:
        profile_id = profile_ids.get(rec.account.strip().lstrip("@").lower())
        if profile_id is None:
            unresolved[rec.identity] = f"profile {rec.account} not found on this API key"
        else:
            groups[(profile_id, rec.platform)].append(rec)
    found: dict[str, Found] = {}
    for (profile_id, platform), recs in groups.items():
        oldest = _oldest(recs)
        claimed: set[str] = set()
        for kind in ("scheduled_post", "post"):
            waiting = [r for r in recs if r.identity not in found]
            if not waiting:
                break
            for item in client.iter_posts(kind=kind, platform=platform, profile_id=profile_id):
                if item.at is not None and oldest is not None and item.at < oldest:
                    break  # newest first: nothing older can match
                if item.id in claimed:
                    continue
                for rec in waiting:
                    if rec.identity in found or _owned_by_another(item, rec, owners):
                        continue
                    if isinstance(item, ScheduledPostItem) and _matches_scheduled(item, rec):
                        found[rec.identity] = Found(
                            rec.identity,
                            _SCHEDULED_STATUS.get(item.status, "scheduled"),
                            scheduled_post_id=item.id,
                        )
                    elif isinstance(item, PostItem) and _matches_post(item, rec):
                        found[rec.identity] = Found(
                            rec.identity,
                            _POST_STATUS.get(item.status, "processing"),
                            post_id=item.id,
                            scheduled_post_id=item.scheduled_post_id,
                            platform_post_id=item.publish_id,
                            permalink=item.permalink,
                        )
                    else:
                        continue
                    claimed.add(item.id)
                    break
                if all(r.identity in found for r in waiting):
                    break
    absent = [r for r in unknown if r.identity not in found and r.identity not in unresolved]
    return Verdict(found, absent, unresolved)


def key_still_remembered(rec: LedgerPost, now: datetime) -> bool:
    """Whether the API still holds the answer under this post's key (24 h from its first use)."""
    return rec.first_sent_at is not None and now - rec.first_sent_at < KEY_TTL - timedelta(
        minutes=5
    )
