"""CSV calendars of the common shape, read as columns: each distinct value is read once.

A 100,000-row calendar has a few hundred distinct platform lists, dates and times and media
cells; the schema's answer for a value (with its diagnostics) does not depend on the row, so
it is computed once per value and stamped with each row's line and id. Only files whose read
columns are all in `FAST_KEYS` come here, and any row this module does not fully understand
(a control character, an uneven row, nothing read) becomes a `RawRecord` for `build_entry`,
so both paths give the same entries and diagnostics (tests/calendar/test_csv_fast.py).
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline import times
from pipeline.calendar.csv_source import (
    Piece,
    _nest,
    _plan,
    begin_csv,
    cut,
    finish_csv,
    header_of,
    lines_of,
    piece_data,
    read_csv,
)
from pipeline.calendar.raw import RawCalendar, RawRecord
from pipeline.calendar.schema import (
    CONTROL,
    Defaults,
    _accounts,
    _Collector,
    _default_options,
    _media,
    _platforms,
    _when,
    control_in_bytes,
)
from pipeline.columns import encode
from pipeline.model import Diagnostic, Entry, MediaRef, SourceRef
from pipeline.rules.codes import make

#: The columns read here; any other read column (an option block, captions.x, a key the
#: schema learns later) sends the whole file through `read_csv` and `build_entry`.
FAST_KEYS = frozenset(
    {"id", "at", "date", "time", "timezone", "platforms", "platform", "account", "text"}
    | {"title", "media"}
)

#: A cell's value, or None for "" (`_BLANK.get(cell, cell)`).
_BLANK: dict[str, str | None] = {"": None}

#: (wall clock, zone, UTC instant, dst) as `schema._when` returns them.
When = tuple[Any, str | None, Any, Any]


@dataclass(frozen=True, slots=True)
class CsvTable(RawCalendar):
    """A CSV calendar as columns: `cells[key][i]` is row i's cell (None: blank), on `lines[i]`.

    `records` stays empty; rows left to the schema are in `slow`, by row index. `piece`: the
    rows are that piece of the file's (`read_csv_piece`), not all of them."""

    lines: list[int] = field(default_factory=list)
    cells: dict[str, list[str | None]] = field(default_factory=dict)
    slow: dict[int, RawRecord] = field(default_factory=dict)
    piece: Piece | None = None

    def column(self, key: str) -> list[str | None]:
        return self.cells.get(key) or [None] * len(self.lines)


def _common(keys: list[str | None]) -> bool:
    """Whether a header's keys are all read here (and at least one is read)."""
    return any(k is not None for k in keys) and all(k is None or k in FAST_KEYS for k in keys)


def read_csv_piece(file: str, directory: str, data: bytes, piece: Piece) -> CsvTable | None:
    """That piece of a file of the common shape (its bytes: each process decodes only its
    piece); None: the file is not cut, or the piece does not read as a table (the caller then
    reads the file whole: `csv_source.cut`)."""
    found = cut(data, piece.count)
    if found is None or not _common(found[0]):
        return None
    part, lines_before = piece_data(data, found[1], piece.index)
    table = read_csv_data(file, directory, part, lines_before=lines_before)
    if not isinstance(table, CsvTable):
        return None
    return dataclasses.replace(table, piece=piece)


def read_csv_data(
    file: str, directory: str, data: bytes, *, lines_before: int = 0
) -> RawCalendar | None:
    """`read_csv_table` of a file's bytes, decoded line by line (`csv_source.lines_of`); None:
    not UTF-8, or not of the common shape (the caller reads the decoded text)."""
    header = header_of(data)
    if header is not None and not _common(header[0]):
        return None  # known from the first lines, before decoding the rest
    found = lines_of(data)
    if found is None:
        return None
    head, lines = found
    control = control_in_bytes(data)
    return _read_table(file, directory, head, lines_before, text_lines=lines, control=control)


def read_csv_table(file: str, directory: str, text: str, *, lines_before: int = 0) -> RawCalendar:
    """A `CsvTable`, or what `read_csv` gives when the file is not of the common shape.
    `lines_before`: as `csv_source.begin_csv`'s."""
    table = _read_table(file, directory, text, lines_before)
    return read_csv(file, directory, text, lines_before=lines_before) if table is None else table


def _read_table(
    file: str,
    directory: str,
    text: str,
    lines_before: int,
    *,
    text_lines: list[str] | None = None,
    control: bool | None = None,
) -> RawCalendar | None:
    """None: `read_csv` must read it (not the common shape, or a quoting error it reports).
    `text_lines` and `control`: the text's lines and whether it holds a control character,
    when the caller knows them (`text` is then only its start)."""
    begun = begin_csv(file, directory, text, lines_before=lines_before, lines=text_lines)
    if isinstance(begun, RawCalendar):
        return begun
    if not _common(begun.keys):
        return None
    reader, width = begun.reader, len(begun.header)
    rows: list[list[str]] = []
    starts: list[int] = []
    end = reader.line_num
    try:
        for row in reader:  # the tightest loop: the csv module does the work
            starts.append(end + 1)
            rows.append(row)
            end = reader.line_num
    except csv.Error:  # quoting or size: read_csv reports it and the rows before it
        return None
    plan = _plan(begun.keys)
    problems = list(begun.problems)
    skip = begun.skip
    slow_rows: list[tuple[int, list[str]]] = []
    filled = list(map(any, rows))  # False: every cell empty (a blank line, a row of commas)
    if set(map(len, rows)) == {width} and all(filled):  # the common case, without a loop
        kept, lines = rows, [skip + start for start in starts] if skip else starts
    else:
        kept, lines = [], []
        for row, start, full in zip(rows, starts, filled, strict=True):
            if not full:
                continue
            if len(row) != width:
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    problems.append(_too_many(file, skip + start, len(row), width))
                    continue
                slow_rows.append((len(kept), row))
                row = (row + [""] * width)[:width]
            kept.append(row)
            lines.append(skip + start)
    cells: dict[str, list[str | None]] = {}
    columns = list(zip(*kept, strict=True)) if kept else [() for _ in range(width)]
    for index, key, _ in plan:
        column = columns[index]
        if any(map(str.isspace, column)):
            cells[key] = [c if c and not c.isspace() else None for c in column]
        elif "" not in column:  # no blank at all (ids, dates, captions): the cells as read
            cells[key] = list(column)
        elif column.count("") == len(column):
            cells[key] = [None] * len(column)
        else:  # no cell of spaces alone: only "" is blank (two C loops, no Python one)
            cells[key] = list(map(_BLANK.get, column, column))
    slow = {i: RawRecord(file, lines[i], _nest(plan, row), from_text=True) for i, row in slow_rows}
    # A row with nothing read (blank but for spaces or ignored columns) or with a control
    # character in a text cell: the schema reads it whole.
    # (A column without a blank, such as the ids, answers for every row without a tuple each.)
    full = any(None not in values for values in cells.values())
    read = [] if full else list(map(any, zip(*cells.values(), strict=True)))
    if not all(read):
        for i, something in enumerate(read):
            if not something and i not in slow:
                slow[i] = RawRecord(file, lines[i], _nest(plan, kept[i]), from_text=True)
    if CONTROL.search(text) is not None if control is None else control:
        for key, values in cells.items():
            if key == "media":
                continue
            for i, value in enumerate(values):
                if value and i not in slow and CONTROL.search(value):
                    slow[i] = RawRecord(file, lines[i], _nest(plan, kept[i]), from_text=True)
    blank = [i for i, record in slow.items() if not any(c.strip() for c in kept[i])]
    if blank:  # only spaces: skipped as read_csv skips them
        return _without(file, directory, begun.directives, problems, lines, cells, slow, blank)
    return _table(file, directory, begun.directives, problems, lines, cells, slow)


def _without(
    file: str,
    directory: str,
    directives: dict[str, str],
    problems: list[Diagnostic],
    lines: list[int],
    cells: dict[str, list[str | None]],
    slow: dict[int, RawRecord],
    blank: list[int],
) -> CsvTable:
    gone = set(blank)
    keep = [i for i in range(len(lines)) if i not in gone]
    renumber = {old: new for new, old in enumerate(keep)}
    return _table(
        file,
        directory,
        directives,
        problems,
        [lines[i] for i in keep],
        {key: [values[i] for i in keep] for key, values in cells.items()},
        {renumber[i]: record for i, record in slow.items() if i not in gone},
    )


def _table(
    file: str,
    directory: str,
    directives: dict[str, str],
    problems: list[Diagnostic],
    lines: list[int],
    cells: dict[str, list[str | None]],
    slow: dict[int, RawRecord],
) -> CsvTable:
    """The table, with the file's defaults and diagnostics as `read_csv` finishes them."""
    plain = finish_csv(file, directory, [], problems, directives)
    return CsvTable(
        plain.file,
        plain.directory,
        [],
        plain.defaults,
        plain.defaults_line,
        plain.date_format,
        plain.diagnostics,
        lines,
        cells,
        slow,
    )


def _too_many(file: str, line: int, cells: int, width: int) -> Diagnostic:
    return make(
        "E102",
        file,
        line,
        f"this row has {cells} cells but the header has {width}",
        hint="a comma inside a caption needs the whole cell in double quotes",
    )


def stamp(d: Diagnostic, line: int, entry: str | None) -> Diagnostic:
    """A diagnostic worked out once for a value, placed on one row."""
    return Diagnostic(
        d.file, line, d.code, d.name, d.severity, entry, d.platform, d.message, d.hint
    )


def _joint_codes(columns: list[list[Any]]) -> tuple[list[int], list[tuple[Any, ...]]]:
    """`columns.encode` of the rows' tuples across `columns`, without a tuple per row: each
    column is coded alone and the codes joined into one int (one-to-one, so the same order)."""
    coded = [encode(column) for column in columns]
    joint: list[int] = coded[0][0]
    for codes, values in coded[1:]:
        if len(values) > 1:  # a column of one value changes nothing
            size = len(values)
            joint = [j * size + c for j, c in zip(joint, codes, strict=True)]
    of, numbers = encode(joint)
    keys = []
    for number in numbers:
        key = []
        for _, values in reversed(coded[1:]):
            number, c = divmod(number, len(values))
            key.append(values[c])
        key.append(coded[0][1][number])
        keys.append(tuple(reversed(key)))
    return of, keys


@dataclass(slots=True)
class BuiltTable:
    """The entries of a `CsvTable` as columns of codes into distinct values (rows in `slow` are
    built by `build_entry`). `found[i]`: row i's diagnostics from reading its fields."""

    table: CsvTable
    ids: list[str | None]
    platform_of: list[int]
    platforms: list[tuple[str, ...]]  # by platform_of
    options: list[Mapping[str, Any]]  # by platform_of
    account_of: list[int]
    accounts: list[Mapping[str, str]]
    when_of: list[int]
    whens: list[When]
    media_of: list[int]
    media: list[tuple[MediaRef, ...]]
    found: dict[int, list[Diagnostic]]

    def entry(self, i: int) -> Entry:
        """Row i as `build_entry` makes it."""
        at_local, tz, at_utc, dst = self.whens[self.when_of[i]]
        t = self.table
        return Entry(
            source=SourceRef(t.file, t.lines[i]),
            id=self.ids[i],
            platforms=self.platforms[self.platform_of[i]],
            accounts=self.accounts[self.account_of[i]],
            text=t.cells["text"][i] if "text" in t.cells else None,
            captions={},
            title=t.cells["title"][i] if "title" in t.cells else None,
            media=self.media[self.media_of[i]],
            options=self.options[self.platform_of[i]],
            at_local=at_local,
            tz=tz,
            at_utc=at_utc,
            dst=dst,
        )


_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HOUR = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def _quick_when(
    key: tuple[str | None, ...],
    defaults: Defaults,
    days: dict[str, tuple[int, int, int] | None],
    hours: dict[str, tuple[int, int] | None],
) -> When | None:
    """`_when`'s answer for the common cells ("2026-12-01", "09:30", the file's zone), from
    each distinct date and time read once; None: anything else, left to `_when` itself.

    `times.parse_when` on "date time" reads these with its ISO pattern, no offset, no
    diagnostic; tens of thousands of date-time pairs make its general path the cost."""
    at, day_text, hour_text, zone_text = key
    tz_name = defaults.timezone
    pattern = defaults.date_pattern
    if at is not None or zone_text is not None or day_text is None or hour_text is None:
        return None
    if tz_name is None or not (
        pattern is None or not pattern.startswith("%Y") or pattern == times.DATE_FORMATS["iso"]
    ):
        return None
    if day_text in days:
        day = days[day_text]
    else:
        m = _DAY.fullmatch(day_text)
        day = days[day_text] = None if m is None else (int(m[1]), int(m[2]), int(m[3]))
    if hour_text in hours:
        hour = hours[hour_text]
    else:
        m = _HOUR.fullmatch(hour_text)
        hour = None if m is None or int(m[1]) > 23 or int(m[2]) > 59 else (int(m[1]), int(m[2]))
        hours[hour_text] = hour
    if day is None or hour is None or times.year_problem(day[0]) is not None:
        return None
    try:
        local = datetime(*day, *hour)  # noqa: DTZ001 -- a wall-clock time, as parse_when
        resolved = times.resolve(local, tz_name)
    except (ValueError, times.TimeProblem):
        return None
    return local, tz_name, resolved.utc, resolved.dst


def build_table(table: CsvTable, defaults: Defaults, project_root: str) -> BuiltTable:
    """Each distinct value read once by the schema's own functions, its answer reused."""
    file = table.file
    probe = RawRecord(file, 0, {})
    id_cells = table.column("id")
    ids: list[str | None] = (
        [None if v is None else v.strip() for v in id_cells]
        if None in id_cells
        else list(map(str.strip, id_cells))  # type: ignore[arg-type]  # no None: all str
    )

    platform_of, platform_keys = _joint_codes([table.column("platforms"), table.column("platform")])
    platforms: list[tuple[str, ...]] = []
    platform_found: list[list[Diagnostic]] = []
    for key in platform_keys:
        out = _Collector(probe, None)
        fields = {k: v for k, v in zip(("platforms", "platform"), key, strict=True) if v}
        platforms.append(tuple(_platforms(fields, defaults, out)))
        platform_found.append(out.items)
    options = [_default_options(defaults, p) for p in platforms]

    account_of, account_keys = encode(list(zip(table.column("account"), platform_of, strict=True)))
    accounts: list[Mapping[str, str]] = []
    account_found: list[list[Diagnostic]] = []
    for cell, code in account_keys:
        out = _Collector(probe, None)
        fields = {"account": cell} if cell is not None else {}
        accounts.append(_accounts(fields, defaults, list(platforms[code]), out))
        account_found.append(out.items)

    names = ("at", "date", "time", "timezone")
    when_of, when_keys = _joint_codes([table.column(k) for k in names])
    whens: list[When] = []
    when_found: list[list[Diagnostic]] = []
    days: dict[str, tuple[int, int, int] | None] = {}
    hours: dict[str, tuple[int, int] | None] = {}
    for key in when_keys:
        quick = _quick_when(key, defaults, days, hours)
        if quick is not None:
            whens.append(quick)
            when_found.append([])
            continue
        out = _Collector(probe, None)
        fields = {k: v for k, v in zip(names, key, strict=True) if v is not None}
        whens.append(_when(fields, defaults, out))
        when_found.append(out.items)

    media_of, media_cells = encode(table.column("media"))
    media: list[tuple[MediaRef, ...]] = []
    media_found: list[list[Diagnostic]] = []
    for cell in media_cells:
        out = _Collector(probe, None)
        fields = {"media": cell} if cell is not None else {}
        media.append(_media(fields, table.directory, project_root, out))
        media_found.append(out.items)

    found: dict[int, list[Diagnostic]] = {}
    if any(platform_found) or any(account_found) or any(when_found) or any(media_found):
        for i, codes in enumerate(zip(platform_of, account_of, when_of, media_of, strict=True)):
            p, a, w, m = codes
            if platform_found[p] or account_found[a] or when_found[w] or media_found[m]:
                line, entry = table.lines[i], ids[i]
                read = (platform_found[p], account_found[a], when_found[w], media_found[m])
                found[i] = [stamp(d, line, entry) for ds in read for d in ds]
    return BuiltTable(
        table,
        ids,
        platform_of,
        platforms,
        options,
        account_of,
        accounts,
        when_of,
        whens,
        media_of,
        media,
        found,
    )
