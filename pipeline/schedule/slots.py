"""Posting slots (`slots:` in pipeline.yaml) as instants, and which of them are taken.

A slot set names local times of day per weekday in one zone, so a slot keeps its wall time
across DST: a local time in a gap does not exist that day and is skipped; one in a fold is the
first of the two, as `pipeline.times.resolve` reads every calendar time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from pipeline import times
from pipeline.config import SlotSet
from pipeline.ledger.records import WAITING_STATUSES
from pipeline.model import Entry, LedgerPost

#: One account on one platform: a slot is free or taken per pair.
Lane = tuple[str, str]  # (account, platform)


def instants(slot_set: SlotSet, start: datetime, end: datetime) -> Iterator[datetime]:
    """The slot set's instants (UTC) in [start, end), earliest first."""
    tz = times.zone(slot_set.timezone)
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        for moment in slot_set.days[day.weekday()]:
            utc = times.resolve(datetime.combine(day, moment), slot_set.timezone).utc
            if utc is not None and start <= utc < end:
                yield utc
        day += timedelta(days=1)


def is_slot(slot_set: SlotSet, instant: datetime) -> bool:
    """Whether `instant` is one of the set's slots (the first of a fold, never the second)."""
    local = instant.astimezone(times.zone(slot_set.timezone)).replace(tzinfo=None)
    if local.time() not in slot_set.days[local.weekday()]:
        return False
    return times.resolve(local, slot_set.timezone).utc == instant.astimezone(UTC)


def describe(entry: Entry, slot_set: SlotSet | None = None) -> str:
    """How the plan names a queue or pool post's slot: "slot weekdays Tue 08:30 Europe/Berlin",
    with "pool tips r3, " before it for a pool repeat; "" for other posts."""
    if entry.queue is None or entry.at_utc is None:
        return ""
    tz = slot_set.timezone if slot_set else entry.tz or "UTC"
    local = entry.at_utc.astimezone(times.zone(tz))
    text = f"slot {entry.queue} {local:%a %H:%M} {tz}"
    if entry.evergreen is not None and entry.occurrence:
        text = f"pool {entry.evergreen.pool} {entry.occurrence}, {text}"
    return text


#: Ledger statuses of a post that holds its time at the service: waiting, gone out (published,
#: processing: `plan.diff.GONE_OUT`), or sent with no answer yet (unknown).
HOLDING = WAITING_STATUSES | {"published", "processing", "unknown"}


def taken(
    entries: Iterable[Entry], recorded: Mapping[str, LedgerPost], now: datetime
) -> dict[Lane, set[datetime]]:
    """Instants already taken per account and platform: every dated entry, and every recorded
    post still holding a future time whose time the calendar does not decide: a pool repeat
    (kept where it is) or an orphan (the service holds it until `--prune`). Entries with
    `queue` and no time yet take nothing: the queue places them."""
    found: dict[Lane, set[datetime]] = defaultdict(set)
    ids: set[str] = set()
    series: set[str] = set()
    for e in entries:
        if e.id:
            ids.add(e.id)
        if e.series and e.evergreen is None:
            series.add(e.series)  # its recorded occurrences are produced or cancelled
        if e.at_utc is None:
            continue
        for p in e.platforms:
            found[(e.accounts.get(p, ""), p)].add(e.at_utc)
    for rec in recorded.values():
        at = rec.scheduled_for
        if at is None or at <= now or rec.status not in HOLDING:
            continue
        if rec.entry_id is not None and (
            rec.entry_id in ids or rec.entry_id.partition("@")[0] in series
        ):
            continue
        found[(rec.account, rec.platform)].add(at)
    return found
