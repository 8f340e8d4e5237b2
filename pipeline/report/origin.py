"""Where a post came from: a series occurrence, a queue slot or an evergreen pool repeat.

The HTML grids mark such posts and the calendar feed names them, so both read it here. A post
still in the calendar carries it on its Entry (`series`, `occurrence`, `queue`, `evergreen`); a
post only the ledger knows (a past occurrence the rolling horizon has left behind) has only its
entry id, `series@occurrence` (docs/living-calendars.md), which is read back the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.model import Entry

OriginKind = Literal["series", "queue", "pool"]

#: A pool repeat's occurrence: "r3" is the third time the member is posted.
_REPEAT = re.compile(r"r(\d+)")


@dataclass(frozen=True, slots=True)
class Origin:
    """`name`: the series id, the `slots:` name of a queue, or the pool; `detail`: the
    occurrence ("2027-01-05"), the slot's local time ("08:30 Europe/Berlin") or the repeat."""

    kind: OriginKind
    name: str
    detail: str = ""
    template: str = ""  # a pool repeat's member (its entry id)

    @property
    def badge(self) -> str:
        """Short, for a grid chip: ↻ series, ⇥ queue, ♻ pool."""
        if self.kind == "series":
            return f"↻ {self.name}"
        if self.kind == "queue":
            return f"⇥ {self.name}" + (f" {self.detail.split()[0]}" if self.detail else "")
        return f"♻ {self.name or self.template}" + (f" #{self.detail}" if self.detail else "")

    @property
    def label(self) -> str:
        """Whole, for a tooltip or the feed's description."""
        if self.kind == "series":
            return f"series {self.name}" + (f", occurrence {self.detail}" if self.detail else "")
        if self.kind == "queue":
            return f"queue {self.name}" + (f", slot {self.detail}" if self.detail else "")
        pool = f"pool {self.name}" if self.name else "a pool"
        repeat = f", repeat {self.detail}" if self.detail else ""
        return pool + repeat + (f" of {self.template}" if self.template else "")


def _repeat(occurrence: str | None) -> str | None:
    match = _REPEAT.fullmatch(occurrence or "")
    return match.group(1) if match else None


def origin_of(entry: Entry) -> Origin | None:
    """A pool repeat before a queue post (pool members name the queue whose slots they fill)."""
    if entry.evergreen is not None:
        return Origin(
            "pool", entry.evergreen.pool, _repeat(entry.occurrence) or "", entry.series or ""
        )
    if entry.queue is not None:
        slot = (
            f"{entry.at_local:%H:%M}" + (f" {entry.tz}" if entry.tz else "")
            if entry.at_local
            else ""
        )
        return Origin("queue", entry.queue, slot)
    if entry.series is not None:
        return Origin("series", entry.series, entry.occurrence or "")
    return None


def origin_of_id(entry_id: str | None) -> Origin | None:
    """From a ledger record's entry id alone: `weekly-tip@2027-01-05` or `best-tip@r3`."""
    template, at, occurrence = (entry_id or "").partition("@")
    if not at or not template or not occurrence:
        return None
    repeat = _repeat(occurrence)
    if repeat is not None:
        return Origin("pool", "", repeat, template)
    return Origin("series", template, occurrence)
