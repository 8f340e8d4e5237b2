"""Calendar + ledger -> Plan: what a publish run would create, replace, cancel or leave alone.

Like `terraform plan`: a pure diff of desired state (the calendar) against recorded state (the
ledger), plus a forecast of how long submitting takes under the API's throttles. The publisher
executes exactly this plan, in exactly this order, so what `pipeline plan` shows is what happens.

Identity names a post across runs: its entry's `id` and platform, or, for entries without an
id, account + platform + UTC time. The fingerprint changes whenever anything the request depends
on changes (text, title, options, media content, time, account).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pipeline.model import (
    SCHEDULE_NOW_WITHIN_S,
    Entry,
    LedgerPost,
    PlannedPost,
    fingerprint,
    identity,
    series_of,
)

Action = Literal[
    "create", "replace", "cancel", "unchanged", "reconcile", "defer", "locked", "orphan", "failed"
]

#: Statuses of a post the service is still holding (can be cancelled or replaced).
WAITING = frozenset({"scheduled", "queued"})
#: Statuses of a post that has gone out (or is going): it can no longer change.
GONE_OUT = frozenset({"published", "processing"})


def planned_posts(entries: Sequence[Entry], media_digests: Mapping[str, str]) -> list[PlannedPost]:
    """One planned post per entry and platform, earliest first."""
    posts = [
        PlannedPost(
            entry=e,
            platform=p,
            account=e.accounts.get(p, ""),
            scheduled_for=e.at_utc,
            identity=identity(e, p),
            fingerprint=fingerprint(e, p, media_digests),
        )
        for e in entries
        if e.at_utc is not None
        for p in e.platforms
    ]
    posts.sort(key=lambda p: (p.scheduled_for, p.identity))
    return posts


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the plan. `post` is None for cancels of posts no longer in the calendar."""

    action: Action
    identity: str
    post: PlannedPost | None = None
    recorded: LedgerPost | None = None
    reason: str = ""
    submit_at: timedelta | None = None  # forecast offset from the start of the run
    late: bool = False  # the forecast submit time is after the post's time (minus 60 s)

    @property
    def series(self) -> str | None:
        """The template this step's post is an occurrence of (cancels too), else None."""
        if self.post is not None:
            return self.post.entry.series
        return series_of(self.identity)

    @property
    def quiet(self) -> bool:
        """A deferred occurrence: made again by every run from its template, so it is shown
        but not recorded (an open-ended series would otherwise grow the ledger each day)."""
        return (
            self.action == "defer" and self.post is not None and self.post.entry.series is not None
        )

    @property
    def scheduled_for(self) -> datetime | None:
        if self.post is not None:
            return self.post.scheduled_for
        return self.recorded.scheduled_for if self.recorded else None


@dataclass(frozen=True, slots=True)
class Forecast:
    duration: timedelta
    busiest_lane: str | None
    busiest_count: int
    media_imports: int
    post_interval: float
    media_interval: float
    uploads: int = 0  # local files to upload to the media store first
    upload_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    steps: list[Step]
    forecast: Forecast
    counts: dict[str, int] = field(default_factory=dict)

    def of(self, *actions: Action) -> list[Step]:
        return [s for s in self.steps if s.action in actions]

    @property
    def sends(self) -> list[Step]:
        """Steps that submit a post (creates and the create half of replaces), in order."""
        return [s for s in self.steps if s.action in ("create", "replace")]


@dataclass(frozen=True, slots=True)
class PlanOptions:
    now: datetime
    post_interval: float = 20.0
    media_interval: float = 20.0
    waiting_cap: int = 500
    prune: bool = False
    retry_failed: bool = False
    schedule_now_within_s: int = SCHEDULE_NOW_WITHIN_S
    imported_media: frozenset[str] = frozenset()  # media keys with a live file_id in the ledger
    #: Local files to upload to the media store, media key -> (sha256, size) (plan.build).
    uploads: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    #: Identities whose cancel went out with no recorded answer (`PostDetail.pending_cancel`):
    #: the service may no longer hold them, whatever the ledger's status says.
    pending_cancels: frozenset[str] = frozenset()
    #: Ids of the calendar's templates (ValidationResult.templates): their recorded, waiting
    #: occurrences that they no longer produce are cancelled, without --prune.
    templates: frozenset[str] = frozenset()


def _decide(post: PlannedPost, rec: LedgerPost | None, opts: PlanOptions) -> tuple[Action, str]:
    if rec is None or rec.status == "deferred":
        return "create", ""
    same = rec.fingerprint == post.fingerprint
    if rec.status == "unknown":
        return "reconcile", "a request went out with no recorded answer: check the service first"
    if rec.status in WAITING:
        if post.identity in opts.pending_cancels:
            # Even when the calendar is back to what was sent, the DELETE may have gone through:
            # finish the cancel (a repeat answers already_cancelled), then create afresh.
            return "replace", "a cancel went out with no recorded answer: finish it, then create"
        return (
            ("unchanged", "") if same else ("replace", "changed while waiting: cancel, then create")
        )
    if rec.status in GONE_OUT:
        if same:
            return "unchanged", ""
        return "locked", f"already {rec.status}: a post that went out cannot change"
    if rec.status == "cancelled":
        return "create", "cancelled earlier; back in the calendar"
    # failed
    if not same:
        return "create", "failed earlier; changed since, so it is sent again"
    if opts.retry_failed:
        return "create", "failed earlier; --retry-failed"
    return (
        "failed",
        f"failed earlier ({rec.last_error or 'see the ledger'}); fix it or use --retry-failed",
    )


def make_plan(
    posts: Sequence[PlannedPost],
    ledger: Mapping[str, LedgerPost],
    opts: PlanOptions,
    protected: frozenset[str] = frozenset(),
) -> Plan:
    """The diff. `protected` identities (entries skipped as invalid) are never cancelled."""
    steps: list[Step] = []
    seen = set(protected)
    for post in posts:
        seen.add(post.identity)
        rec = ledger.get(post.identity)
        action, reason = _decide(post, rec, opts)
        steps.append(Step(action, post.identity, post, rec, reason))
    for ident, rec in sorted(ledger.items()):
        if ident in seen:
            continue
        if rec.status == "unknown":
            # Removed from the calendar after a request with no answer: the service may hold it
            # (then it is an orphan, and --prune can cancel it), or it is proven absent.
            steps.append(
                Step(
                    "reconcile",
                    ident,
                    None,
                    rec,
                    "removed from the calendar; a request went out with no recorded answer",
                )
            )
            continue
        if rec.status not in WAITING:
            continue
        if _left_series(ident, rec, opts):
            steps.append(Step("cancel", ident, None, rec, "no longer in the series"))
        elif opts.prune:
            steps.append(Step("cancel", ident, None, rec, "removed from the calendar (--prune)"))
        else:
            steps.append(
                Step(
                    "orphan",
                    ident,
                    None,
                    rec,
                    "removed from the calendar; still "
                    "scheduled on the service (use --prune to cancel it)",
                )
            )
    steps = _apply_waiting_cap(steps, ledger, opts)
    steps, forecast = _forecast(steps, opts)
    counts: dict[str, int] = defaultdict(int)
    for step in steps:
        counts[step.action] += 1
    return Plan(steps, forecast, dict(counts))


def _left_series(ident: str, rec: LedgerPost, opts: PlanOptions) -> bool:
    """A waiting occurrence its template, still in the calendar, no longer makes: an edit of
    the series, not a removal (one whose time has come is left alone: it is going out)."""
    return (
        series_of(ident) in opts.templates
        and rec.scheduled_for is not None
        and rec.scheduled_for > opts.now
    )


def _apply_waiting_cap(
    steps: list[Step], ledger: Mapping[str, LedgerPost], opts: PlanOptions
) -> list[Step]:
    """Creates beyond the service's 500 waiting posts become `defer` (latest posts first)."""
    waiting = sum(
        1
        for r in ledger.values()
        if r.status in WAITING and r.scheduled_for is not None and r.scheduled_for > opts.now
    )
    freed = sum(1 for s in steps if s.action == "cancel")
    room = opts.waiting_cap - waiting + freed
    result = []
    for step in steps:  # already in time order for calendar posts
        if step.action == "create" and step.post is not None and step.post.entry.clip is None:
            if room <= 0:
                step = Step(
                    "defer",
                    step.identity,
                    step.post,
                    step.recorded,
                    f"the service holds {opts.waiting_cap} waiting posts; sent by a "
                    "later run as earlier ones go out",
                )
            else:
                room -= 1
        result.append(step)
    return result


def _lane_schedule(ready: list[float], interval: float) -> list[float]:
    """Send offsets for one lane whose posts (in time order) become ready at `ready[i]`:
    the earliest ready post goes first, one every `interval`, as `run_lanes` does."""
    order = sorted(range(len(ready)), key=lambda i: (ready[i], i))
    sent = [0.0] * len(ready)
    available: list[int] = []
    clock, next_ready = 0.0, 0
    for _ in range(len(ready)):
        if not available:  # nothing ready: the lane idles until the next file is imported
            clock = max(clock, ready[order[next_ready]])
        while next_ready < len(order) and ready[order[next_ready]] <= clock:
            heapq.heappush(available, order[next_ready])
            next_ready += 1
        index = heapq.heappop(available)
        sent[index] = clock
        clock += interval
    return sent


def _forecast(steps: list[Step], opts: PlanOptions) -> tuple[list[Step], Forecast]:
    """When each send would go: a lane per network and one media lane, as the publisher runs
    (media imported in order of first need; each lane sends its earliest ready post)."""
    media_ready: dict[str, float] = {}
    uploads: dict[str, int] = {}  # sha256 -> size: the same bytes go up once
    media_clock = 0.0
    lanes: dict[str, list[int]] = defaultdict(list)  # platform -> indexes into steps
    ready_at: dict[int, float] = {}
    for index, step in enumerate(steps):
        post = step.post
        if step.action not in ("create", "replace") or post is None or post.entry.clip:
            continue  # clip posts go to the clip server, outside the API's lanes
        ready = 0.0
        for ref in post.media:
            if ref.key in opts.imported_media:
                continue
            if ref.key not in media_ready:
                media_ready[ref.key] = media_clock
                media_clock += opts.media_interval
                if ref.key in opts.uploads:
                    digest, size = opts.uploads[ref.key]
                    uploads[digest] = size
            ready = max(ready, media_ready[ref.key])
        ready_at[index] = ready
        lanes[post.platform].append(index)
    offsets: dict[int, float] = {}
    end = max(media_clock - opts.media_interval, 0.0)
    for indexes in lanes.values():
        sent = _lane_schedule([ready_at[i] for i in indexes], opts.post_interval)
        offsets.update(zip(indexes, sent, strict=True))
        end = max(end, *sent)
    out: list[Step] = []
    for index, step in enumerate(steps):
        post = step.post
        if index not in offsets or post is None:
            out.append(step)
            continue
        offset = timedelta(seconds=offsets[index])
        deadline = post.scheduled_for - timedelta(seconds=opts.schedule_now_within_s)
        late = opts.now + offset >= deadline
        out.append(Step(step.action, step.identity, post, step.recorded, step.reason, offset, late))
    busiest = max(lanes, key=lambda k: len(lanes[k]), default=None)
    forecast = Forecast(
        duration=timedelta(seconds=end),
        busiest_lane=busiest,
        busiest_count=len(lanes[busiest]) if busiest else 0,
        media_imports=len(media_ready),
        post_interval=opts.post_interval,
        media_interval=opts.media_interval,
        uploads=len(uploads),
        upload_bytes=sum(uploads.values()),
    )
    return out, forecast
