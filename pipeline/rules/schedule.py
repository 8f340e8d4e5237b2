"""Checks on when a post goes out: the past, the API's 60-second and 365-day bounds, DST."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make
from pipeline.rules.context import CheckContext
from pipeline.times import fold_alternative


def when(entry: Entry, ctx: CheckContext) -> Iterator[Diagnostic]:
    """E403 past, E404 too soon, E405 too far, E406 DST gap, W101 DST fold."""
    src = entry.source
    local = entry.at_local
    if entry.dst == "gap" and local is not None:
        yield make(
            "E406",
            src.file,
            src.line,
            f"{local:%Y-%m-%d %H:%M} does not exist in {entry.tz}: clocks skip that hour "
            "(daylight saving time)",
            hint="pick a time outside the skipped hour",
            entry=entry.id,
        )
        return
    at = entry.at_utc
    if at is None:
        return
    if entry.dst == "fold" and local is not None and entry.tz is not None:
        other = fold_alternative(local, entry.tz)
        yield make(
            "W101",
            src.file,
            src.line,
            f"{local:%Y-%m-%d %H:%M} happens twice in {entry.tz} (clocks go back); using the "
            f"first, {at:%H:%M} UTC (the second would be {other:%H:%M} UTC)",
            hint="write an explicit offset, e.g. +02:00, to choose",
            entry=entry.id,
        )
    ahead = at - ctx.now
    if ahead > ctx.now_window and ahead <= ctx.max_ahead:
        return  # the common case, decided with two comparisons
    if ahead <= timedelta(0):
        yield make(
            "E403",
            src.file,
            src.line,
            f"{at:%Y-%m-%d %H:%M} UTC has passed (now {ctx.now:%Y-%m-%d %H:%M} UTC)",
            hint="move it to a future time or remove it",
            entry=entry.id,
        )
    elif ahead <= timedelta(seconds=ctx.schedule_now_within_s):
        yield make(
            "E404",
            src.file,
            src.line,
            f"{at:%H:%M:%S} UTC is within {ctx.schedule_now_within_s} s of now; the API would "
            "publish it at once instead of scheduling it",
            hint="schedule it a few minutes ahead",
            entry=entry.id,
        )
    elif ahead > timedelta(days=ctx.max_ahead_days):
        yield make(
            "E405",
            src.file,
            src.line,
            f"{at:%Y-%m-%d} is {ahead.days} days ahead; the API schedules at most "
            f"{ctx.max_ahead_days} days ahead",
            hint="the API refuses it: move it to a calendar you add once it is within reach",
            entry=entry.id,
        )
