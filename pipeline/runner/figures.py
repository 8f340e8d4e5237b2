"""Figures: read published posts' numbers on a schedule that thins out with age.

There is no analytics endpoint: `figures` come only with `GET /posts/{id}` of a post that
succeeded, one read per post out of the 60 a minute everything shares. Engagement moves fast in
the first hours and hardly at all after a month, so a post is read at fixed ages after it went out
(`DEFAULT_SCHEDULE`: 1 h, 6 h, 24 h, 3 d, 7 d, 30 d), six reads in its life. A post is due when
the latest of those ages it has reached has no reading since: a runner that was down for a week
reads each post once to catch up, not once per missed step. Each pass reads at most `max_reads`
posts, most overdue first, so figures never starve tracking and publishing of the read budget.

A metric the network did not report is null and stays null (an empty cell in engagement.csv);
0 is a reported zero.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from pipeline.api import NotFound, PostItem, Status200Client, Status200Error
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import Figures
from pipeline.ledger.schema import METRICS
from pipeline.ledger.views import write_engagement
from pipeline.model import LedgerPost
from pipeline.runner.shared import StopRequested

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE: Final[tuple[timedelta, ...]] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)
DEFAULT_MAX_READS: Final = 20


@dataclass(frozen=True, slots=True)
class DuePost:
    identity: str
    post_id: str  # the History id figures are read with
    platform: str
    due_since: datetime  # when the age step it is due for was reached


@dataclass(frozen=True, slots=True)
class FiguresReading:
    identity: str
    post_id: str
    platform: str
    metrics: Mapping[str, float | int | None]


@dataclass(frozen=True, slots=True)
class FiguresReport:
    """`left`: posts due but not read this pass (the budget ran out, or a stop)."""

    due: int
    reads: int
    readings: tuple[FiguresReading, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (identity, why)
    left: int = 0
    stopped: bool = False


def published_at(post: LedgerPost) -> datetime | None:
    """When the post went out, as well as the ledger knows: its scheduled time, or when it was
    sent if that was later (an immediate post, a late or queued one)."""
    times = [t for t in (post.scheduled_for, post.first_sent_at) if t is not None]
    if times:
        return max(times)
    return post.updated_at


def due_since(
    went_out: datetime,
    last_poll: datetime | None,
    now: datetime,
    schedule: Sequence[timedelta] = DEFAULT_SCHEDULE,
) -> datetime | None:
    """The time the post became due for a reading, or None if it is not due now."""
    reached = [went_out + age for age in schedule if went_out + age <= now]
    if not reached:
        return None
    target = max(reached)
    if last_poll is not None and last_poll >= target:
        return None
    return target


def due_posts(
    state: LedgerState, now: datetime, schedule: Sequence[timedelta] = DEFAULT_SCHEDULE
) -> list[DuePost]:
    """Published posts due for a reading, most overdue first. Pure."""
    due = []
    for identity, post in state.posts.items():
        detail = state.details.get(identity)
        post_id = detail.history_post_id if detail else None
        went_out = published_at(post)
        if post.status != "published" or post_id is None or went_out is None:
            continue
        # Readings of an earlier post of this identity (before a replacement) do not count.
        polls = [r.polled_at for r in state.figures.get(identity, ()) if r.post_id == post_id]
        since = due_since(went_out, max(polls, default=None), now, schedule)
        if since is not None:
            due.append(DuePost(identity, post_id, post.platform, since))
    return sorted(due, key=lambda d: (d.due_since, d.identity))


def _number(value: Any) -> float | int | None:
    # NaN or infinity is no reading (and JSON, hence the ledger, cannot store it).
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_of(figures: Mapping[str, Any]) -> dict[str, float | int | None]:
    """The nine metrics of a `figures` object; anything not a number, or named in
    `not_reported`, is None (not reported), never 0."""
    raw = figures.get("metrics")
    values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    hidden = figures.get("not_reported")
    hidden_names = {h for h in hidden if isinstance(h, str)} if isinstance(hidden, list) else set()
    return {m: None if m in hidden_names else _number(values.get(m)) for m in METRICS}


def poll_figures(
    client: Status200Client,
    ledger: Ledger,
    *,
    now: datetime,
    schedule: Sequence[timedelta] = DEFAULT_SCHEDULE,
    max_reads: int = DEFAULT_MAX_READS,
    run: str = "figures",
    should_stop: Callable[[], bool] = lambda: False,
) -> FiguresReport:
    """Read the figures of the posts that are due (at most `max_reads`), append one `figures`
    event per reading and rewrite engagement.csv. Needs the ledger's lock (held by the caller)."""
    due = due_posts(ledger.state(), now, schedule)
    readings: list[FiguresReading] = []
    skipped: list[tuple[str, str]] = []
    reads = 0
    stopped = False
    for item in due[:max_reads]:
        if should_stop():
            stopped = True
            break
        reads += 1
        try:
            post = client.get_post(item.post_id).item
        except StopRequested:
            reads -= 1  # stopped while waiting for the budget: nothing was sent
            stopped = True
            break
        except NotFound:
            skipped.append((item.identity, "not found in History"))
            continue
        except Status200Error as exc:
            skipped.append((item.identity, type(exc).__name__))
            continue
        if not isinstance(post, PostItem) or post.status != "success":
            skipped.append((item.identity, f"not a published post ({post.status})"))
            continue
        # A success without figures has reported nothing yet: a reading of nulls, so the
        # schedule moves on instead of asking again every pass.
        metrics = metrics_of(post.figures or {})
        readings.append(FiguresReading(item.identity, item.post_id, item.platform, metrics))
    if readings:
        ledger.append_many(
            Figures(
                run=run, identity=r.identity, post_id=r.post_id, polled_at=now, metrics=r.metrics
            )
            for r in readings
        )
        write_engagement(ledger)
    return FiguresReport(
        due=len(due),
        reads=reads,
        readings=tuple(readings),
        skipped=tuple(skipped),
        left=len(due) - len(readings) - len(skipped),
        stopped=stopped,
    )
