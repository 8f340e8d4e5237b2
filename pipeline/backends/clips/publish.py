"""Send one clip post (one request for all its platforms), every attempt in the ledger.

The ledger speaks per planned post (one platform each), the clip server per request (several
platforms), so each attempt writes one `post.intent` per planned post in a single fsynced append
before the request, and one `post.outcome` per planned post after it. A crash in between leaves
every platform of that request `unknown`; since the service has no idempotency key and no way to
list uploads, an unknown clip post is never resent automatically (see `backends.clips.unknown`).

Ledger vocabulary of an accepted upload: result `processing` (the upload is asynchronous and has
no webhook, so "submitted" is the last thing this pipeline learns; like a processing post it is
never resent and never cancelled, and an edit shows as "locked"), `post_id` the answer's
`uploadId`, `api_code` the answer's `status` ("processing", "queued"...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.errors import (
    ClipApiError,
    ClipConfigError,
    ClipNoAnswer,
    ClipServerError,
    ClipServerUnreachable,
    ClipUpstreamError,
)
from pipeline.backends.clips.rules import user_id_for
from pipeline.backends.clips.types import CLIP_PLATFORMS, ClipJob, ClipPostAccepted, ClipPostRequest
from pipeline.backends.record import Outcome, intent
from pipeline.ledger import Ledger
from pipeline.model import PlannedPost
from pipeline.rules.clip_captions import calendar_description, calendar_title

#: A post due this soon (or already due) is sent without scheduled_date: it goes out now.
IMMEDIATE_WITHIN = timedelta(seconds=60)
KEY_VERSION = "cc1"


def clip_key(identity: str, fingerprint: str, generation: int) -> str:
    """The ledger's `idempotency_key` of a clip post. The clip server has no idempotency (the key
    is never sent); it only names "the same request" in the ledger, like the main API's keys:
    the same post gives the same key, an edited or cancelled-and-recreated one a new key."""
    digest = hashlib.sha256("\x00".join((identity, fingerprint, str(generation))).encode())
    return f"{KEY_VERSION}-clip-{digest.hexdigest()[:40]}"


def schedule_fields(post: PlannedPost, now: datetime) -> tuple[str | None, str | None]:
    """(scheduled_date, timezone): local ISO time without offset in the entry's IANA zone (UTC
    when the calendar gave a fixed offset), or (None, None) when the post is due now."""
    if post.scheduled_for <= now + IMMEDIATE_WITHIN:
        return None, None
    zone_name = post.entry.tz or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone, zone_name = ZoneInfo("UTC"), "UTC"  # "+02:00" is no IANA name: say it in UTC
    local = post.scheduled_for.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S"), zone_name


def group_key(post: PlannedPost) -> tuple[Any, ...]:
    """Posts with the same key travel in one request: same entry, profile, caption and title."""
    entry = post.entry
    return (
        str(entry.source),
        entry.id,
        entry.clip,
        user_id_for(post.account),
        calendar_description(entry, post.platform),
        calendar_title(entry),
    )


def group_clip_posts(posts: Sequence[PlannedPost]) -> list[list[PlannedPost]]:
    """The requests to make: normally one per entry; an entry whose platforms have different
    accounts or calendar captions needs one request per distinct (account, caption)."""
    groups: dict[tuple[Any, ...], list[PlannedPost]] = {}
    for post in posts:
        groups.setdefault(group_key(post), []).append(post)
    return list(groups.values())


def in_calendar_order(posts: Sequence[PlannedPost]) -> list[PlannedPost]:
    """The planner sorts by identity; a request lists platforms as the calendar does."""
    order = posts[0].entry.platforms if posts else ()
    return sorted(posts, key=lambda p: order.index(p.platform) if p.platform in order else 99)


def request_for(posts: Sequence[PlannedPost], now: datetime) -> ClipPostRequest:
    posts = in_calendar_order(posts)
    first = posts[0]
    clip = first.entry.clip
    if clip is None or any(group_key(p) != group_key(first) for p in posts):
        raise ValueError("one clip request covers posts of one entry, profile and caption")
    bad = [p.platform for p in posts if p.platform not in CLIP_PLATFORMS]
    if bad:
        raise ValueError(f"the clip server does not post to {', '.join(bad)}")
    scheduled_date, timezone = schedule_fields(first, now)
    return ClipPostRequest(
        job_id=clip.job,
        clip_index=clip.index,
        user_id=user_id_for(first.account),
        platforms=tuple(p.platform for p in posts),
        title=calendar_title(first.entry),
        description=calendar_description(first.entry, first.platform),
        scheduled_date=scheduled_date,
        timezone=timezone,
    )


def outcome_for(platform: str, answer: ClipPostAccepted | ClipServerError) -> Outcome:
    """One attempt's result for one platform of the request, in ledger terms."""
    if isinstance(answer, ClipPostAccepted):
        if platform in answer.platforms:
            return Outcome(
                "processing", answer.http_status, answer.status, post_id=answer.upload_id
            )
        return Outcome(
            "failed",
            answer.http_status,
            "not_submitted",
            post_id=answer.upload_id,
            error_code="not_submitted",
            error_message=f"the clip server submitted it to {', '.join(answer.platforms)} "
            f"but not to {platform}",
        )
    if isinstance(answer, ClipServerUnreachable) or (
        isinstance(answer, ClipUpstreamError) and answer.retryable and answer.status == 503
    ):
        # Nothing was done: the publisher defers it (record.NOT_SENT has this code).
        code = "upstream_unavailable"
        return Outcome(
            "failed",
            getattr(answer, "status", None),
            code,
            error_code=code,
            error_message=answer.message,
        )
    if isinstance(answer, ClipNoAnswer) or (
        isinstance(answer, ClipUpstreamError) and not answer.retryable
    ):
        return Outcome(
            "unknown",
            getattr(answer, "status", None),
            error_code="no_answer" if isinstance(answer, ClipNoAnswer) else "upstream_uncertain",
            error_message=answer.message,
        )
    if isinstance(answer, ClipApiError):
        return Outcome(
            "failed",
            answer.status,
            answer.code,
            error_code=answer.code,
            error_message=answer.message,
        )
    # A 2xx that is not understood: an upload may have started.
    return Outcome(
        "unknown",
        getattr(answer, "status", None),
        error_code="unexpected_answer",
        error_message=answer.message,
    )


class ClipRecorder:
    """The client's observer for one request: intents before each attempt, outcomes after."""

    def __init__(
        self,
        ledger: Ledger,
        run_id: str,
        posts: Sequence[PlannedPost],
        request: ClipPostRequest,
        generations: Mapping[str, int],
        first_attempts: Mapping[str, int],
    ) -> None:
        self.ledger, self.run_id, self.posts = ledger, run_id, list(posts)
        self.summary = request.summary()
        self.generations, self.first_attempts = generations, first_attempts
        self.last: dict[str, Outcome] = {}

    def _attempt(self, post: PlannedPost, attempt: int) -> int:
        return self.first_attempts.get(post.identity, 1) + attempt - 1

    def before_attempt(self, attempt: int) -> None:
        self.ledger.append_many(
            intent(
                self.run_id,
                post,
                key=clip_key(
                    post.identity, post.fingerprint, self.generations.get(post.identity, 0)
                ),
                generation=self.generations.get(post.identity, 0),
                attempt=self._attempt(post, attempt),
                request=self.summary,
            )
            for post in self.posts
        )

    def after_attempt(self, attempt: int, outcome: ClipPostAccepted | ClipServerError) -> None:
        events = []
        for post in self.posts:
            found = self.last[post.identity] = outcome_for(post.platform, outcome)
            events.append(found.event(self.run_id, post.identity, self._attempt(post, attempt)))
        self.ledger.append_many(events)


def _not_sent(posts: Sequence[PlannedPost], why: str) -> dict[str, Outcome]:
    return {p.identity: Outcome("failed", error_code="not_sent", error_message=why) for p in posts}


def send_clip_post(
    client: ClipClient,
    ledger: Ledger,
    run_id: str,
    posts: list[PlannedPost],
    job: ClipJob | None,
    now: datetime,
    *,
    generations: Mapping[str, int] | None = None,
    first_attempts: Mapping[str, int] | None = None,
) -> dict[str, Outcome]:
    """Post one clip to the platforms of `posts` (one group of `group_clip_posts`) in ONE request.

    Returns each post's outcome by identity. `job` is the job as preflight read it: a job that
    is not finished, or has no clip at the index, is not sent (outcome failed `not_sent`, nothing
    written). `generations` and `first_attempts` (by identity; default 0 and 1) continue a post's
    ledger history. The caller holds the ledger lock.
    """
    if not posts:
        return {}
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    posts = in_calendar_order(posts)
    request = request_for(posts, now.astimezone(UTC))
    if job is not None and (not job.finished or job.clip(request.clip_index) is None):
        state = "has no clip " + str(request.clip_index) if job.finished else f"is {job.status}"
        return _not_sent(posts, f"job {request.job_id} {state}")
    recorder = ClipRecorder(ledger, run_id, posts, request, generations or {}, first_attempts or {})
    try:
        client.post(request, observer=recorder)
    except ClipConfigError as exc:
        return _not_sent(posts, exc.message)  # raised before the first attempt: nothing written
    except ClipServerError:
        pass  # each attempt's outcome is in the recorder (and the ledger)
    if not recorder.last:
        return _not_sent(posts, "the request was not sent")
    return dict(recorder.last)
