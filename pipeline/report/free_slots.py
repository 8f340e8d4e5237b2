"""Free posting slots: the `slots:` times a queue's account and platform have not filled yet.

The HTML grids show them beside the posts, so a team sees where the next queue entries and
pool repeats will go. Which instants a `slots:` name has is the schedule stage's to say; it is
passed in (`slot_times`), and without it, or without `slots:` in pipeline.yaml, there are none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from pipeline.validate.check import ValidationResult

#: How far ahead free slots are shown: the weeks a team plans in (the grids stay readable).
FREE_SLOT_DAYS: Final = 28

#: A `slots:` name and a window [start, end) -> that name's slot instants in it, aware, in the
#: slots' own time zone (the grids place a slot on that zone's day).
SlotTimes = Callable[[str, datetime, datetime], Iterable[datetime]]


@dataclass(frozen=True, slots=True)
class FreeSlot:
    slots: str  # the `slots:` name
    account: str
    platform: str
    at: datetime  # aware, in the slots' zone


def free_slots(
    result: ValidationResult, slot_times: SlotTimes | None, *, days: int = FREE_SLOT_DAYS
) -> list[FreeSlot]:
    """Each queue's slots from now on, per account and platform its entries post to, less those
    a post of that account and platform already takes (any post: dated, occurrence, queued or
    pool repeat). Earliest first."""
    if slot_times is None or not result.config.slots:
        return []
    lanes = sorted(
        {
            (e.queue, e.accounts.get(p, ""), p)
            for e in result.entries
            if e.queue is not None
            for p in e.platforms
        }
    )
    taken = {
        (e.accounts.get(p, ""), p, e.at_utc)
        for e in result.entries
        if e.at_utc is not None
        for p in e.platforms
    }
    start, end = result.now, result.now + timedelta(days=days)
    found = [
        FreeSlot(name, account, platform, at)
        for name in sorted({lane[0] for lane in lanes})
        for at in slot_times(name, start, end)
        for queue, account, platform in lanes
        if queue == name and (account, platform, at.astimezone(UTC)) not in taken
    ]
    return sorted(found, key=lambda s: (s.at.astimezone(UTC), s.account, s.platform))
