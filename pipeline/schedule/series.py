"""Recurring posts: a `repeat:` RRULE (RFC 5545, expanded by python-dateutil) -> occurrences.

Skeleton: the issue-14 series work fills this in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pipeline.model import Diagnostic, Entry


def expand_series(
    entries: Sequence[Entry], now: datetime
) -> tuple[list[Entry], list[Diagnostic], set[str]]:
    """(dated entries with each series replaced by its occurrences, diagnostics, series ids)."""
    return (
        [e for e in entries if e.repeat is None],
        [],
        {e.id for e in entries if e.repeat and e.id},
    )
