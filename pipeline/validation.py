"""Validate calendars: load, probe each media file once, run the rules, sort the findings.

The one place that wires the pure rules to the file system; `pipeline validate`, `plan` and
`publish` all start here, so they can never disagree about what is valid.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.calendar import LoadResult, load_calendars
from pipeline.calendar.schema import SchemaContext
from pipeline.config import ProjectConfig
from pipeline.media_probe import MediaProbe
from pipeline.model import Diagnostic, Entry, LedgerPost
from pipeline.plan import identity
from pipeline.rules import check_calendar, check_each
from pipeline.rules.context import CheckContext, MediaFacts

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

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def invalid_entries(self) -> set[tuple[str, int]]:
        """(file, line) of entries with an error; publish skips or refuses these."""
        return {(d.file, d.line) for d in self.errors}

    def summary(self) -> dict[str, Any]:
        codes = Counter(d.code for d in self.diagnostics)
        return {
            "files": len(self.files),
            "entries": len(self.entries),
            "posts": sum(len(e.platforms) for e in self.entries),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "by_code": dict(sorted(codes.items())),
            "notes": list(self.notes),
        }


#: Below this many entries a second process costs more than it saves.
PARALLEL_MIN_ENTRIES = 20_000
_FORKED: tuple[Sequence[Entry], CheckContext] | None = None


def _check_forked_half() -> list[Diagnostic]:
    assert _FORKED is not None  # set by the parent just before the fork
    entries, ctx = _FORKED
    return check_each(entries[len(entries) // 2 :], ctx)


def check_each_in_parallel(
    entries: Sequence[Entry], ctx: CheckContext, workers: int
) -> list[Diagnostic]:
    """Per-entry checks on two cores: a forked child takes the second half (it inherits the
    entries; only its diagnostics travel back), the parent the first. Same result as
    `check_each(entries, ctx)`, in the same order."""
    global _FORKED
    if workers < 2 or len(entries) < PARALLEL_MIN_ENTRIES or sys.platform != "linux":
        return check_each(entries, ctx)
    _FORKED = (entries, ctx)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            theirs = pool.apply_async(_check_forked_half)
            mine = check_each(entries[: len(entries) // 2], ctx)
            return [*mine, *theirs.get()]
    finally:
        _FORKED = None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of small objects and no reference cycles; the
    cyclic collector's passes over them cost about a fifth of the time, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def probe_media(entries: Sequence[Entry], probe: MediaProbe) -> dict[str, MediaFacts]:
    """Each distinct local file is inspected once, however many posts use it."""
    facts: dict[str, MediaFacts] = {}
    for entry in entries:
        for ref in entry.media:
            if ref.kind == "file" and ref.path and ref.key not in facts:
                facts[ref.key] = probe.probe(ref.path)
    return facts


def _already_sent(entry: Entry, recorded: Mapping[str, LedgerPost]) -> bool:
    """Every platform of this entry went to the service (a past time is then history, not an
    error: calendars keep their published posts)."""
    for platform in entry.platforms:
        rec = recorded.get(identity(entry, platform))
        if rec is None or rec.status == "deferred":
            return False
    return True


def validate(
    paths: Sequence[str],
    config: ProjectConfig,
    now: datetime,
    probe: MediaProbe | None = None,
    recorded: Mapping[str, LedgerPost] | None = None,
    *,
    workers: int = 1,
) -> ValidationResult:
    """`recorded`: the ledger's posts, when there is one; entries already sent may be past.
    `workers` > 1 checks big calendars in forked processes: only for a process with no other
    threads (the CLI's one-shot commands), never inside the runner."""
    ctx = SchemaContext(
        project_root=config.root,
        timezone=config.timezone,
        date_format=config.date_format,
        defaults=config.defaults,
        config_file=os.path.relpath(config.path) if config.path else "pipeline.yaml",
    )
    with gc_paused():
        loaded: LoadResult = load_calendars(paths, ctx)
        media = probe_media(loaded.entries, probe or MediaProbe())
        check_ctx = CheckContext(table=config.table(), now=now, media=media, plan=config.plan)
        diagnostics = [
            *config.diagnostics,
            *loaded.diagnostics,
            *check_each_in_parallel(loaded.entries, check_ctx, workers),
            *check_calendar(loaded.entries, check_ctx),
        ]
    if recorded:
        sent = {
            (e.source.file, e.source.line) for e in loaded.entries if _already_sent(e, recorded)
        }
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
    return ValidationResult(
        loaded.entries, diagnostics, loaded.files, config, now, media, tuple(notes)
    )
