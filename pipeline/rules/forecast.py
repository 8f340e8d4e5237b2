"""Forecasts over the whole calendar: the plan's allowance and the 500 waiting posts cap.

These are warnings, not errors: the posts are valid, but the service will move (paid plans,
daily allowance per profile, all platforms combined: to the next UTC day) or refuse (Free,
monthly) the extra ones, or hold fewer than the calendar has waiting (the rest wait for a
later run). Each warning names the post it is about.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make
from pipeline.rules.context import CheckContext

Slot = tuple[datetime, Entry, str, str]  # (UTC time, entry, platform, account)


def slots(entries: list[Entry], ctx: CheckContext) -> list[Slot]:
    """Every future planned post, in time order."""
    found = [
        (e.at_utc, e, p, e.accounts.get(p, ""))
        for e in entries
        if e.at_utc is not None and e.at_utc > ctx.now and e.clip is None
        for p in e.platforms
    ]
    found.sort(key=lambda s: (s[0], str(s[1].source), s[2]))
    return found


def _diag(code: str, slot: Slot, message: str, hint: str) -> Diagnostic:
    _, entry, platform, _ = slot
    return make(
        code,
        entry.source.file,
        entry.source.line,
        message,
        hint=hint,
        entry=entry.id,
        platform=platform,
    )


def allowance(planned: list[Slot], ctx: CheckContext) -> Iterator[Diagnostic]:
    """W401 allowance-queued (daily, paid), W402 allowance-refused (monthly, Free)."""
    plan = ctx.plan
    if plan is None:
        return
    used: dict[tuple[str, date], int] = defaultdict(int)
    for slot in planned:
        at, _, _, account = slot
        if plan.daily is not None:
            key = (account, at.date())
            used[key] += 1
            if used[key] > plan.daily:
                yield _diag(
                    "W401",
                    slot,
                    f"post {used[key]} of {at:%Y-%m-%d} (UTC) for {account}; the {plan.tier} plan "
                    f"allows {plan.daily} a day per profile (all platforms combined), so the API "
                    "will move it to the next UTC day",
                    "spread the posts over more days or change the plan",
                )
        elif plan.monthly is not None:
            key = (account, at.date().replace(day=1))
            used[key] += 1
            if used[key] > plan.monthly:
                yield _diag(
                    "W402",
                    slot,
                    f"post {used[key]} of {at:%B %Y} for {account}; the {plan.tier} plan allows "
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
        return slot[1].id or str(slot[1].source)

    yield _diag(
        "W403",
        first,
        f"{len(beyond):,} posts from this one ({name(first)}, {first[0]:%Y-%m-%d %H:%M} UTC) to "
        f"{name(last)} ({last[0]:%Y-%m-%d %H:%M} UTC) are beyond the {ctx.waiting_cap} "
        "scheduled posts the API holds per account; they wait for later runs",
        "`pipeline run` (or a scheduled `make publish`) submits them as earlier posts go out; "
        "nothing is dropped",
    )
