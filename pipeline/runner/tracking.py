"""Tracking: bring every post the ledger has not seen finish to its final state, from pages of
`GET /posts` rather than one read per post.

Why pages, and which: History lists newest first (`at` = send time of a post, due time of a
scheduled post), up to 100 a page, and the API allows 60 reads a minute for everything. So:

- **A. the posts** (`kind=post`): a scheduled post that went out is listed as its network's post,
  carrying `scheduled_post_id`; an immediate post that was still processing is listed by its id.
  Only posts whose time has come can be there, so this listing is skipped when nothing is due,
  and paging stops as soon as every due post was found or the page is older than the oldest one.
- **B. the scheduled posts that ended without a post** (`kind=scheduled_post`,
  `status=cancelled,failed`): cancelled (for example on the dashboard) or refused when their time
  came. Waiting ones are never read: "still waiting" changes nothing.
- **C. lookups**: a post whose status is `unknown` but whose id is known, and that neither
  listing showed, is read by id (a few per pass).

A scheduled post that went out becomes published (permalink, the network's id, the History id its
figures are read with) or failed (with the message); `timeout` (sent, never confirmed) stays
`processing` and is reported, never resent; a cancelled one becomes cancelled. A post past its
time by more than `late_grace` that has not gone out is reported late. Finished posts are never
moved back, and a post with a cancel in flight is left to the publisher.

Statuses are applied under the ledger's write guard after re-reading the state, so a post that
the publisher replaced meanwhile (new generation, new ids) never receives news of the old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from pipeline.api import PostItem, ScheduledPostItem, Status200Client, Status200Error
from pipeline.api.read_types import ListedItem
from pipeline.backends.clips.unknown import is_clip_post
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import PostStatusSeen
from pipeline.ledger.records import DONE_STATUSES, WAITING_STATUSES
from pipeline.ledger.views import write_views
from pipeline.model import LATE_GRACE, LedgerPost
from pipeline.runner.shared import StopRequested, write_guard

log = logging.getLogger(__name__)

#: Statuses tracking works on: the post is at the service and has not finished.
TRACKED_STATUSES: Final = frozenset({"scheduled", "queued", "processing", "unknown"})
#: Allowance for clocks that disagree and for sends a little after their due time.
SLACK: Final = timedelta(minutes=10)
#: A queued post goes out on the next UTC day: its lateness is counted from a day later.
QUEUED_DELAY: Final = timedelta(days=1)
DEFAULT_LATE_GRACE: Final = LATE_GRACE
DEFAULT_MAX_READS: Final = 20
DEFAULT_MAX_LOOKUPS: Final = 5
#: How often a post that is overdue at the service itself is looked up again.
LOOKUP_EVERY: Final = timedelta(hours=1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: How far along a status is: tracking never moves a post to an earlier step.
_RANK: Final = {"unknown": 0, "deferred": 0, "scheduled": 1, "queued": 1, "processing": 2}
_POST_STATUS: Final = {
    "success": "published",
    "failed": "failed",
    "processing": "processing",
    "timeout": "processing",  # sent, never confirmed: not failed, and never to be resent
}
_SCHEDULED_STATUS: Final = {
    "scheduled": "scheduled",
    "processing": "processing",
    "published": "published",
    "failed": "failed",
    "cancelled": "cancelled",
}
_RESULT_STATUS: Final = {**_POST_STATUS, "pending": "scheduled", "not_sent": "failed"}


@dataclass(frozen=True, slots=True)
class Observation:
    """What the service says about one post, in the ledger's words."""

    status: str
    post_id: str | None = None  # the History id of the network's post
    platform_post_id: str | None = None
    permalink: str | None = None
    error_message: str | None = None
    timeout: bool = False


@dataclass(frozen=True, slots=True)
class StatusChange:
    identity: str
    entry_id: str | None
    platform: str
    account: str
    old: str
    new: str
    post_id: str | None
    permalink: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class LatePost:
    identity: str
    entry_id: str | None
    platform: str
    account: str
    scheduled_for: datetime
    late_by: timedelta
    status: str


@dataclass(frozen=True, slots=True)
class TrackReport:
    """`complete`: every listing needed was read far enough to be conclusive."""

    pending: int
    reads: int
    changes: tuple[StatusChange, ...] = ()
    late: tuple[LatePost, ...] = ()
    timeouts: tuple[str, ...] = ()
    complete: bool = True
    stopped: bool = False
    errors: tuple[str, ...] = field(default=())


def observe(item: ListedItem) -> Observation | None:
    """The ledger status an item of GET /posts (or GET /posts/{id}) stands for; None if the item
    says nothing tracking can use (an unknown status)."""
    if isinstance(item, PostItem):
        status = _POST_STATUS.get(item.status)
        if status is None:
            return None
        return Observation(
            status=status,
            post_id=item.id,
            platform_post_id=item.publish_id,
            permalink=item.permalink,
            error_message=item.error_message if status == "failed" else None,
            timeout=item.status == "timeout",
        )
    for result in item.results:  # GET /posts/{id} of a scheduled post: its network's result
        if result.post_id or result.status not in ("pending", ""):
            status = _RESULT_STATUS.get(result.status)
            if status is None:
                continue
            return Observation(
                status=status,
                post_id=result.post_id,
                platform_post_id=result.publish_id,
                permalink=result.permalink,
                error_message=(result.error_message or item.error_message)
                if status == "failed"
                else None,
                timeout=result.status == "timeout",
            )
    status = _SCHEDULED_STATUS.get(item.status)
    if status is None:
        return None
    return Observation(
        status=status, error_message=item.error_message if status == "failed" else None
    )


def is_news(post: LedgerPost, history_post_id: str | None, seen: Observation) -> bool:
    """Whether `seen` should be recorded for `post`: it moves the post on (never back) or adds
    an id or link the ledger lacks."""
    if post.status in DONE_STATUSES:
        return False
    old_rank = _RANK.get(post.status, 0)
    new_rank = 3 if seen.status in DONE_STATUSES else _RANK.get(seen.status, 0)
    if new_rank < old_rank:
        return False
    if new_rank > old_rank:
        return True
    if seen.status == "scheduled" and post.status == "queued":
        return False  # a queued post is listed as scheduled: nothing new
    return bool(
        (seen.post_id and seen.post_id != history_post_id)
        or (seen.permalink and seen.permalink != post.permalink)
        or (seen.platform_post_id and seen.platform_post_id != post.platform_post_id)
        or (post.status == "unknown" and seen.status != "unknown")
    )


def tracked_posts(state: LedgerState) -> dict[str, LedgerPost]:
    """Posts tracking works on: at the service (an id known), not finished. Clip posts went to
    the clip server, which GET /posts never lists: their final state is in Upload-Post."""
    out = {}
    for identity, post in state.posts.items():
        detail = state.details.get(identity)
        history_id = detail.history_post_id if detail else None
        if is_clip_post(state, identity):
            continue
        if post.status in TRACKED_STATUSES and (post.scheduled_post_id or history_id):
            out[identity] = post
    return out


def _reference(post: LedgerPost) -> datetime:
    """The earliest time the post can have been sent (History's `at` is no earlier)."""
    times = [t for t in (post.scheduled_for, post.first_sent_at) if t is not None]
    if post.status in WAITING_STATUSES and post.scheduled_for is not None:
        return post.scheduled_for
    return max(times) if times else post.updated_at or _EPOCH


class ScanMemo:
    """What tracking remembers between passes (the runner keeps one for its life; without one,
    every pass starts afresh and only costs more reads):

    - `cursors`: where a scan cut short by its read cap stopped, to go on from next time, so a
      deep history is covered over a few passes instead of its newest pages being read for ever;
    - `timeouts`: posts the service reports as timeout (final there, `processing` here), not
      searched for again;
    - `service_due` / `looked_up`: for a waiting post that did not go out at its time, what a
      lookup showed: the service's own due time (a queued post moves to the next day). It is not
      searched for in History before then, and a post stuck past it is looked up once an hour,
      so an overdue post never makes every pass read deep into History.
    """

    def __init__(self) -> None:
        self.cursors: dict[tuple[tuple[str, str], ...], str] = {}
        self.timeouts: set[str] = set()
        self.service_due: dict[str, datetime] = {}
        self.looked_up: dict[str, datetime] = {}


class _Pass:
    """One tracking pass: the reads, what they showed, and the budget left."""

    def __init__(
        self,
        client: Status200Client,
        state: LedgerState,
        *,
        now: datetime,
        max_reads: int,
        should_stop: Callable[[], bool],
        memo: ScanMemo,
    ) -> None:
        self.memo = memo
        self.client = client
        self.state = state
        self.now = now
        self.max_reads = max_reads
        self.should_stop = should_stop
        self.posts = tracked_posts(state)
        self.reads = 0
        self.found: dict[str, tuple[str, Observation]] = {}  # identity -> (api id, observation)
        self.complete = True
        self.stopped = False
        self.errors: list[str] = []

    def _identity(self, *api_ids: str | None) -> tuple[str, str] | None:
        for api_id in api_ids:
            identity = self.state.identity_for(api_id) if api_id else None
            if identity is not None and identity in self.posts and api_id is not None:
                return identity, api_id
        return None

    def _may_read(self) -> bool:
        if self.should_stop():
            self.stopped = True
        return not self.stopped and self.reads < self.max_reads

    def _note(self, item: ListedItem) -> None:
        if isinstance(item, PostItem):
            match = self._identity(item.id, item.scheduled_post_id)
        else:
            match = self._identity(item.id)
        if match is None or match[0] in self.found:
            return  # not ours, an old generation's, or already seen on a newer page
        seen = observe(item)
        if seen is not None:
            self.found[match[0]] = (match[1], seen)

    def scan(self, needed: set[str] | None, horizon: datetime, **filters: str) -> bool:
        """Read pages newest first until every `needed` post was found (None: no such end), the
        pages are older than `horizon`, or the history ends. True when the scan is conclusive.

        A scan cut short by `max_reads` leaves its cursor in the memo, and the next pass goes
        on from there (then from the top again), so a deep history is covered over a few passes
        instead of re-reading its newest pages for ever. A resumed scan proves no lateness.
        """
        key = tuple(sorted(filters.items()))
        cursor = self.memo.cursors.pop(key, None)
        conclusive = cursor is None
        while True:
            if needed is not None and not needed - self.found.keys():
                return conclusive
            if not self._may_read():
                if cursor is not None and not self.stopped:
                    self.memo.cursors[key] = cursor
                return False
            self.reads += 1
            page = self.client.list_posts(limit=100, cursor=cursor, **filters)
            for item in page.items:
                self._note(item)
            times = [i.at for i in page.items if i.at is not None]
            if page.next_cursor is None or (times and min(times) < horizon):
                return conclusive
            cursor = page.next_cursor

    def _platform(self, identities: Iterable[str]) -> dict[str, str]:
        """The `platform` filter when every post concerned is on one network (fewer pages)."""
        platforms = {self.posts[i].platform for i in identities}
        return {"platform": platforms.pop()} if len(platforms) == 1 else {}

    def lookup(self, identity: str) -> None:
        post = self.posts[identity]
        detail = self.state.details.get(identity)
        api_id = post.scheduled_post_id or (detail.history_post_id if detail else None)
        if api_id is None or not self._may_read():
            return
        self.reads += 1
        self.memo.looked_up[identity] = self.now
        try:
            item = self.client.get_post(api_id).item
        except StopRequested:
            raise
        except Status200Error as exc:
            self.errors.append(f"{identity}: {type(exc).__name__}")
            return
        seen = observe(item)
        if seen is not None:
            self.found[identity] = (api_id, seen)
        if isinstance(item, ScheduledPostItem) and seen is not None and seen.status == "scheduled":
            due = item.scheduled_for or item.at
            if due is not None:
                self.memo.service_due[identity] = due

    def _expected(self, identity: str) -> datetime:
        """When the post can go out: the service's due time once a lookup told it."""
        ledger_time = _reference(self.posts[identity])
        return max(ledger_time, self.memo.service_due.get(identity, ledger_time))

    def _recently_looked_up(self, identity: str) -> bool:
        when = self.memo.looked_up.get(identity)
        return when is not None and self.now - when < LOOKUP_EVERY

    def _searched(self, identity: str) -> bool:
        """Whether History should be searched for the post in this pass."""
        if identity in self.memo.timeouts or self._expected(identity) > self.now + SLACK:
            return False
        stuck = self.memo.service_due.get(identity)
        # Overdue at the service itself when last looked up: left to the hourly lookup.
        return not (stuck and stuck <= self.now and self._recently_looked_up(identity))

    def run(self, max_lookups: int) -> None:
        due = {i for i in self.posts if self._searched(i)}
        try:
            conclusive = True
            if due:
                horizon = min(self._expected(i) for i in due) - SLACK
                conclusive = self.scan(due, horizon, kind="post", **self._platform(due))
                self.complete &= conclusive
            ended = {
                i
                for i, p in self.posts.items()
                if p.scheduled_post_id and p.status != "processing"  # gone out: it has a post
            } - self.found.keys()
            if ended:
                horizon = min((self.posts[i].scheduled_for or _EPOCH) for i in ended) - SLACK
                filters = {"kind": "scheduled_post", "status": "cancelled,failed"}
                self.complete &= self.scan(None, horizon, **filters, **self._platform(ended))
            candidates = [
                i
                for i, p in self.posts.items()
                if i not in self.found
                and not self._recently_looked_up(i)
                and (
                    p.status == "unknown"
                    # Should have been in History by now, and the listing was read far enough.
                    or (conclusive and i in due and self._expected(i) < self.now - SLACK)
                )
            ]
            for identity in sorted(candidates, key=self._expected)[:max_lookups]:
                self.lookup(identity)
        except StopRequested:
            self.stopped = True
        except Status200Error as exc:  # keep what the pages read so far showed
            self.errors.append(f"GET /posts: {type(exc).__name__}: {exc}")
            self.complete = False
        if self.stopped:
            self.complete = False
        self.memo.timeouts.update(i for i, (_, seen) in self.found.items() if seen.timeout)


def _events(
    state: LedgerState, found: dict[str, tuple[str, Observation]], run: str
) -> tuple[list[PostStatusSeen], list[StatusChange]]:
    """The status events still valid against `state` (re-read under the write guard)."""
    events: list[PostStatusSeen] = []
    changes: list[StatusChange] = []
    for identity, (api_id, seen) in sorted(found.items()):
        post = state.posts.get(identity)
        detail = state.details.get(identity)
        if post is None or state.identity_for(api_id) != identity:
            continue  # replaced meanwhile: the news is about a post that no longer counts
        if seen.status == "cancelled" and detail is not None and detail.pending_cancel:
            continue  # the publisher's own cancel: its answer will be recorded by it
        history_id = detail.history_post_id if detail else None
        if not is_news(post, history_id, seen):
            continue
        events.append(
            PostStatusSeen(
                run=run,
                identity=identity,
                status=seen.status,
                origin="poll",
                post_id=seen.post_id,
                platform_post_id=seen.platform_post_id,
                permalink=seen.permalink,
                error_message=seen.error_message,
            )
        )
        changes.append(
            StatusChange(
                identity=identity,
                entry_id=post.entry_id,
                platform=post.platform,
                account=post.account,
                old=post.status,
                new=seen.status,
                post_id=seen.post_id or post.post_id,
                permalink=seen.permalink or post.permalink,
                error=seen.error_message,
            )
        )
    return events, changes


def _late(
    posts: Iterable[LedgerPost],
    moved: set[str],
    *,
    now: datetime,
    late_grace: timedelta,
) -> list[LatePost]:
    late = []
    for post in posts:
        if post.identity in moved or post.status not in WAITING_STATUSES:
            continue
        if post.scheduled_for is None:
            continue
        expected = post.scheduled_for + (QUEUED_DELAY if post.status == "queued" else timedelta())
        if now - expected > late_grace:
            late.append(
                LatePost(
                    identity=post.identity,
                    entry_id=post.entry_id,
                    platform=post.platform,
                    account=post.account,
                    scheduled_for=post.scheduled_for,
                    late_by=now - expected,
                    status=post.status,
                )
            )
    return sorted(late, key=lambda p: (p.scheduled_for, p.identity))


def track(
    client: Status200Client,
    ledger: Ledger,
    *,
    now: datetime,
    late_grace: timedelta = DEFAULT_LATE_GRACE,
    max_reads: int = DEFAULT_MAX_READS,
    max_lookups: int = DEFAULT_MAX_LOOKUPS,
    run: str = "track",
    should_stop: Callable[[], bool] = lambda: False,
    memo: ScanMemo | None = None,
) -> TrackReport:
    """One tracking pass; appends `post.status` events (origin poll) for what changed and
    rewrites the CSV views if anything did. Needs the ledger's lock (held by the caller).
    `memo` carries a scan cut short by `max_reads` over to the next pass (keep one per runner)."""
    work = _Pass(
        client,
        ledger.state(),
        now=now,
        max_reads=max_reads,
        should_stop=should_stop,
        memo=memo or ScanMemo(),
    )
    if not work.posts:
        return TrackReport(pending=0, reads=0)
    work.run(max_lookups)
    with write_guard(ledger):
        current = ledger.state()
        events, changes = _events(current, work.found, run)
        if events:
            ledger.append_many(events)
    if events:
        write_views(ledger)
    moved = {c.identity for c in changes} | {
        i for i, (_, seen) in work.found.items() if seen.status != "scheduled"
    }
    # Lateness is only known where the listing of posts was read far enough back.
    late = (
        _late(tracked_posts(current).values(), moved, now=now, late_grace=late_grace)
        if work.complete
        else []
    )
    timeouts = tuple(sorted(i for i, (_, seen) in work.found.items() if seen.timeout))
    return TrackReport(
        pending=len(work.posts),
        reads=work.reads,
        changes=tuple(changes),
        late=tuple(late),
        timeouts=timeouts,
        complete=work.complete,
        stopped=work.stopped,
        errors=tuple(work.errors),
    )
