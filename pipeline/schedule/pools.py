"""Evergreen pools: members repeated into the slots queues leave free, with cooldowns.

A member (`evergreen: {pool: tips, ...}` on a `queue:` entry with an id) is never posted under
its own id: each time it goes out is a repeat `tips-1@r3` (`series` = the member's id,
`occurrence` = "r3"), so each repeat has its own identity and Idempotency-Key, per platform.

- Recorded repeats (waiting, gone out, unknown, failed) keep their time, as queue posts do;
  a deferred one gets its slot back while it is ahead and free.
- Free slots of the member's queue within the pool's horizon (`pools:` `horizon_days`, default
  14) are then filled, earliest first. A slot goes to the first pool (in `pools:` order, then
  by name) with a member allowed there: its platform and account, its `active` window (local
  date of the slot), `max_repeats`, and `cooldown_days` from every other time it is posted
  (before or after). Among those, `order: least_recent` (default) picks the one posted least
  recently (never posted first, then calendar order); `order: best` the one with the best
  recorded figures (`ScheduleContext.figures`: interactions of its posts), then least recent.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.config import SlotSet
from pipeline.model import LATE_GRACE, POOL_REPEAT, Diagnostic, Entry, LedgerPost
from pipeline.rules.codes import make
from pipeline.schedule import slots
from pipeline.schedule.queue import horizon, place
from pipeline.schedule.slots import HOLDING, Lane
from pipeline.times import zone

if TYPE_CHECKING:
    from pipeline.schedule import ScheduleContext

#: Recorded repeats produced again even when their time has passed: the plan must not take a
#: post the service may still hold for removed.
_WAITING_OR_UNKNOWN = HOLDING - {"published", "processing"}


@dataclasses.dataclass
class _Member:
    """One member on one platform: its entry and what it has been given so far."""

    entry: Entry
    platform: str
    index: int  # calendar position
    times: list[datetime]  # every time it is posted (recorded and new)
    repeats: int  # repeats counted against max_repeats
    next_number: int  # N of its next repeat
    score: float

    @property
    def last(self) -> datetime | None:
        return max(self.times) if self.times else None

    def allows(self, at: datetime, slot_set: SlotSet) -> bool:
        green = self.entry.evergreen
        assert green is not None
        local = at.astimezone(zone(slot_set.timezone)).date()
        if green.active_from and local < green.active_from:
            return False
        if green.active_to and local > green.active_to:
            return False
        if green.max_repeats is not None and self.repeats >= green.max_repeats:
            return False
        cooldown = timedelta(days=green.cooldown_days)
        return all(abs(at - t) >= cooldown for t in self.times)


def _split(ident: str) -> tuple[str, int, str] | None:
    """(member id, repeat number, platform) of `tip@r3/x`, or (member id, 0, platform) of
    `tip/x` (posted under its own id before it joined a pool); None for anything else."""
    entry_id, slash, platform = ident.rpartition("/")
    if not slash:
        return None
    member, at, occurrence = entry_id.partition("@")
    if not at:
        return member, 0, platform
    match = POOL_REPEAT.match(occurrence)
    return (member, int(match[1]), platform) if match else None


@dataclasses.dataclass
class _Index:
    """The ledger's posts and figures by member and platform, read once per run."""

    history: dict[tuple[str, str], list[tuple[int, LedgerPost]]]
    scores: dict[tuple[str, str], float]

    @classmethod
    def of(cls, ctx: ScheduleContext, ids: set[str]) -> _Index:
        history: dict[tuple[str, str], list[tuple[int, LedgerPost]]] = defaultdict(list)
        for ident, rec in ctx.recorded.items():
            found = _split(ident)
            if found and found[0] in ids:
                history[(found[0], found[2])].append((found[1], rec))
        scores: dict[tuple[str, str], float] = {}
        for ident, value in ctx.figures.items():
            found = _split(ident)
            if found and found[0] in ids:
                key = (found[0], found[2])
                scores[key] = max(scores.get(key, value), value)
        return cls(history, scores)


def fill(entries: Sequence[Entry], ctx: ScheduleContext) -> tuple[list[Entry], list[Diagnostic]]:
    known = ctx.config.slots

    def is_member(e: Entry) -> bool:
        # Members with an error (no id, unknown queue: reported by the schema or queue.assign)
        # pass through undated, so the plan keeps what the service holds for them.
        return e.evergreen is not None and bool(e.id) and e.queue in known

    members = [e for e in entries if is_member(e)]
    if not members:
        return list(entries), []
    dated = [e for e in entries if not is_member(e)]
    taken = slots.taken(entries, ctx.recorded, ctx.now)
    first, end = horizon(ctx.now)
    out: list[Entry] = []
    groups: dict[tuple[str, Lane], list[_Member]] = defaultdict(list)  # (queue, lane)
    index_of = _Index.of(ctx, {e.id for e in members if e.id})
    for index, e in enumerate(members):
        assert e.queue is not None
        slot_set = known[e.queue]
        for p in e.platforms:
            lane = (e.accounts.get(p, ""), p)
            history = index_of.history.get((e.id or "", p), [])
            score = index_of.scores.get((e.id or "", p), 0.0)
            member = _Member(e, p, index, [], 0, 1 + max((n for n, _ in history), default=0), score)
            for number, rec in history:
                at = rec.scheduled_for
                if at is None:
                    continue
                if number == 0:  # posted under its own id before it joined the pool
                    if rec.status in HOLDING:
                        member.times.append(at)
                    continue
                if rec.status == "deferred":
                    if at < first or at in taken[lane]:
                        continue  # its slot passed or went to another post: a new repeat
                elif rec.status not in HOLDING and rec.status != "failed":
                    continue  # cancelled
                member.times.append(at)
                member.repeats += rec.status != "failed"
                taken[lane].add(at)
                if at >= ctx.now - LATE_GRACE or rec.status in _WAITING_OR_UNKNOWN:
                    out.append(_repeat(e, p, number, at, slot_set))
            groups[(e.queue, lane)].append(member)
    diagnostics: list[Diagnostic] = []
    order = {name: i for i, name in enumerate(ctx.config.pools)}
    for (queue, lane), group in groups.items():
        slot_set = known[queue]
        days = max(ctx.config.pool(_pool(m)).horizon_days for m in group)
        pool_end = min(end, ctx.now + timedelta(days=days))
        empty = 0
        for at in slots.instants(slot_set, first, pool_end):
            if at in taken[lane]:
                continue
            chosen = _choose(group, at, slot_set, ctx, order)
            if chosen is None:
                empty += 1
                continue
            out.append(_repeat(chosen.entry, chosen.platform, chosen.next_number, at, slot_set))
            chosen.times.append(at)
            chosen.repeats += 1
            chosen.next_number += 1
            taken[lane].add(at)
        if empty:
            diagnostics.extend(_too_small(group, queue, lane, slot_set, taken[lane], first, empty))
    out.sort(key=lambda e: (e.at_utc, e.id))
    return [*dated, *out], diagnostics


def _pool(m: _Member) -> str:
    assert m.entry.evergreen is not None
    return m.entry.evergreen.pool


def _repeat(member: Entry, platform: str, number: int, at: datetime, slot_set: SlotSet) -> Entry:
    return place(
        member,
        platform,
        at,
        slot_set,
        id=f"{member.id}@r{number}",
        series=member.id,
        occurrence=f"r{number}",
    )


def _choose(
    group: list[_Member],
    at: datetime,
    slot_set: SlotSet,
    ctx: ScheduleContext,
    order: dict[str, int],
) -> _Member | None:
    allowed = [m for m in group if m.allows(at, slot_set)]
    if not allowed:
        return None
    never = datetime.min.replace(tzinfo=at.tzinfo)

    def key(m: _Member) -> tuple[int, str, float, datetime, int]:
        pool = _pool(m)
        score = -m.score if ctx.config.pool(pool).order == "best" else 0.0
        return (order.get(pool, len(order)), pool, score, m.last or never, m.index)

    return min(allowed, key=key)


def _too_small(
    group: list[_Member],
    queue: str,
    lane: Lane,
    slot_set: SlotSet,
    taken: set[datetime],
    first: datetime,
    empty: int,
) -> Iterator[Diagnostic]:
    """W172 once per pool on a queue lane that left slots empty: how many members one cooldown
    window of free slots needs, against how many the pool has."""
    by_pool: dict[str, list[_Member]] = defaultdict(list)
    for m in group:
        by_pool[_pool(m)].append(m)
    account, platform = lane
    for pool, members in by_pool.items():
        cooldown = min(m.entry.evergreen.cooldown_days for m in members)  # type: ignore[union-attr]
        window = [
            at
            for at in slots.instants(slot_set, first, first + timedelta(days=cooldown))
            if at not in taken or any(at in m.times for m in members)
        ]
        if len(members) >= len(window):
            continue
        e = members[0].entry
        yield make(
            "W172",
            e.source.file,
            e.source.line,
            f"pool {pool!r} is too small for its {cooldown}-day cooldown on {platform} "
            f"({account}): queue {queue!r} has {len(window)} free slots in {cooldown} days, "
            f"so it needs {len(window)} members and has {len(members)}; {empty} slot(s) in the "
            "pool's horizon stay empty",
            hint="add members, shorten cooldown_days, or use fewer slots",
            entry=e.label,
            platform=platform,
        )
