"""What a calendar source hands to the schema: untyped fields with the lines they came from.

YAML and CSV differ in syntax only; both become `RawRecord`s so one schema (`schema.py`) turns
them into entries and every diagnostic is worded the same whatever the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.model import Diagnostic

#: A string longer than this is far beyond every platform's limit; it is reported and dropped.
MAX_FIELD_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class RawRecord:
    file: str  # as shown to the user (relative to where the command ran, when possible)
    line: int
    fields: dict[str, Any]
    field_lines: dict[str, int] = field(default_factory=dict)
    from_text: bool = False  # CSV: every value is text and may be coerced


@dataclass(frozen=True, slots=True)
class RawCalendar:
    """One file's records, its `defaults:` and `date_format`, and problems found reading it."""

    file: str
    directory: str  # absolute directory of the file: media paths are relative to it
    records: list[RawRecord]
    defaults: dict[str, Any] = field(default_factory=dict)
    defaults_line: int = 0
    date_format: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
