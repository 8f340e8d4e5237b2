"""A large CSV calendar checked in two pieces, one per process (`pipeline validate` on 2+ cores).

The parent forks a child before reading anything; the child reads the later piece of each
large CSV file (`read_calendars(piece=Piece(1, 2))`) and checks it while the parent does the
first piece and every other file. The child answers with plain values: its diagnostics, ids
and the outlook of its slots (`forecast.Outlook`), keeping the slots themselves until the
parent asks, which it does only when some post is over the plan's allowance. A piece that did
not read as a table makes the parent validate again in one process (`Uncut`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from typing import Any

from pipeline.calendar import ReadCalendars, read_calendars
from pipeline.calendar.csv_fast import CsvTable
from pipeline.calendar.csv_source import Piece
from pipeline.rules import forecast
from pipeline.rules.context import MediaFacts
from pipeline.rules.forecast import Slot
from pipeline.validate.columnar import Part


class Uncut(Exception):
    """A later piece of a large CSV file did not read as a table: validate in one process."""


#: What the child that checks the later pieces inherits (set just before the fork).
_LATER: tuple[Any, ...] | None = None
#: In the child: the slots of its parts, by file, kept until the parent asks (`_kept_slots`).
_KEPT: dict[str, list[Slot]] = {}

#: Each later piece's checks, by file (a file whose piece did not read as a table is missing),
#: and the media its rows name.
Later = tuple[dict[str, Part], dict[str, MediaFacts]]


def _check_later_pieces() -> Later:
    assert _LATER is not None  # set by the parent just before the fork
    check, paths, ctx, config, now, probe, recorded, schedule = _LATER
    read = read_calendars(paths, ctx, columns=True, piece=Piece(1, 2))
    _, parts, media, _ = check(read, config, now, probe, recorded, False, schedule)
    theirs = {}
    for (calendar, _), part in zip(read.calendars, parts, strict=True):
        part.build.extend(calendar.diagnostics)  # its rows' own (a piece's header says none)
        # The outlook goes back; the slots stay here unless some post is over the allowance.
        _KEPT[calendar.file], part.slots, part.kept = part.slots, [], calendar.file
        theirs[calendar.file] = part
    return theirs, media


def _kept_slots() -> dict[str, tuple[Any, ...]]:
    return {file: forecast.pack(slots) for file, slots in _KEPT.items()}


class Child:
    """The forked process checking the later piece of each large CSV file while this one
    reads and checks the first (and every other file)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._answer = pool.apply_async(_check_later_pieces)

    def answer(self) -> Later:
        return self._answer.get()  # type: ignore[no-any-return]

    def kept_slots(self) -> dict[str, list[Slot]]:
        """Its parts' slots (the same process: a pool of one keeps its globals)."""
        packed = self._pool.apply(_kept_slots)
        return {file: forecast.unpack(slots) for file, slots in packed.items()}

    def close(self) -> None:
        self._pool.terminate()


@contextlib.contextmanager
def later_pieces(wanted: bool, inherited: tuple[Any, ...]) -> Iterator[Child | None]:
    """A `Child`, or None when not `wanted`; the child is ended on the way out. `inherited`:
    the function that checks what `read_calendars` read, then its arguments but the first."""
    global _LATER
    if not wanted:
        yield None
        return
    _LATER = inherited
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            yield Child(pool)
    finally:
        _LATER = None


def with_later(
    read: ReadCalendars, parts: list[Part], later: Later, media: dict[str, MediaFacts]
) -> list[Part]:
    """The parts in calendar order, each first piece's followed by its later piece's."""
    theirs, their_media = later
    merged = []
    for (calendar, _), part in zip(read.calendars, parts, strict=True):
        merged.append(part)
        if isinstance(calendar, CsvTable) and calendar.piece is not None:
            if calendar.file not in theirs:
                raise Uncut
            merged.append(theirs[calendar.file])
    for key, facts in their_media.items():
        media.setdefault(key, facts)
    return merged
