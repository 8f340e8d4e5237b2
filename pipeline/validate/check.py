"""Validate calendars: load, probe each media file once, run the rules, sort the findings.

The one place that wires the pure rules to the file system; `pipeline validate`, `plan` and
`publish` all start here, so they can never disagree about what is valid.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.calendar import (
    ReadCalendars,
    build_entries,
    duplicate_ids,
    has_large_csv,
    read_calendars,
)
from pipeline.calendar.csv_fast import CsvTable, build_table
from pipeline.calendar.csv_source import Piece
from pipeline.calendar.raw import RawCalendar, RawRecord
from pipeline.calendar.schema import Defaults, SchemaContext, media_refs
from pipeline.config import ProjectConfig
from pipeline.model import Diagnostic, Entry, LedgerPost, MediaRef, identity
from pipeline.rules import check_each, forecast
from pipeline.rules.codes import make
from pipeline.rules.context import CheckContext, MediaFacts
from pipeline.rules.forecast import Outlook, Slot, entry_slots
from pipeline.schedule import LIVING_KEYS, ScheduleContext, expand
from pipeline.validate.columnar import Part, check_table, registry_known
from pipeline.validate.pieces import Child, Uncut, later_pieces, with_later
from pipeline.validate.probe import MediaProbe

#: The environment's media base URL (it overrides pipeline.yaml's: `make demo` sets it).
MEDIA_BASE_URL_VARIABLE = "PIPELINE_MEDIA_BASE_URL"

#: "Too late" codes that do not apply to posts the service already has.
_PAST_CODES = frozenset({"E403", "E404"})


@dataclass(frozen=True, slots=True)
class ValidationResult:
    entries: list[Entry]
    diagnostics: list[Diagnostic]
    files: list[str]
    config: ProjectConfig
    now: datetime
    media: dict[str, MediaFacts] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    entry_count: int | None = None  # set when `entries` was not kept (see `validate`)
    post_count: int | None = None
    #: Ids of the calendar's templates (series, queue and pool entries): see schedule.Expansion.
    templates: frozenset[str] = frozenset()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def invalid_entries(self) -> set[tuple[str, int]]:
        """(file, line) of entries with an error; publish skips or refuses these."""
        return {(d.file, d.line) for d in self.errors}

    def invalid(self) -> frozenset[tuple[str, int, str | None]]:
        """(file, line, entry) of every error, for `is_invalid`."""
        return frozenset((d.file, d.line, d.entry) for d in self.errors)

    def summary(self) -> dict[str, Any]:
        codes = Counter(d.code for d in self.diagnostics)
        return {
            "files": len(self.files),
            "entries": self.entry_count if self.entry_count is not None else len(self.entries),
            "posts": self.post_count
            if self.post_count is not None
            else sum(len(e.platforms) for e in self.entries),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "by_code": dict(sorted(codes.items())),
            "notes": list(self.notes),
        }


def is_invalid(entry: Entry, invalid: frozenset[tuple[str, int, str | None]]) -> bool:
    """Whether an error is about this entry: one at its line naming it, its series (an error in
    the template: every occurrence) or no entry; an error naming one occurrence (a DST gap, an
    override's text) leaves the series' other occurrences valid."""
    file, line = entry.source.file, entry.source.line
    return any((file, line, name) in invalid for name in {entry.id, entry.series, None})


#: Below this many entries a second process costs more than it saves.
PARALLEL_MIN_ENTRIES = 20_000

Item = tuple[RawCalendar, Defaults, RawRecord]


def _check_part(
    items: Sequence[Item],
    project_root: str,
    ctx: CheckContext,
    recorded: Mapping[str, LedgerPost] | None,
    schedule: ScheduleContext,
) -> tuple[list[Entry], Part]:
    templates, build = build_entries(items, project_root)
    expansion = expand(templates, schedule)
    entries = expansion.entries
    part = Part(build=[*build, *expansion.diagnostics], checks=check_each(entries, ctx))
    part.templates = expansion.templates
    # Duplicates are of what the user wrote; posts checked are what the rules saw (each
    # occurrence of a series on each of its platforms).
    made = Counter((e.source.file, e.source.line) for e in entries for _ in e.platforms)
    for e in templates:
        checked = made[e.source.file, e.source.line] if _is_template(e) else len(e.platforms)
        part.keys.append((e.id, e.source.file, e.source.line, checked))
    for e in entries:
        part.slots.extend(entry_slots(e, ctx.now))
        if recorded and _already_sent(e, recorded):
            part.sent.add((e.source.file, e.source.line))
    _foresee(part, ctx)
    return entries, part


def _foresee(part: Part, ctx: CheckContext) -> None:
    """A part's slots summed up, in whichever process checked it (outlooks add up)."""
    part.outlook = Outlook.of(part.slots, ctx)


def _is_template(entry: Entry) -> bool:
    return any(getattr(entry, key) for key in LIVING_KEYS)


_FORKED: (
    tuple[Sequence[Item], str, CheckContext, Mapping[str, LedgerPost] | None, ScheduleContext]
    | None
) = None


def _check_forked_half() -> Part:
    assert _FORKED is not None  # set by the parent just before the fork
    items, root, ctx, recorded, schedule = _FORKED
    return _check_part(items[len(items) // 2 :], root, ctx, recorded, schedule)[1]


def _check_in_two_processes(
    items: Sequence[Item],
    root: str,
    ctx: CheckContext,
    recorded: Mapping[str, LedgerPost] | None,
    schedule: ScheduleContext,
) -> list[Part]:
    """The first half here, the second in a forked child that inherits the records and sends
    back only plain values; the entries themselves are not kept (see `keep_entries`)."""
    global _FORKED
    _FORKED = (items, root, ctx, recorded, schedule)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            theirs = pool.apply_async(_check_forked_half)
            mine = _check_part(items[: len(items) // 2], root, ctx, recorded, schedule)[1]
            return [mine, theirs.get()]
    finally:
        _FORKED = None


def _probe_records(
    items: Sequence[Item],
    root: str,
    probe: MediaProbe,
    facts: dict[str, MediaFacts] | None = None,
) -> dict[str, MediaFacts]:
    """Each distinct local file the records name, inspected once, before the slices split."""
    facts = {} if facts is None else facts
    for calendar, _, record in items:
        for raw in (record.fields.get("media"), *_override_media(record)):
            if raw is None or isinstance(raw, dict | bool):
                continue
            try:
                refs, _ = media_refs(
                    tuple(raw) if isinstance(raw, list) else raw, calendar.directory, root
                )
            except TypeError:
                continue
            _probe_files(refs, probe, facts)
    return facts


def _probe_files(refs: Iterable[MediaRef], probe: MediaProbe, facts: dict[str, MediaFacts]) -> None:
    """Each local file among `refs` not yet in `facts`, inspected once (rows and columns)."""
    for ref in refs:
        if ref.kind == "file" and ref.path and ref.key not in facts:
            facts[ref.key] = probe.probe(ref.path)


def _override_media(record: RawRecord) -> list[Any]:
    """The media a series' overrides name (a CSV cell holds them as JSON)."""
    overrides = record.fields.get("overrides")
    if isinstance(overrides, str) and record.from_text:
        with contextlib.suppress(ValueError):
            overrides = json.loads(overrides)
    if not isinstance(overrides, dict):
        return []
    return [o.get("media") for o in overrides.values() if isinstance(o, dict)]


def _unserved_media(media: Mapping[str, MediaFacts], config: ProjectConfig) -> list[Diagnostic]:
    """W150 once, on pipeline.yaml, when calendars name local files and nothing takes them to
    the API: no media_store, no media_base_url (nor PIPELINE_MEDIA_BASE_URL). Their posts
    would be held back at publish time; this says so before."""
    served = config.media_store or config.media_base_url or os.environ.get(MEDIA_BASE_URL_VARIABLE)
    if not media or served:
        return []
    shown = sorted(os.path.relpath(path, config.root) for path in media)
    more = f" and {len(shown) - 1} more" if len(shown) > 1 else ""
    return [
        make(
            "W150",
            os.path.relpath(config.path) if config.path else "pipeline.yaml",
            1 if config.path else 0,
            f"local media ({shown[0]}{more}) but no media_store or media_base_url: "
            "the API cannot fetch them, so their posts will be held back",
            hint='add media_store: {url: s3://bucket/prefix/} (README, "Media from a bucket")',
        )
    ]


#: `PIPELINE_VALIDATE_PATH=rows`: CSV calendars checked row by row, as before the columnar
#: path (kept so that tests and bench/validate.py can compare the two).
PATH_VARIABLE = "PIPELINE_VALIDATE_PATH"


def _columns_wanted(path: str | None) -> bool:
    chosen = path or os.environ.get(PATH_VARIABLE) or "columns"
    return chosen != "rows" and registry_known()


def _check_columns(
    read: ReadCalendars,
    config: ProjectConfig,
    now: datetime,
    probe: MediaProbe,
    recorded: Mapping[str, LedgerPost] | None,
    keep_entries: bool,
    schedule: ScheduleContext,
) -> tuple[list[Entry], list[Part], dict[str, MediaFacts], CheckContext]:
    """Every calendar in order: CSV tables by columns (csv_fast, columnar), others by rows."""
    root = config.root
    media: dict[str, MediaFacts] = {}
    work: list[tuple[Defaults, CsvTable | None, list[Item]]] = []
    for calendar, defaults in read.calendars:
        if isinstance(calendar, CsvTable):
            for cell in dict.fromkeys(calendar.column("media")):
                if cell is None:
                    continue
                _probe_files(media_refs(cell, calendar.directory, root)[0], probe, media)
            work.append((defaults, calendar, []))
        else:
            items = [(calendar, defaults, r) for r in calendar.records]
            _probe_records(items, root, probe, media)
            work.append((defaults, None, items))
    ctx = CheckContext(table=config.table(), now=now, media=media, plan=config.plan)
    sent = None if not recorded else (lambda e: _already_sent(e, recorded))
    entries: list[Entry] = []
    parts = []
    for defaults, table, items in work:
        if table is None:
            made, part = _check_part(items, root, ctx, recorded, schedule)
        else:
            made, part = check_table(
                build_table(table, defaults, root),
                defaults,
                root,
                ctx,
                already_sent=sent,
                keep_entries=keep_entries,
            )
        entries.extend(made)
        _foresee(part, ctx)
        parts.append(part)
    return entries, parts, media, ctx


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of small objects and no reference cycles; the
    cyclic collector's passes over them cost about a fifth of the time, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and not gc.get_freeze_count():
            # What was built meanwhile goes to the oldest generation (freeze, then unfreeze:
            # two list splices): else the first young pass after `enable` walks all of it,
            # ~0.1 s after a 100,000-row calendar. Full passes still collect it. (Skipped
            # if someone froze objects on purpose: unfreeze would undo that.)
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _already_sent(entry: Entry, recorded: Mapping[str, LedgerPost]) -> bool:
    """Every platform of this entry went to the service (a past time is then history, not an
    error: calendars keep their published posts)."""
    for platform in entry.platforms:
        rec = recorded.get(identity(entry, platform))
        if rec is None or rec.status == "deferred":
            return False
    return True


def _has_templates(read: ReadCalendars) -> bool:
    """Whether a calendar read by rows has a series, queue or pool entry (a CSV table read by
    columns has none: a column outside the common shape sends the file to the rows)."""
    return any(
        key in record.fields
        for calendar, _ in read.calendars
        if not isinstance(calendar, CsvTable)
        for record in calendar.records
        for key in LIVING_KEYS
    )


def _repeated(keys: list[tuple[str | None, str, int, int]]) -> bool:
    """Whether any id is used twice (a set answers for 100,000 ids at once)."""
    ids = [k[0] for k in keys if k[0] is not None]
    return len(set(ids)) < len(ids)


def _forecasts(
    parts: list[Part],
    dropped: set[tuple[str, int]],
    ctx: CheckContext,
    child: Child | None,
) -> list[Diagnostic]:
    """W401-W403 over every part's slots: from the parts' outlooks while they suffice; from
    all the slots, in order, when a post is over the allowance or a duplicate's slots must go
    (fetched then from the child that kept its own)."""

    def planned() -> list[Slot]:
        kept = child.kept_slots() if child is not None and any(p.kept for p in parts) else {}
        slots = [s for p in parts for s in (kept[p.kept] if p.kept else p.slots)]
        if dropped:
            slots = [s for s in slots if (s[1], s[2]) not in dropped]
        slots.sort(key=forecast.slot_order)
        return slots

    if dropped:
        everything = planned()
        return forecast.forecasts(Outlook.of(everything, ctx), ctx, lambda: everything)
    outlooks = [p.outlook or Outlook.of(p.slots, ctx) for p in parts]
    return forecast.forecasts(forecast.combined(outlooks, ctx), ctx, planned)


def validate(
    paths: Sequence[str],
    config: ProjectConfig,
    now: datetime,
    probe: MediaProbe | None = None,
    recorded: Mapping[str, LedgerPost] | None = None,
    *,
    figures: Mapping[str, float] | None = None,
    workers: int = 1,
    keep_entries: bool = True,
    path: str | None = None,
) -> ValidationResult:
    """`recorded`: the ledger's posts, when there is one; entries already sent may be past.
    `figures`: its recorded figures by identity (`ledger.views.figure_scores`), for pools.

    `workers` > 1 with `keep_entries=False` (`pipeline validate`, which only reports) checks a
    big calendar in two processes: the result then has the diagnostics and the counts but no
    entries. Forking is only for a process with no other threads, never inside the runner.

    `path` "rows" checks CSV calendars row by row; the default, "columns", takes CSV files of
    the common shape by columns (`validate.columnar`; without `keep_entries` it keeps no
    entries either, and with `workers` > 1 a large file is read and checked in two pieces,
    one per process: `calendar.PIECE_MIN_BYTES`). `PIPELINE_VALIDATE_PATH` sets it too."""
    try:
        return _validate(paths, config, now, probe, recorded, figures, workers, keep_entries, path)
    except Uncut:  # a later piece not read as a table, or its child gone: one process
        return _validate(paths, config, now, probe, recorded, figures, 1, keep_entries, path)


def _validate(
    paths: Sequence[str],
    config: ProjectConfig,
    now: datetime,
    probe: MediaProbe | None,
    recorded: Mapping[str, LedgerPost] | None,
    figures: Mapping[str, float] | None,
    workers: int,
    keep_entries: bool,
    path: str | None,
) -> ValidationResult:
    ctx = SchemaContext(
        project_root=config.root,
        timezone=config.timezone,
        date_format=config.date_format,
        defaults=config.defaults,
        config_file=os.path.relpath(config.path) if config.path else "pipeline.yaml",
    )
    probe = probe or MediaProbe()
    columns = _columns_wanted(path)
    pieces = (
        columns
        and not keep_entries
        and workers > 1
        and sys.platform == "linux"  # forking, as `_check_in_two_processes`
        and threading.active_count() == 1  # a fork copies no other thread, nor its locks
        and has_large_csv(paths)
    )
    with gc_paused():
        schedule = ScheduleContext(
            now=now, config=config, recorded=recorded or {}, figures=figures or {}
        )
        inherited = (_check_columns, paths, ctx, config, now, probe, recorded, schedule)
        with later_pieces(pieces, inherited) as child:
            read = read_calendars(paths, ctx, columns=columns, piece=Piece(0, 2) if child else None)
            if columns and _has_templates(read):
                # Queues and pools are assigned over every post of the project, as entries:
                # CSV tables read by columns are read again whole, as records.
                if child is not None:
                    child.close()
                    child = None
                if any(isinstance(calendar, CsvTable) for calendar, _ in read.calendars):
                    read = read_calendars(paths, ctx)
                columns = False
            entries: list[Entry] = []
            if columns:
                entries, parts, media, check_ctx = _check_columns(
                    read, config, now, probe, recorded, keep_entries, schedule
                )
                entries = entries if keep_entries else []
                if child is not None:
                    parts = with_later(read, parts, child.answer(), media)
            else:
                items = read.records()
                lean = (
                    not keep_entries
                    and workers > 1
                    and len(items) >= PARALLEL_MIN_ENTRIES
                    and sys.platform == "linux"
                    # Queues and pools are assigned over the whole calendar, not per half.
                    and not _has_templates(read)
                )
                media = _probe_records(items, config.root, probe)
                check_ctx = CheckContext(
                    table=config.table(), now=now, media=media, plan=config.plan
                )
                if lean:
                    parts = _check_in_two_processes(
                        items, config.root, check_ctx, recorded, schedule
                    )
                else:
                    entries, part = _check_part(items, config.root, check_ctx, recorded, schedule)
                    parts = [part]
            # One part (a single calendar, one process): its lists as they are, not copied.
            keys = parts[0].keys if len(parts) == 1 else [k for p in parts for k in p.keys]
            repeated = _repeated(keys)
            duplicates = duplicate_ids((k[0], k[1], k[2]) for k in keys) if repeated else []
            dropped = {(d.file, d.line) for d in duplicates}
            sent = set().union(*(p.sent for p in parts))
            diagnostics = [
                *config.diagnostics,
                *_unserved_media(media, config),
                *read.diagnostics,
                *(d for p in parts for d in p.build),
                *duplicates,
                *(d for p in parts for d in p.checks if (d.file, d.line) not in dropped),
                *_forecasts(parts, dropped, check_ctx, child),
            ]
        counted = [k for k in keys if (k[1], k[2]) not in dropped] if dropped else keys
        entry_count, post_count = len(counted), sum(k[3] for k in counted)
        templates = frozenset().union(*(p.templates for p in parts))
        # Freed here, while the collector is off: else its first pass walks them all.
        del parts, keys, counted
    if sent:
        diagnostics = [
            d for d in diagnostics if not (d.code in _PAST_CODES and (d.file, d.line) in sent)
        ]
    diagnostics.sort(key=Diagnostic.sort_key)
    notes = []
    if config.plan is None:
        notes.append(
            "plan allowance not checked: no plan: in pipeline.yaml "
            "(e.g. plan: {tier: beginner, daily: 20})"
        )
    kept = [e for e in entries if (e.source.file, e.source.line) not in dropped]
    return ValidationResult(
        kept,
        diagnostics,
        read.files,
        config,
        now,
        media,
        tuple(notes),
        entry_count=entry_count,
        post_count=post_count,
        templates=templates,
    )
