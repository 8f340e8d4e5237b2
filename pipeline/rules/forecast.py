"""Forecasts over the whole calendar: the plan's allowance and the 500 waiting posts cap.

These are warnings, not errors: the posts are valid, but the service will move (paid plans,
daily allowance per profile, all platforms combined: to the next UTC day) or refuse (Free,
monthly) the extra ones, or hold fewer than the calendar has waiting (the rest wait for a
later run). Each warning names the post it is about.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from operator import itemgetter

from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make
from pipeline.rules.context import CheckContext, PlanSettings

#: One future post, as the forecasts need it: (UTC time, file, line, entry id, platform, account).
#: Plain values, so a slice of a calendar checked in another process can send its slots back.
Slot = tuple[datetime, str, int, str | None, str, str]


def entry_slots(entry: Entry, now: datetime) -> list[Slot]:
    at = entry.at_utc
    if at is None or at <= now or entry.clip is not None:
        return []
    src = entry.source
    return [
        (at, src.file, src.line, entry.id, p, entry.accounts.get(p, "")) for p in entry.platforms
    ]


def slots(entries: list[Entry], ctx: CheckContext) -> list[Slot]:
    """Every future planned post, in time order."""
    found = [slot for e in entries for slot in entry_slots(e, ctx.now)]
    found.sort(key=slot_order)
    return found


#: Slots in time order (then file, line, platform), as one C call per slot.
slot_order: Callable[[Slot], tuple[datetime, str, int, str]] = itemgetter(0, 1, 2, 4)


def _diag(code: str, slot: Slot, message: str, hint: str) -> Diagnostic:
    _, file, line, entry_id, platform, _ = slot
    return make(code, file, line, message, hint=hint, entry=entry_id, platform=platform)


def over_allowance(planned: list[Slot], plan: PlanSettings) -> Iterator[tuple[Slot, int]]:
    """Each post beyond the plan's allowance, with its number in its account's day (daily) or
    month (monthly): the one count behind W401, W402 and the queues' W171."""
    used: dict[tuple[str, date], int] = defaultdict(int)
    for slot in planned:
        at, account = slot[0], slot[5]
        if plan.daily is not None:
            key, limit = (account, at.date()), plan.daily
        elif plan.monthly is not None:
            key, limit = (account, at.date().replace(day=1)), plan.monthly
        else:
            return
        used[key] += 1
        if used[key] > limit:
            yield slot, used[key]


def _within(planned: list[Slot], plan: PlanSettings) -> bool:
    """Whether no profile has more posts in a day than a paid plan allows (counted without a
    Python loop: most calendars are within it, and then there is nothing to say)."""
    if plan.daily is None:
        return False
    if len(planned) <= plan.daily:
        return True
    # By (account, time) first: the rows of one time share its datetime, whose hash is kept,
    # so only each distinct time is turned into its day.
    at = Counter(zip(map(itemgetter(5), planned), map(itemgetter(0), planned), strict=True))
    used: Counter[tuple[str, date]] = Counter()
    for (account, time), count in at.items():
        used[account, time.date()] += count
    return max(used.values()) <= plan.daily


def allowance(planned: list[Slot], ctx: CheckContext) -> Iterator[Diagnostic]:
    """W401 allowance-queued (daily, paid), W402 allowance-refused (monthly, Free)."""
    plan = ctx.plan
    if plan is None or _within(planned, plan):
        return
    for slot, used in over_allowance(planned, plan):
        at, account = slot[0], slot[5]
        if plan.daily is not None:
            yield _diag(
                "W401",
                slot,
                f"post {used} of {at:%Y-%m-%d} (UTC) for {account}; the {plan.tier} plan "
                f"allows {plan.daily} a day per profile (all platforms combined), so the API "
                "will move it to the next UTC day",
                "spread the posts over more days or change the plan",
            )
        else:
            yield _diag(
                "W402",
                slot,
                f"post {used} of {at:%B %Y} for {account}; the {plan.tier} plan allows "
                f"{plan.monthly} a month, so the API will refuse it",
                "remove posts or upgrade the plan",
            )


def waiting_cap(
    planned: list[Slot], ctx: CheckContext, already_waiting: int = 0
) -> Iterator[Diagnostic]:
    """W403 waiting-cap: the service holds at most 500 scheduled posts per account (API key).

    One warning at the first post beyond the cap, naming the range: a calendar of thousands of
    posts is normal (later runs submit them as earlier ones go out), not thousands of problems.
    """
    room = max(ctx.waiting_cap - already_waiting, 0)
    beyond = planned[room:]
    if not beyond:
        return
    first, last = beyond[0], beyond[-1]

    def name(slot: Slot) -> str:
        return slot[3] or f"{slot[1]}:{slot[2]}"

    yield _diag(
        "W403",
        first,
        f"{len(beyond):,} posts from this one ({name(first)}, {first[0]:%Y-%m-%d %H:%M} UTC) to "
        f"{name(last)} ({last[0]:%Y-%m-%d %H:%M} UTC) are beyond the {ctx.waiting_cap} "
        "scheduled posts the API holds per account; they wait for later runs",
        "`pipeline run` (or a scheduled `make publish`) submits them as earlier posts go out; "
        "nothing is dropped",
    )
