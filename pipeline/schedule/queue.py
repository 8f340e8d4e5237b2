"""Posting queues: `queue:` entries take the next free slot of their account and platform.

Assignment is stable, so that editing the calendar never moves a post the service holds:

1. a queue post the ledger holds (waiting, gone out, unknown, failed) keeps its recorded time
   (a waiting one only while that time is still a slot of its queue and its account is the
   same: otherwise it moves, which the plan shows as a replace);
2. one recorded but not held (cancelled, deferred) gets its old time back when that slot is
   still ahead and free;
3. `priority: next` entries take the earliest free slot from now;
4. the others, in calendar order, take the earliest free slots after the latest slot the
   queue already holds for that account and platform.

A slot is free when no post of the same account and platform is at that instant: dated posts,
series occurrences, recorded pool repeats, orphans the service still holds, and the queue posts
placed before. Slots are looked for up to the API's 365 days; what does not fit waits for a
later run (W170).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline import times
from pipeline.config import SlotSet
from pipeline.model import LATE_GRACE, MAX_AHEAD_DAYS, Diagnostic, Entry, LedgerPost
from pipeline.rules import forecast
from pipeline.rules.codes import make
from pipeline.rules.options import did_you_mean
from pipeline.schedule import slots
from pipeline.schedule.slots import HOLDING, Lane

if TYPE_CHECKING:
    from pipeline.schedule import ScheduleContext

#: A queue post's slot is at least this far ahead, so the publish run that sends it is in time.
LEAD = LATE_GRACE


def horizon(now: datetime) -> tuple[datetime, datetime]:
    """[first, end) of the instants a new queue or pool post may take."""
    return now + LEAD, now + timedelta(days=MAX_AHEAD_DAYS)


def place(entry: Entry, platform: str, at: datetime, slot_set: SlotSet, **changes: object) -> Entry:
    """The dated single-platform entry a queue or pool post becomes at a slot."""
    local = at.astimezone(times.zone(slot_set.timezone)).replace(tzinfo=None)
    return dataclasses.replace(
        entry,
        platforms=(platform,),
        at_local=local,
        tz=slot_set.timezone,
        at_utc=at,
        dst="ok",
        **changes,  # type: ignore[arg-type]
    )


def unknown_queue(entry: Entry, known: Mapping[str, SlotSet]) -> Diagnostic | None:
    """E170 when the entry's queue names no slot set."""
    if entry.queue is None or entry.queue in known:
        return None
    guess = did_you_mean(entry.queue, list(known))
    names = ", ".join(sorted(known)) if known else "none: add slots: to pipeline.yaml"
    return make(
        "E170",
        entry.source.file,
        entry.source.line,
        f"queue {entry.queue!r} is not a slot set in pipeline.yaml",
        hint=(f"did you mean {guess!r}? " if guess else "") + f"known: {names}",
        entry=entry.label,
    )


def keeps(rec: LedgerPost | None, slot_set: SlotSet, account: str, now: datetime) -> bool:
    """Whether a recorded queue post stays at its recorded time whatever else changes."""
    if rec is None or rec.scheduled_for is None:
        return False
    if rec.status == "failed" or (
        rec.status in HOLDING and rec.status not in ("scheduled", "queued")
    ):
        return True
    if rec.status not in HOLDING:
        return False
    if rec.scheduled_for <= now:
        return True  # waiting and due: going out now
    return rec.account == account and slots.is_slot(slot_set, rec.scheduled_for)


@dataclasses.dataclass
class _Lane:
    """One queue on one account and platform: its slot instants and where new posts start."""

    instants: list[datetime]
    cursor: datetime


def assign(entries: Sequence[Entry], ctx: ScheduleContext) -> tuple[list[Entry], list[Diagnostic]]:
    """Dated entries with each queue entry placed per platform; pool members pass through for
    `pools.fill`; a queue entry with an error passes through undated (the plan keeps what the
    service holds for it)."""
    known = ctx.config.slots
    diagnostics: list[Diagnostic] = []
    queued: list[Entry] = []
    out: list[Entry] = []
    for e in entries:
        if e.queue is None:
            out.append(e)
            continue
        problem = unknown_queue(e, known)
        if problem is not None:
            diagnostics.append(problem)
        if problem is not None or e.evergreen is not None or not e.id:
            out.append(e)
        else:
            queued.append(e)
    if not queued:
        return out, diagnostics
    taken = slots.taken([*out, *queued], ctx.recorded, ctx.now)
    first, end = horizon(ctx.now)
    lanes: dict[tuple[str, Lane], _Lane] = {}

    def lane(queue: str, key: Lane) -> _Lane:
        found = lanes.get((queue, key))
        if found is None:
            found = _Lane(list(slots.instants(known[queue], first, end)), first)
            lanes[(queue, key)] = found
        return found

    placed: list[tuple[int, Entry]] = []  # (calendar position, entry), for a stable order
    pending: list[tuple[int, Entry, str, LedgerPost | None]] = []
    for index, e in enumerate(queued):
        slot_set = known[e.queue]  # type: ignore[index]
        for p in e.platforms:
            account = e.accounts.get(p, "")
            rec = ctx.recorded.get(f"{e.id}/{p}")
            if keeps(rec, slot_set, account, ctx.now):
                at = rec.scheduled_for  # type: ignore[union-attr]
                assert at is not None
                taken[(account, p)].add(at)
                found = lane(slot_set.name, (account, p))
                found.cursor = max(found.cursor, at)
                placed.append((index, place(e, p, at, slot_set)))
            else:
                pending.append((index, e, p, rec))
    # Cancelled or deferred posts get their old slot back when it is still ahead and free.
    rest = []
    for index, e, p, rec in pending:
        slot_set = known[e.queue]  # type: ignore[index]
        account = e.accounts.get(p, "")
        at = rec.scheduled_for if rec is not None else None
        if (
            at is not None
            and at >= first
            and rec is not None
            and rec.account == account
            and slots.is_slot(slot_set, at)
            and at not in taken[(account, p)]
        ):
            taken[(account, p)].add(at)
            placed.append((index, place(e, p, at, slot_set)))
        else:
            rest.append((index, e, p))
    rest.sort(key=lambda item: (item[1].priority != "next", item[0]))
    unplaced: dict[tuple[str, Lane], list[Entry]] = defaultdict(list)
    for index, e, p in rest:
        slot_set = known[e.queue]  # type: ignore[index]
        key = (e.accounts.get(p, ""), p)
        found = lane(slot_set.name, key)
        start = first if e.priority == "next" else found.cursor
        at = _free(found.instants, start, taken[key], strictly_after=e.priority != "next")
        if at is None:
            unplaced[(slot_set.name, key)].append(e)
            continue
        taken[key].add(at)
        if e.priority != "next":
            found.cursor = at
        placed.append((index, place(e, p, at, slot_set)))
    placed.sort(key=lambda item: item[0])
    mine = [e for _, e in placed]
    diagnostics.extend(_out_of_slots(unplaced, lanes, end))
    diagnostics.extend(_over_allowance([*out, *mine], ctx))
    return [*out, *mine], diagnostics


def _free(
    instants: list[datetime], start: datetime, taken: set[datetime], *, strictly_after: bool
) -> datetime | None:
    find = bisect.bisect_right if strictly_after else bisect.bisect_left
    for at in instants[find(instants, start) :]:
        if at not in taken:
            return at
    return None


def _out_of_slots(
    unplaced: Mapping[tuple[str, Lane], list[Entry]],
    lanes: Mapping[tuple[str, Lane], _Lane],
    end: datetime,
) -> Iterator[Diagnostic]:
    """W170 once per queue, account and platform, at the first post left without a slot."""
    for (queue, (account, platform)), waiting in unplaced.items():
        instants = lanes[(queue, (account, platform))].instants
        full = (
            f"its slots are full up to {instants[-1]:%Y-%m-%d %H:%M} UTC"
            if instants
            else ("it has no slots at all")
        )
        first = waiting[0]
        yield make(
            "W170",
            first.source.file,
            first.source.line,
            f"queue {queue!r} runs out of slots for {account} on {platform} before "
            f"{end:%Y-%m-%d} (the API's {MAX_AHEAD_DAYS}-day horizon): {full}, and "
            f"{len(waiting)} post(s) from this one on have none yet",
            hint="they take slots as later runs roll forward; add slots to pipeline.yaml to "
            "post them sooner",
            entry=first.label,
            platform=platform,
        )


def _over_allowance(entries: Sequence[Entry], ctx: ScheduleContext) -> Iterator[Diagnostic]:
    """W171 once per queue and account: the first UTC day its posts, with every other post of
    the account, exceed the plan's daily allowance (`forecast.over_allowance` counts)."""
    plan = ctx.config.plan
    if plan is None or plan.daily is None:
        return
    by_id = {e.id: e for e in entries if e.queue is not None and e.at_utc is not None}
    planned = sorted(
        (s for e in entries for s in forecast.entry_slots(e, ctx.now)), key=forecast.slot_order
    )
    days: dict[tuple[str, str], dict[date, tuple[int, Entry]]] = defaultdict(dict)
    totals: dict[tuple[str, date], int] = defaultdict(int)
    for slot, used in forecast.over_allowance(planned, plan):
        totals[(slot[5], slot[0].date())] = used
        e = by_id.get(slot[3])
        if e is None or e.queue is None:
            continue
        day = days[(e.queue, slot[5])]
        if slot[0].date() not in day:
            day[slot[0].date()] = (used, e)
    for (queue, account), over in days.items():
        first_day = min(over)
        _, e = over[first_day]
        total = totals[(account, first_day)]
        more = f" (and {len(over) - 1} more day(s))" if len(over) > 1 else ""
        yield make(
            "W171",
            e.source.file,
            e.source.line,
            f"queue {queue!r} outgrows the {plan.tier} plan's {plan.daily} posts a day for "
            f"{account}: on {first_day:%Y-%m-%d} (UTC) the account has {total} posts, "
            f"{total - plan.daily} over{more}; the API moves the extra to the next day",
            hint="use fewer slots a day in pipeline.yaml, or change the plan",
            entry=e.label,
            platform=e.platforms[0],
        )
