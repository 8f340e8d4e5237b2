"""Validate calendars: load, probe each media file once, run the rules, sort the findings.

The one place that wires the pure rules to the file system; `pipeline validate`, `plan` and
`publish` all start here, so they can never disagree about what is valid.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.calendar import LoadResult, load_calendars
from pipeline.calendar.schema import SchemaContext
from pipeline.config import ProjectConfig
from pipeline.media_probe import MediaProbe
from pipeline.model import Diagnostic, Entry, LedgerPost
from pipeline.plan import identity
from pipeline.rules import check_entries
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
) -> ValidationResult:
    """`recorded`: the ledger's posts, when there is one; entries already sent may be past."""
    ctx = SchemaContext(
        project_root=config.root,
        timezone=config.timezone,
        date_format=config.date_format,
        defaults=config.defaults,
        config_file=os.path.relpath(config.path) if config.path else "pipeline.yaml",
    )
    loaded: LoadResult = load_calendars(paths, ctx)
    media = probe_media(loaded.entries, probe or MediaProbe())
    check_ctx = CheckContext(table=config.table(), now=now, media=media, plan=config.plan)
    diagnostics = [
        *config.diagnostics,
        *loaded.diagnostics,
        *check_entries(loaded.entries, check_ctx),
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
