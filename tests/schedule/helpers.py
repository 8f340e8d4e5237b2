"""Entries, slot sets and ledger records for the schedule stage's tests, as plain values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

from pipeline.config import PoolSettings, ProjectConfig, SlotSet
from pipeline.model import Entry, Evergreen, LedgerPost, SourceRef, identity
from pipeline.schedule import Expansion, ScheduleContext, expand

WEEKDAYS = SlotSet(
    "weekdays",
    "Europe/Berlin",
    tuple((time(8, 30), time(17, 0)) if d < 5 else () for d in range(7)),
)


def queued(
    name: str,
    line: int = 1,
    *,
    platforms: tuple[str, ...] = ("x",),
    account: str = "@a",
    priority: str | None = None,
    evergreen: Evergreen | None = None,
    queue: str = "weekdays",
) -> Entry:
    return Entry(
        source=SourceRef("cal.yaml", line),
        id=name,
        platforms=platforms,
        accounts={p: account for p in platforms},
        text=f"text of {name}",
        queue=queue,
        priority=priority,
        evergreen=evergreen,
    )


def dated(name: str, at: datetime, *, platforms: tuple[str, ...] = ("x",)) -> Entry:
    return Entry(
        source=SourceRef("cal.yaml", 900),
        id=name,
        platforms=platforms,
        accounts={p: "@a" for p in platforms},
        text=name,
        at_utc=at,
        tz="UTC",
    )


def context(
    now: datetime,
    recorded: Mapping[str, LedgerPost] | None = None,
    *,
    slots: Mapping[str, SlotSet] | None = None,
    pools: Mapping[str, PoolSettings] | None = None,
    figures: Mapping[str, float] | None = None,
    **config: object,
) -> ScheduleContext:
    project = ProjectConfig(
        root="project",
        slots=dict(slots or {"weekdays": WEEKDAYS}),
        pools=dict(pools or {}),
        **config,  # type: ignore[arg-type]
    )
    return ScheduleContext(now=now, config=project, recorded=recorded or {}, figures=figures or {})


def record(entries: Iterable[Entry], status: str = "scheduled") -> dict[str, LedgerPost]:
    """The ledger a publish run of these dated entries would leave."""
    found = {}
    for e in entries:
        for p in e.platforms:
            ident = identity(e, p)
            found[ident] = LedgerPost(
                identity=ident,
                entry_id=e.id,
                source=str(e.source),
                platform=p,
                account=e.accounts.get(p, ""),
                scheduled_for=e.at_utc,
                status=status,  # type: ignore[arg-type]
                fingerprint="f",
            )
    return found


def times_by_identity(expansion: Expansion) -> dict[str, datetime]:
    return {identity(e, p): e.at_utc for e in expansion.entries if e.at_utc for p in e.platforms}


def run(entries: list[Entry], ctx: ScheduleContext) -> Expansion:
    return expand(entries, ctx)


def day(text: str) -> date:
    return date.fromisoformat(text)
