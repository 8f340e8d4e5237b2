"""Forecasts over the whole calendar: the plan's allowance and the 500 waiting posts cap.

These are warnings, not errors: the posts are valid, but the service will move (paid plans,
daily allowance per profile, all platforms combined: to the next UTC day) or refuse (Free,
monthly) the extra ones, or hold fewer than the calendar has waiting (the rest wait for a
later run). Each warning names the post it is about.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from pipeline.columns import encode
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


def within(days: Counter[tuple[str, date]], plan: PlanSettings) -> bool:
    """Whether no profile has more posts in a day (or, on a monthly plan, a month) than the
    plan allows: then the allowance has nothing to say."""
    if plan.daily is not None:
        return max(days.values(), default=0) <= plan.daily
    if plan.monthly is not None:
        months: Counter[tuple[str, date]] = Counter()
        for (account, day), count in days.items():
            months[account, day.replace(day=1)] += count
        return max(months.values(), default=0) <= plan.monthly
    return True


@dataclass(frozen=True, slots=True)
class Outlook:
    """Slots in time order as the forecasts need them while nobody is over the allowance: how
    many, posts by (account, UTC day), the first `waiting_cap` + 1 and the last. Outlooks add
    up (`combined`), so a part of a calendar checked in another process sends this, not its
    slots (which only naming each post over the allowance needs: `forecasts`)."""

    count: int
    days: Counter[tuple[str, date]]
    head: list[Slot]
    last: Slot | None

    @classmethod
    def of(cls, planned: Sequence[Slot], ctx: CheckContext) -> Outlook:
        """`planned` in any order. Counted by (account, time): a row's slots share its
        datetime, whose hash is kept, so each distinct time becomes its day once, and the
        times' counts find the first `waiting_cap` + 1 without sorting the rest."""
        if not planned:
            return cls(0, Counter(), [], None)
        at = Counter(zip(map(itemgetter(5), planned), map(itemgetter(0), planned), strict=True))
        days: Counter[tuple[str, date]] = Counter()
        per_time: Counter[datetime] = Counter()
        for (account, time), count in at.items():
            per_time[time] += count
            if ctx.plan is not None:
                days[account, time.date()] += count
        times = sorted(per_time)
        want, seen = ctx.waiting_cap + 1, 0
        for cutoff in times:
            seen += per_time[cutoff]
            if seen >= want:
                break
        head = sorted((s for s in planned if s[0] <= cutoff), key=slot_order)[:want]
        last = max((s for s in planned if s[0] == times[-1]), key=slot_order)
        return cls(len(planned), days, head, last)


def combined(outlooks: Sequence[Outlook], ctx: CheckContext) -> Outlook:
    if len(outlooks) == 1:
        return outlooks[0]
    head = sorted((s for o in outlooks for s in o.head), key=slot_order)
    lasts = [o.last for o in outlooks if o.last is not None]
    return Outlook(
        sum(o.count for o in outlooks),
        sum((o.days for o in outlooks), Counter()),
        head[: ctx.waiting_cap + 1],
        max(lasts, key=slot_order) if lasts else None,
    )


def forecasts(
    outlook: Outlook, ctx: CheckContext, planned: Callable[[], list[Slot]]
) -> list[Diagnostic]:
    """W401/W402 and W403 for the slots `outlook` sums up; `planned()` gives them all, in
    order, only when some profile is over the plan's allowance."""
    found: list[Diagnostic] = []
    if ctx.plan is not None and not within(outlook.days, ctx.plan):
        found.extend(allowance(planned(), ctx))
    found.extend(waiting_cap(outlook, ctx))
    return found


def allowance(planned: list[Slot], ctx: CheckContext) -> Iterator[Diagnostic]:
    """W401 allowance-queued (daily, paid), W402 allowance-refused (monthly, Free)."""
    plan = ctx.plan
    if plan is None:
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


def waiting_cap(outlook: Outlook, ctx: CheckContext) -> Iterator[Diagnostic]:
    """W403 waiting-cap: the service holds at most 500 scheduled posts per account (API key).

    One warning at the first post beyond the cap, naming the range: a calendar of thousands of
    posts is normal (later runs submit them as earlier ones go out), not thousands of problems.
    """
    room = ctx.waiting_cap
    if outlook.count <= room or outlook.last is None:
        return
    first, last = outlook.head[room], outlook.last

    def name(slot: Slot) -> str:
        return slot[3] or f"{slot[1]}:{slot[2]}"

    yield _diag(
        "W403",
        first,
        f"{outlook.count - room:,} posts from this one ({name(first)}, "
        f"{first[0]:%Y-%m-%d %H:%M} UTC) to {name(last)} ({last[0]:%Y-%m-%d %H:%M} UTC) are "
        f"beyond the {ctx.waiting_cap} scheduled posts the API holds per account; they wait "
        "for later runs",
        "`pipeline run` (or a scheduled `make publish`) submits them as earlier posts go out; "
        "nothing is dropped",
    )


def pack(planned: list[Slot]) -> tuple[Any, ...]:
    """Slots as a child process sends them: columns, each distinct time once (75,000 aware
    datetimes pickled one by one take longer than checking their rows)."""
    times_of, times = encode([slot[0] for slot in planned])
    return times_of, times, list(zip(*planned, strict=True))[1:] if planned else []


def unpack(packed: tuple[Any, ...]) -> list[Slot]:
    times_of, times, columns = packed
    return list(zip(map(times.__getitem__, times_of), *columns, strict=True))
