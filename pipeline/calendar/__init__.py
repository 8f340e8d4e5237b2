"""Load calendars: paths -> entries (with file and line) and diagnostics.

This is the only part of the calendar package that touches the file system; the format readers
and the schema work on text and values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.calendar.csv_source import read_csv
from pipeline.calendar.raw import RawCalendar
from pipeline.calendar.schema import Defaults, SchemaContext, build_entry, prepare_defaults
from pipeline.calendar.yaml_source import read_yaml
from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make

CALENDAR_SUFFIXES = (".yaml", ".yml", ".csv")
CONFIG_NAMES = ("pipeline.yaml", "pipeline.yml")
MAX_YAML_BYTES = 64 * 1024 * 1024
MAX_CSV_BYTES = 1024 * 1024 * 1024


class MissingPath(Exception):
    """A path given on the command line does not exist (a usage error, exit code 2)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    entries: list[Entry]
    diagnostics: list[Diagnostic]
    files: list[str] = field(default_factory=list)


def display_path(path: str) -> str:
    """Paths in messages are relative to the working directory when they are below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def discover(paths: Iterable[str]) -> list[str]:
    """Calendar files under the given paths, in a stable order; directories are walked."""
    found: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            raise MissingPath(path)
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
            continue
        for root, dirs, files in os.walk(path):
            # Hidden folders, and ledgers (their CSV views are not calendars), are skipped.
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".")
                and not os.path.exists(os.path.join(root, d, "events.jsonl"))
            )
            for name in sorted(files):
                if name.lower().endswith(CALENDAR_SUFFIXES) and name not in CONFIG_NAMES:
                    found.append(os.path.abspath(os.path.join(root, name)))
    unique = dict.fromkeys(found)
    return list(unique)


def read_text(path: str, shown: str) -> tuple[str | None, Diagnostic | None]:
    """A calendar file's text, or why it cannot be used."""
    limit = MAX_CSV_BYTES if path.lower().endswith(".csv") else MAX_YAML_BYTES
    try:
        size = os.path.getsize(path)
        if size > limit:
            return None, make(
                "E100",
                shown,
                0,
                f"{size:,} bytes is more than this pipeline "
                f"reads from one {'CSV' if limit == MAX_CSV_BYTES else 'YAML'} "
                f"file ({limit:,})",
                hint="split the calendar into several files",
            )
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, make("E100", shown, 0, f"cannot read the file: {exc.strerror}")
    if b"\x00" in data[:8192]:
        return None, make(
            "E100",
            shown,
            0,
            "this is a binary file, not a text calendar",
            hint="calendars are UTF-8 YAML or CSV text",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, make(
            "E100",
            shown,
            line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="save or export the file as UTF-8 ('CSV UTF-8' in spreadsheets)",
        )


def read_calendar(path: str) -> RawCalendar:
    shown = display_path(path)
    directory = os.path.dirname(path)
    text, problem = read_text(path, shown)
    if problem is not None or text is None:
        return RawCalendar(shown, directory, [], diagnostics=[problem] if problem else [])
    if path.lower().endswith(".csv"):
        return read_csv(shown, directory, text)
    return read_yaml(shown, directory, text)


def load_calendars(paths: Iterable[str], ctx: SchemaContext) -> LoadResult:
    """Every calendar under `paths` -> entries; ids must be unique across all of them."""
    files = discover(paths)
    project, diagnostics = prepare_defaults(
        ctx.defaults,
        Defaults(timezone=ctx.timezone),
        file=ctx.config_file,
        line=0,
        date_format=ctx.date_format,
    )
    entries: list[Entry] = []
    first_seen: dict[str, str] = {}
    for path in files:
        calendar = read_calendar(path)
        diagnostics.extend(calendar.diagnostics)
        defaults, problems = prepare_defaults(
            calendar.defaults,
            project,
            file=calendar.file,
            line=calendar.defaults_line,
            date_format=calendar.date_format,
        )
        diagnostics.extend(problems)
        for record in calendar.records:
            entry, problems = build_entry(record, defaults, calendar.directory, ctx.project_root)
            diagnostics.extend(problems)
            if entry is None:
                continue
            if entry.id is not None:
                if entry.id in first_seen:
                    diagnostics.append(
                        make(
                            "E106",
                            entry.source.file,
                            entry.source.line,
                            f"id {entry.id!r} is already used at {first_seen[entry.id]}",
                            hint="ids identify posts across runs; give each post its own",
                            entry=entry.id,
                        )
                    )
                    continue
                first_seen[entry.id] = str(entry.source)
            entries.append(entry)
    return LoadResult(entries, diagnostics, [display_path(f) for f in files])
