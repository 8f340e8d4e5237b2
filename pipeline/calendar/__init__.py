"""Load calendars: paths -> entries (with file and line) and diagnostics.

This is the only part of the calendar package that touches the file system; the format readers
and the schema work on text and values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.calendar.csv_fast import read_csv_data, read_csv_piece, read_csv_table
from pipeline.calendar.csv_source import Piece, read_csv
from pipeline.calendar.raw import RawCalendar, RawRecord
from pipeline.calendar.schema import Defaults, SchemaContext, build_entry, prepare_defaults
from pipeline.calendar.yaml_source import read_yaml
from pipeline.fileaccess import MAX_FOLDER_DEPTH, FileRefused, Walk, read_bytes, walk
from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make
from pipeline.textsafe import shorten

CALENDAR_SUFFIXES = (".yaml", ".yml", ".csv")
CONFIG_NAMES = ("pipeline.yaml", "pipeline.yml")
MAX_YAML_BYTES = 64 * 1024 * 1024
MAX_CSV_BYTES = 1024 * 1024 * 1024
#: CSV files this large are cut in pieces, one per process, when `read_calendars` is asked to
#: (about 8,000 rows: below that a second process costs more than it saves).
PIECE_MIN_BYTES = 2_000_000


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


def discover(paths: Iterable[str], walked: Walk | None = None) -> list[str]:
    """Calendar files under the given paths, in a stable order; directories are walked (at most
    fileaccess.MAX_FOLDER_DEPTH deep: folders beyond are noted in `walked.too_deep`)."""
    walked = walked if walked is not None else Walk()
    found: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            raise MissingPath(path)
        if not os.path.isdir(path):
            found.append(os.path.abspath(path))  # a FIFO or device too: reading refuses it
            continue
        start = len(walked.files)
        # Hidden folders, and ledgers (their CSV views are not calendars), are skipped.
        walk(
            path,
            lambda root, d: (
                not d.startswith(".") and not os.path.exists(os.path.join(root, d, "events.jsonl"))
            ),
            walked,
        )
        for file in walked.files[start:]:
            name = os.path.basename(file)
            if name.lower().endswith(CALENDAR_SUFFIXES) and name not in CONFIG_NAMES:
                found.append(os.path.abspath(file))
    unique = dict.fromkeys(found)
    return list(unique)


def read_text(
    path: str, shown: str, root: str | None = None
) -> tuple[str | None, Diagnostic | None]:
    """A calendar file's text, or why it cannot be used. Files are read only through
    `fileaccess.read_bytes`: regular files, at most the size limit, symlinks kept in `root`."""
    data, problem = _read_data(path, shown, root)
    if data is None:
        return None, problem
    return _decode(data, shown)


def _decode(data: bytes, shown: str) -> tuple[str | None, Diagnostic | None]:
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


def _read_data(path: str, shown: str, root: str | None) -> tuple[bytes | None, Diagnostic | None]:
    """`read_text`'s bytes, before decoding (a piece of a large CSV file is decoded alone)."""
    csv = path.lower().endswith(".csv")
    try:
        data = read_bytes(
            path,
            limit=MAX_CSV_BYTES if csv else MAX_YAML_BYTES,
            root=root,
            what="CSV" if csv else "YAML",
        )
    except FileRefused as refused:
        return None, make(refused.code, shown, 0, refused.message, hint=refused.hint)
    bom = next((name for mark, name in _UNICODE_BOMS if data.startswith(mark)), None)
    if bom is None and _looks_utf16(data[:512]):
        bom = "UTF-16"
    if bom is not None:
        return None, make(
            "E100",
            shown,
            0,
            f'this is {bom} text (what Excel saves as "Unicode Text"), not UTF-8',
            hint="save or export the file as UTF-8 ('CSV UTF-8' in spreadsheets)",
        )
    if b"\x00" in data[:8192]:
        return None, make(
            "E100",
            shown,
            0,
            "this is a binary file, not a text calendar",
            hint="calendars are UTF-8 YAML or CSV text",
        )
    return data, None


#: Byte-order marks of the encodings spreadsheets save "Unicode text" in (UTF-32 first: its
#: little-endian mark starts with UTF-16's).
_UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII text with a NUL in every other byte."""
    if len(head) < 8:
        return False
    halves = (head[0::2], head[1::2])
    return any(h.count(0) == len(h) for h in halves) and not all(h.count(0) for h in halves)


def read_calendar(
    path: str, root: str | None = None, *, columns: bool = False, piece: Piece | None = None
) -> RawCalendar:
    """`columns`: a CSV file of the common shape comes back as a `csv_fast.CsvTable`.
    `piece` (with `columns`): a large one as the first piece of its rows, if it can be cut."""
    shown = display_path(path)
    directory = os.path.dirname(path)
    csv = path.lower().endswith(".csv")
    data, problem = _read_data(path, shown, root)
    if data is not None and columns and csv:
        if piece is not None and _large(path):
            table = read_csv_piece(shown, directory, data, piece)
            if table is not None:
                return table
        read = read_csv_data(shown, directory, data)
        if read is not None:
            return read
        columns = False  # not UTF-8 (said below, with its line), or not a table: the rows
    text = None
    if data is not None:
        text, problem = _decode(data, shown)
    if problem is not None or text is None:
        return RawCalendar(shown, directory, [], diagnostics=[problem] if problem else [])
    if csv:
        return (read_csv_table if columns else read_csv)(shown, directory, text)
    return read_yaml(shown, directory, text)


def _large(path: str) -> bool:
    try:
        return os.stat(path).st_size >= PIECE_MIN_BYTES
    except OSError:
        return False


def has_large_csv(paths: Iterable[str]) -> bool:
    """Whether any calendar under `paths` is a CSV file that `read_calendars` may cut."""
    return any(p.lower().endswith(".csv") and _large(p) for p in discover(paths))


@dataclass(frozen=True, slots=True)
class ReadCalendars:
    """Every calendar file read and parsed, with its defaults checked, before any entry is built."""

    files: list[str]
    calendars: list[tuple[RawCalendar, Defaults]]
    diagnostics: list[Diagnostic]

    def records(self) -> list[tuple[RawCalendar, Defaults, RawRecord]]:
        return [(c, d, r) for c, d in self.calendars for r in c.records]


def read_calendars(
    paths: Iterable[str], ctx: SchemaContext, *, columns: bool = False, piece: Piece | None = None
) -> ReadCalendars:
    """`piece` (with `columns`): large CSV files of the common shape are read as that piece of
    their rows (`CsvTable.piece`). The first piece comes with every other file, read whole; a
    later one alone, with only its rows' diagnostics (the first piece has the file's)."""
    if piece is not None and piece.index > 0:
        return _later_pieces(paths, ctx, piece)
    walked = Walk()
    files = discover(paths, walked)
    project, diagnostics = prepare_defaults(
        ctx.defaults,
        Defaults(timezone=ctx.timezone),
        file=ctx.config_file,
        line=0,
        date_format=ctx.date_format,
    )
    for folder in walked.too_deep:
        diagnostics.append(
            make(
                "E122",
                display_path(folder),
                0,
                f"folders more than {MAX_FOLDER_DEPTH} levels below the path given are not "
                "searched for calendars",
                hint="keep calendars in a shallower folder, or name that folder itself",
            )
        )
    calendars = []
    for path in files:
        calendar = read_calendar(path, ctx.project_root, columns=columns, piece=piece)
        diagnostics.extend(calendar.diagnostics)
        defaults, problems = prepare_defaults(
            calendar.defaults,
            project,
            file=calendar.file,
            line=calendar.defaults_line,
            date_format=calendar.date_format,
        )
        diagnostics.extend(problems)
        calendars.append((calendar, defaults))
    return ReadCalendars([display_path(f) for f in files], calendars, diagnostics)


def _later_pieces(paths: Iterable[str], ctx: SchemaContext, piece: Piece) -> ReadCalendars:
    """A later piece of each large CSV file that is cut and reads as a table, with its file's
    defaults (for a file missing here, the caller reads the whole file in one piece)."""
    project, _ = prepare_defaults(
        ctx.defaults, Defaults(timezone=ctx.timezone), file="", line=0, date_format=ctx.date_format
    )
    files, diagnostics = [], []
    calendars: list[tuple[RawCalendar, Defaults]] = []
    for path in discover(paths):
        if not (path.lower().endswith(".csv") and _large(path)):
            continue
        shown = display_path(path)
        data, _ = _read_data(path, shown, ctx.project_root)
        read = None if data is None else read_csv_piece(shown, os.path.dirname(path), data, piece)
        if read is None:  # not cut (the first piece reads it whole), or not read as a table
            continue
        defaults, _ = prepare_defaults(
            read.defaults, project, file=shown, line=0, date_format=read.date_format
        )
        files.append(shown)
        calendars.append((read, defaults))
        diagnostics.extend(read.diagnostics)
    return ReadCalendars(files, calendars, diagnostics)


def build_entries(
    items: Iterable[tuple[RawCalendar, Defaults, RawRecord]], project_root: str
) -> tuple[list[Entry], list[Diagnostic]]:
    """Entries for any slice of the records, in order (ids are checked across slices later)."""
    entries: list[Entry] = []
    diagnostics: list[Diagnostic] = []
    for calendar, defaults, record in items:
        entry, problems = build_entry(record, defaults, calendar.directory, project_root)
        diagnostics.extend(problems)
        if entry is not None:
            entries.append(entry)
    return entries, diagnostics


def duplicate_ids(entries: Iterable[tuple[str | None, str, int]]) -> list[Diagnostic]:
    """E106 for every (id, file, line) whose id was used before, in calendar order."""
    first_seen: dict[str, str] = {}
    found = []
    for entry_id, file, line in entries:
        if entry_id is None:
            continue
        if entry_id in first_seen:
            found.append(
                make(
                    "E106",
                    file,
                    line,
                    f"id {shorten(entry_id)} is already used at {first_seen[entry_id]}",
                    hint="ids identify posts across runs; give each post its own",
                    entry=entry_id,
                )
            )
        else:
            first_seen[entry_id] = f"{file}:{line}"
    return found


def load_calendars(paths: Iterable[str], ctx: SchemaContext) -> LoadResult:
    """Every calendar under `paths` -> entries; ids must be unique across all of them (a
    second use of an id is reported and that entry left out)."""
    read = read_calendars(paths, ctx)
    entries, problems = build_entries(read.records(), ctx.project_root)
    duplicates = duplicate_ids((e.id, e.source.file, e.source.line) for e in entries)
    dropped = {(d.file, d.line) for d in duplicates}
    kept = [e for e in entries if (e.source.file, e.source.line) not in dropped]
    return LoadResult(kept, [*read.diagnostics, *problems, *duplicates], read.files)
