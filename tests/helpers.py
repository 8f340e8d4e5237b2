"""Shared helpers for calendar, rules and CLI tests: write files, validate, compare findings."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from pipeline.config import load_config

if TYPE_CHECKING:
    from pipeline.model import Entry
    from pipeline.validate.check import ValidationResult

#: Tests pretend it is this time, so calendars in December 2026 stay in the future forever.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent
SAMPLE_MEDIA = REPO / "demo" / "schedules" / "media"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def image(path: Path, size: tuple[int, int] = (1080, 1080), fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 80, 40)).save(path, fmt)
    return path


def check(
    root: Path,
    files: dict[str, str | bytes] | None = None,
    *,
    now: datetime = NOW,
    paths: list[str] | None = None,
) -> ValidationResult:
    """Write `files` under `root` (made a git work tree) and validate it."""
    from pipeline.validate.check import validate

    (root / ".git").mkdir(parents=True, exist_ok=True)
    if files:
        write(root, files)
    targets = paths or [str(root)]
    return validate(targets, load_config(targets[0]), now)


def wall(entry: Entry) -> datetime:
    """An entry's wall time, known to be there (for typed tests)."""
    assert entry.at_local is not None
    return entry.at_local


def utc(entry: Entry) -> datetime:
    """An entry's instant, known to be there (for typed tests)."""
    assert entry.at_utc is not None
    return entry.at_utc


def found(result: ValidationResult) -> set[tuple[str, int]]:
    """(code, line) of every diagnostic: what the tests assert (wording may change)."""
    return {(d.code, d.line) for d in result.diagnostics}


def codes(result: ValidationResult) -> set[str]:
    return {d.code for d in result.diagnostics}
