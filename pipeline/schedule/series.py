"""Recurring posts: a `repeat:` RRULE (RFC 5545, expanded by python-dateutil) -> occurrences.

The rule runs in local wall time (its start is the `at` the user wrote, without a zone), and
each occurrence is then placed in the post's zone by `times.resolve`, exactly as a single post
is: a weekly 09:00 stays 09:00 across daylight saving, and an occurrence in a DST gap or fold
gets the same `dst` flag, so the same rules (E406, W101) speak about it.

Rolling horizon: an occurrence is produced when it can still be scheduled (more than
SCHEDULE_NOW_WITHIN_S ahead, at most MAX_AHEAD_DAYS ahead), or when the ledger holds it (then
it stays in the plan as locked or unchanged, with only the platforms the ledger has, instead of
looking removed). Past occurrences the ledger never saw are history, not errors: not produced.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from pipeline import times
from pipeline.calendar.recurrence import MAX_OCCURRENCES, RuleProblem, build_rule
from pipeline.model import (
    MAX_AHEAD_DAYS,
    SCHEDULE_NOW_WITHIN_S,
    Diagnostic,
    Entry,
    LedgerPost,
    Recurrence,
    series_of,
)
from pipeline.rules.codes import make

if TYPE_CHECKING:
    from pipeline.schedule import ScheduleContext

#: Ledger statuses of an occurrence that is history to keep (not deferred, not cancelled).
_KEPT = frozenset({"scheduled", "queued", "published", "processing", "failed", "unknown"})


def occurrence_name(day: date, nth: int) -> str:
    """`2027-01-05`, and `2027-01-05.2` for the second occurrence on that local date."""
    return day.isoformat() if nth == 1 else f"{day.isoformat()}.{nth}"


def recorded_occurrences(
    recorded: Mapping[str, LedgerPost],
) -> dict[str, dict[str, set[str]]]:
    """series id -> occurrence -> platforms the ledger holds (sent, waiting or in doubt)."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for ident, post in recorded.items():
        series = series_of(ident)
        if series is None or post.status not in _KEPT:
            continue
        entry_id = ident.rsplit("/", 1)[0]
        found[series][entry_id.split("@", 1)[1]].add(post.platform)
    return found


def expand_series(
    entries: Sequence[Entry], ctx: ScheduleContext
) -> tuple[list[Entry], list[Diagnostic], set[str]]:
    """(dated entries with each series replaced by its occurrences, diagnostics, ids of the
    series that expanded). A series whose rule cannot be used (the schema said why) makes no
    occurrences and is not listed, so what the ledger holds of it is never cancelled for it."""
    recorded = recorded_occurrences(ctx.recorded)
    dated: list[Entry] = []
    diagnostics: list[Diagnostic] = []
    templates: set[str] = set()
    for entry in entries:
        if entry.repeat is None:
            dated.append(entry)
            continue
        if not entry.id or entry.at_local is None or entry.tz is None:
            continue  # reported by the schema (no id, no time, no zone)
        made = occurrences(entry, ctx.now, recorded.get(entry.id, {}), diagnostics)
        if made is not None:
            templates.add(entry.id)
            dated.extend(made)
    return dated, diagnostics, templates


def occurrences(
    template: Entry,
    now: datetime,
    recorded: Mapping[str, set[str]],
    diagnostics: list[Diagnostic],
) -> list[Entry] | None:
    """The template's occurrences within the horizon, plus those the ledger holds; None when
    the rule cannot be used."""
    rec, tz, start = template.repeat, template.tz, template.at_local
    assert rec is not None and tz is not None and start is not None and template.id
    if not rec.usable:
        return None  # the schema reported why
    try:
        rule = build_rule(rec.rule, start, rec.until, rec.count)
    except RuleProblem:
        return None
    zone = times.zone(tz)
    earliest = now + timedelta(seconds=SCHEDULE_NOW_WITHIN_S)
    latest = now + timedelta(days=MAX_AHEAD_DAYS)
    # Wall-time bounds a day wider than the instants: no offset is more than a day.
    low = now.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    high = latest.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    skip = frozenset(rec.skip)
    per_day: Counter[date] = Counter()
    made: list[Entry] = []
    for local in rule:
        if local > high:
            break
        day = local.date()
        per_day[day] += 1
        name = occurrence_name(day, per_day[day])
        if day in skip:
            continue
        held = recorded.get(name)
        if local < low and not held:
            continue
        change = rec.overrides.get(day, {})
        at = _moved(local, change.get("at"))
        resolved = times.resolve(at, tz)
        instant = resolved.utc or at.replace(tzinfo=zone).astimezone(UTC)
        platforms = template.platforms
        if not earliest < instant <= latest:
            if not held:
                continue
            # History: only what the ledger has (a platform added later is not sent late).
            platforms = tuple(p for p in template.platforms if p in held)
        made.append(
            dataclasses.replace(
                template,
                id=f"{template.id}@{name}",
                series=template.id,
                occurrence=name,
                platforms=platforms,
                at_local=at,
                at_utc=resolved.utc,
                dst=resolved.dst,
                repeat=None,
                **_content(template, change),
            )
        )
        if len(made) > MAX_OCCURRENCES:
            diagnostics.append(
                _diag(
                    "E166",
                    template,
                    rec,
                    "repeat",
                    f"{template.id} repeats more than {MAX_OCCURRENCES:,} times within the "
                    f"{MAX_AHEAD_DAYS} days the API schedules ahead",
                    "repeat less often: the API holds 500 waiting posts per account",
                )
            )
            return None
    diagnostics.extend(_unused_dates(template, rec, rule, per_day, high))
    return made


def _moved(local: datetime, at: Any) -> datetime:
    """An occurrence's wall time after its override's `at` (a time of day, or a local date and
    time that moves it; its identity stays its own date)."""
    if isinstance(at, datetime):
        return at
    if isinstance(at, time):
        return datetime.combine(local.date(), at)
    return local


def _content(template: Entry, change: Mapping[str, Any]) -> dict[str, Any]:
    """The Entry fields an override changes. Its `text` replaces the per-platform captions
    too (it is that day's post), unless it gives captions of its own."""
    fields: dict[str, Any] = {k: change[k] for k in ("text", "title", "media") if k in change}
    if "text" in change or "captions" in change:
        base = {} if "text" in change else dict(template.captions)
        fields["captions"] = {**base, **change.get("captions", {})}
    return fields


def _unused_dates(
    template: Entry, rec: Recurrence, rule: Any, seen: Counter[date], high: datetime
) -> list[Diagnostic]:
    """W160 for each skip or override date the rule never produces (likely a typo)."""
    found = []
    for day, what in [(d, "skip") for d in rec.skip] + [(d, "override") for d in rec.overrides]:
        if day in seen:
            continue
        if day > high.date():
            first = datetime.combine(day, time.min)
            if rule.between(first, datetime.combine(day, time.max), inc=True):
                continue
        found.append(
            _diag(
                "W160",
                template,
                rec,
                "skip" if what == "skip" else "overrides",
                f"the {what} for {day.isoformat()} matches no occurrence of {template.id}: "
                "the rule never posts on that date",
                "check the date against the rule; it has no effect as written",
            )
        )
    return found


def _diag(
    code: str, template: Entry, rec: Recurrence, key: str, message: str, hint: str
) -> Diagnostic:
    """A diagnostic about the series, at the line of the field it is about."""
    line = rec.field_lines.get(key, rec.line)
    return make(code, template.source.file, line, message, hint=hint, entry=template.id)
