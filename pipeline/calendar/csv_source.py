"""CSV calendars -> raw records, accepting what spreadsheets export.

UTF-8 with or without BOM, CRLF or LF, quoted newlines in captions; one row per post; headers
named like the YAML keys (`captions.x`, `tiktok.privacyLevel`, `account.linkedin`). Leading
lines such as `# date_format: us` declare settings for the file (a CSV has no `defaults:` block).
The stdlib csv reader is used rather than pandas because it reports each row's physical line,
which every diagnostic needs, and caps field size (a 50 MB cell is a diagnostic, not a hang).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.calendar.raw import MAX_FIELD_CHARS, RawCalendar, RawRecord
from pipeline.calendar.schema import POST_KEYS
from pipeline.model import PLATFORMS, Diagnostic
from pipeline.rules.codes import make
from pipeline.rules.options import did_you_mean
from pipeline.textsafe import shorten

csv.field_size_limit(MAX_FIELD_CHARS)

#: Columns holding one value: the schema's post fields that are not nested blocks.
SIMPLE_COLUMNS = tuple(
    k for k in POST_KEYS if k not in PLATFORMS and k not in ("captions", "clip", "evergreen")
)
DOTTED_PREFIXES = ("captions", "account", "evergreen", *PLATFORMS)
DIRECTIVES = ("date_format", "timezone", "account")
IGNORED = ("notes", "note", "comment", "comments")


def _normalise_header(name: str) -> str:
    name = name.strip()
    head, dot, tail = name.partition(".")
    return f"{head.strip().lower()}{dot}{tail.strip()}" if dot else name.lower()


def _classify_columns(file: str, header: list[str]) -> tuple[list[str | None], list[Diagnostic]]:
    """Which field each column feeds (None: ignored) and problems with the header."""
    problems: list[Diagnostic] = []
    keys: list[str | None] = []
    seen: set[str] = set()
    known = [*SIMPLE_COLUMNS, *(f"captions.{p}" for p in PLATFORMS)]
    for raw_name in header:
        name = _normalise_header(raw_name)
        if not name or name.startswith("_") or name in IGNORED:
            keys.append(None)
            continue
        if name in seen:
            problems.append(make("E102", file, 1, f"column {shorten(raw_name)} appears twice"))
            keys.append(None)
            continue
        seen.add(name)
        head, dot, tail = name.partition(".")
        if dot and not tail:  # `captions.` would hold a caption for no platform
            after = "x" if head in ("captions", "account") else "<option>"
            guess = f"{head}.{after}" if head in DOTTED_PREFIXES else None
            problems.append(
                make(
                    "E104",
                    file,
                    1,
                    f"column {shorten(raw_name)} names nothing after the dot; it is ignored",
                    hint=f"e.g. {guess}" if guess else "name it notes or start it with _",
                )
            )
            keys.append(None)
            continue
        if name in SIMPLE_COLUMNS or (dot and head in DOTTED_PREFIXES):
            keys.append(name)  # option names inside blocks are checked by the schema
            continue
        guess = did_you_mean(name, known)
        if guess:
            problems.append(
                make(
                    "E104",
                    file,
                    1,
                    f"unknown column {shorten(raw_name)}",
                    hint=f"did you mean {guess!r}?",
                )
            )
        else:
            problems.append(
                make(
                    "W102",
                    file,
                    1,
                    f"column {shorten(raw_name)} is not read by the pipeline; it is ignored",
                    hint="name it notes or start it with _ to silence this",
                )
            )
        keys.append(None)
    return keys, problems


def _plan(keys: list[str | None]) -> list[tuple[int, str, str]]:
    """(column, head, tail) for the columns read: split once per file, not once per cell."""
    return [(i, *key.partition(".")[::2]) for i, key in enumerate(keys) if key is not None]


def _nest(columns: list[tuple[int, str, str]], row: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    width = len(row)
    for index, head, tail in columns:
        if index >= width:
            break
        cell = row[index]
        if not cell or cell.isspace():
            continue
        if not tail:
            if head == "account" and isinstance(fields.get("account"), dict):
                fields["account"].setdefault("default", cell)
            else:
                fields[head] = cell
            continue
        if head == "account" and isinstance(fields.get("account"), str):
            fields["account"] = {"default": fields["account"]}
        block = fields.setdefault(head, {})
        block[tail] = cell
    return fields


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read `# key: value` lines at the top; return them and how many lines they take."""
    found: dict[str, str] = {}
    count = 0
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        count += 1
        key, colon, value = stripped.lstrip("#").partition(":")
        if colon and key.strip().lower() in DIRECTIVES:
            found[key.strip().lower()] = value.strip()
    return found, count


@dataclass(frozen=True, slots=True)
class CsvStart:
    """A CSV file read up to its header: what the row reader here and csv_fast's share."""

    reader: Any  # the csv reader, positioned after the header
    skip: int  # added to the reader's line numbers: lines before the header, and any piece's
    header: list[str]
    keys: list[str | None]
    problems: list[Diagnostic]
    directives: dict[str, str]
    header_line: int  # the header's last line


def _lines(text: str, skip: int) -> Iterator[str]:
    """The text's lines after the first `skip`, as `io.StringIO(text, newline="")` reads them.
    Without a carriage return they are the pieces between newlines: split at once, without
    the StringIO's copy of the whole text (four bytes a character once it holds an emoji)."""
    if "\r" in text:
        stream = io.StringIO(text, newline="")
        for _ in range(skip):
            stream.readline()
        return stream
    pieces = text.split("\n")
    last = pieces.pop()  # after the final newline: "" unless the text ends without one
    lines = [piece + "\n" for piece in pieces]
    if last:
        lines.append(last)
    return iter(lines[skip:])


#: `begin_csv` reads directives and Excel's sep= line in this many characters.
_HEAD_CHARS = 4096


def lines_of(data: bytes) -> tuple[str, list[str]] | None:
    """UTF-8 bytes as `_lines` cuts their text, each line decoded alone, with the text's first
    4,096 characters (for `begin_csv`); None: not UTF-8. Lines are mostly ASCII and each
    decodes to a compact string, where the whole text, once one emoji makes it four bytes a
    character, costs a decode, a split and a copy of every line to put its newline back.
    Bytes split as io.StringIO(newline="") does (\\n, \\r, \\r\\n), and no UTF-8 character
    holds either byte."""
    raw = data.splitlines(keepends=True)
    if raw and raw[0].startswith(codecs.BOM_UTF8):
        raw[0] = raw[0][len(codecs.BOM_UTF8) :]
        if not raw[0]:  # nothing but the mark
            raw.pop(0)
    try:
        lines = list(map(bytes.decode, raw))
    except UnicodeDecodeError:
        return None
    head, size = [], 0
    for line in lines:
        head.append(line)
        size += len(line)
        if size >= _HEAD_CHARS:
            break
    return "".join(head)[:_HEAD_CHARS], lines


def begin_csv(
    file: str,
    directory: str,
    text: str,
    *,
    lines_before: int = 0,
    lines: list[str] | None = None,
) -> CsvStart | RawCalendar:
    """Directives, header and its problems; a finished RawCalendar when there is nothing more.

    `lines_before`: the text is a later piece of a file (csv_fast.pieces), the header followed
    by rows that come this many lines further down; the header's problems are the first
    piece's to report. `lines`: the text already in lines (`lines_of`); `text` is then only
    its start."""
    head_lines = text[:_HEAD_CHARS].splitlines()
    excel_sep = head_lines[0].strip(" ").lower() if head_lines else ""
    if excel_sep.startswith("sep=") and excel_sep not in ("sep=,", 'sep=","'):
        return _separator_problem(file, directory, 1, excel_sep[4:] or "?", excel=True)
    # Excel's "sep=," first line only repeats what CSV means: skip it.
    lead = 1 if excel_sep.startswith("sep=") else 0
    directives, skip = _directives(head_lines[lead:])
    skip += lead
    reader = csv.reader(_lines(text, skip) if lines is None else iter(lines[skip:]), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return RawCalendar(
            file, directory, [], diagnostics=[make("E102", file, skip + 1, f"CSV header: {exc}")]
        )
    if header is None:
        return RawCalendar(file, directory, [])
    header_line = skip + reader.line_num
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        return _separator_problem(file, directory, header_line, ";" if ";" in header[0] else "\t")
    keys, problems = _classify_columns(file, header)
    problems = [
        make(d.code, d.file, header_line, d.message, hint=d.hint) if d.line == 1 else d
        for d in problems
    ]
    if lines_before:
        problems = []
    return CsvStart(reader, skip + lines_before, header, keys, problems, directives, header_line)


@dataclass(frozen=True, slots=True)
class Piece:
    """Piece `index` of `count` of a large CSV file's rows: what one of validate's processes
    reads (`cut`)."""

    index: int
    count: int


#: The header is found in this many bytes, or the file is not cut.
_HEAD_BYTES = 1 << 16


def header_of(data: bytes) -> tuple[list[str | None], int] | None:
    """The header's keys as `begin_csv` reads them, and the byte after the header, from a
    file's first 64 KiB alone; None: no header and a row there."""
    head = data[:_HEAD_BYTES].decode("utf-8-sig", errors="replace")
    begun = begin_csv("", "", head)
    if not isinstance(begun, CsvStart):
        return None
    stream = io.StringIO(head, newline="")
    header = "".join(stream.readline() for _ in range(begun.header_line))
    head_end = len(header.encode()) + (3 if data.startswith(codecs.BOM_UTF8) else 0)
    if head_end >= min(len(data), _HEAD_BYTES) - 4:  # a header cut short, or no rows at all
        return None
    return begun.keys, head_end


def cut(data: bytes, count: int) -> tuple[list[str | None], list[int]] | None:
    """The header's keys, and where to cut a file's bytes into `count` pieces of whole rows:
    the header's end, each later piece's first byte, the end. None: no such cuts.

    A cut follows a newline with an even number of '"' before it: outside any quoted cell, if
    the file quotes as CSV does. Only reading tells whether it does, so a piece is trusted only
    once read: a strict reader that ends inside a quoted cell raises `csv.Error` (then the
    caller reads the file whole, as one piece). UTF-8 keeps both bytes for themselves."""
    found = header_of(data)
    if found is None:
        return None
    keys, head_end = found
    offsets = [head_end]
    quotes, counted = 0, 0  # '"' in data[:counted]
    for k in range(1, count):
        start = max(head_end + (len(data) - head_end) * k // count, offsets[-1])
        at = data.find(b"\n", start) + 1
        while at:
            quotes += data.count(b'"', counted, at)
            counted = at
            if quotes % 2 == 0:
                break
            at = data.find(b"\n", at) + 1
        if not at or at >= len(data) or at <= offsets[-1]:
            return None
        offsets.append(at)
    return keys, [*offsets, len(data)]


def piece_data(data: bytes, offsets: list[int], index: int) -> tuple[bytes, int]:
    """Piece `index` of `cut`'s offsets: its bytes (a later piece's after the header) and the
    lines of the file's rows before it (`lines_before`)."""
    head_end, start, end = offsets[0], offsets[index], offsets[index + 1]
    if index == 0:
        return data[:end], 0
    # Lines as io.StringIO(newline="") counts them: "\r\n", "\r" and "\n" each end one.
    lines = data.count(b"\n", head_end, start)
    returns = data.count(b"\r", head_end, start)
    if returns:
        lines += returns - data.count(b"\r\n", head_end, start)
    return b"".join((data[:head_end], memoryview(data)[start:end])), lines


def read_csv(file: str, directory: str, text: str, *, lines_before: int = 0) -> RawCalendar:
    """Parse one CSV calendar's text (the caller decoded it; a BOM is already removed).
    `lines_before`: as `begin_csv`'s."""
    begun = begin_csv(file, directory, text, lines_before=lines_before)
    if isinstance(begun, RawCalendar):
        return begun
    reader, skip, header, keys = begun.reader, begun.skip, begun.header, begun.keys
    problems = begun.problems
    records: list[RawRecord] = []
    columns = _plan(keys)
    end = reader.line_num
    while True:
        start = skip + end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_row_error(file, start, str(exc)))
            break  # the reader cannot resynchronise after a quoting error
        end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(cell.strip() for cell in extra):
                problems.append(
                    make(
                        "E102",
                        file,
                        start,
                        f"this row has {len(row)} cells but the header has {len(header)}",
                        hint="a comma inside a caption needs the whole cell in double quotes",
                    )
                )
                continue
        records.append(RawRecord(file, start, _nest(columns, row), from_text=True))
    return finish_csv(file, directory, records, problems, begun.directives)


def finish_csv(
    file: str,
    directory: str,
    records: list[RawRecord],
    problems: list[Diagnostic],
    directives: dict[str, str],
) -> RawCalendar:
    defaults: dict[str, Any] = {k: v for k, v in directives.items() if k != "date_format"}
    return RawCalendar(
        file, directory, records, defaults, 0, directives.get("date_format"), problems
    )


def _separator_problem(
    file: str, directory: str, line: int, separator: str, *, excel: bool = False
) -> RawCalendar:
    """A file separated by something other than commas: one clear diagnostic, not one per
    column (a tab-separated "Unicode text" export, or Excel's `sep=;` first line)."""
    shown = "tabs" if separator in ("\t", "\\t") else shorten(separator)
    said = " (its first line says so)" if excel else ""
    return RawCalendar(
        file,
        directory,
        [],
        diagnostics=[
            make(
                "E102",
                file,
                line,
                f"this file is separated by {shown}{said}, not ','",
                hint="export as 'CSV UTF-8 (comma delimited)'; ';' separates items in a cell",
            )
        ],
    )


def _row_error(file: str, line: int, message: str) -> Diagnostic:
    if "field larger than field limit" in message:
        return make(
            "E112",
            file,
            line,
            f"a cell holds more than {MAX_FIELD_CHARS:,} characters; no platform takes more "
            "than 63,206",
            hint="was a file pasted in by mistake? Rows after it were not read",
        )
    return make(
        "E102",
        file,
        line,
        f"CSV quoting: {message}",
        hint='a double quote inside a quoted cell is written twice (""); rows after this were '
        "not read",
    )
