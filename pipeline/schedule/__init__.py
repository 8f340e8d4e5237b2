"""The schedule stage: calendar templates -> dated entries, before the rules and the planner.

A plain dated post passes through untouched. A `repeat:` series becomes one entry per occurrence
(`series`), `queue:` entries take free posting slots (`slots`, `queue`), and evergreen pool
members are repeated into the slots the queue leaves free (`pools`). Everything after this stage
sees only dated entries, so every occurrence is checked, planned and sent as a post.

It depends on `now` (open-ended series, queues and pools roll forward within the API's horizon)
and on the ledger (a slot once taken is kept), which is why it runs inside `validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.config import ProjectConfig
from pipeline.model import Diagnostic, Entry, LedgerPost
from pipeline.schedule import pools, queue, series

#: Calendar keys that make an entry a template rather than a dated post.
LIVING_KEYS = ("repeat", "queue", "evergreen")


@dataclass(frozen=True, slots=True)
class ScheduleContext:
    now: datetime
    config: ProjectConfig
    #: The ledger's posts by identity (slots already taken, pool repeats already made).
    recorded: Mapping[str, LedgerPost] = field(default_factory=dict)
    #: Recorded figures by identity, from engagement.csv (for `order: best` pools).
    figures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Expansion:
    entries: list[Entry]  # dated entries only
    diagnostics: list[Diagnostic]
    #: Ids of the templates in the calendar: a recorded occurrence of one of them that is no
    #: longer produced is cancelled by the plan ("no longer in the series"), without --prune.
    templates: frozenset[str] = frozenset()


def expand(entries: Sequence[Entry], ctx: ScheduleContext) -> Expansion:
    """Series first (their occurrences occupy slots), then queues, then pools."""
    if not any(e.repeat or e.queue or e.evergreen for e in entries):
        return Expansion(list(entries), [])
    dated, diagnostics, templates = series.expand_series(entries, ctx)
    dated, more = queue.assign(dated, ctx)
    diagnostics.extend(more)
    dated, more = pools.fill(dated, ctx)
    diagnostics.extend(more)
    templates |= {e.id for e in entries if e.id and (e.queue or e.evergreen)}
    return Expansion(dated, diagnostics, frozenset(templates))
