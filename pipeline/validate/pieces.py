"""A large CSV calendar checked in two pieces, one per process (`pipeline validate` on 2+ cores).

The parent forks a child (`Child`) before reading anything; the child reads the later piece of each
large CSV file (`read_calendars(piece=Piece(1, 2))`) and checks it while the parent does the
first piece and every other file. The child answers with plain values: its diagnostics, ids
and the outlook of its slots (`forecast.Outlook`), keeping the slots themselves until the
parent asks, which it does only when some post is over the plan's allowance. A piece that did
not read as a table makes the parent validate again in one process (`Uncut`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
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


#: In the child: the slots of its parts, by file, kept until the parent asks for them.
_KEPT: dict[str, list[Slot]] = {}

#: Each later piece's checks, by file (a file whose piece did not read as a table is missing),
#: and the media its rows name.
Later = tuple[dict[str, Part], dict[str, MediaFacts]]


def _check_later_pieces(inherited: tuple[Any, ...]) -> Later:
    check, paths, ctx, config, now, probe, recorded, schedule = inherited
    read = read_calendars(paths, ctx, columns=True, piece=Piece(1, 2))
    _, parts, media, _ = check(read, config, now, probe, recorded, False, schedule)
    theirs = {}
    for (calendar, _), part in zip(read.calendars, parts, strict=True):
        part.build.extend(calendar.diagnostics)  # its rows' own (a piece's header says none)
        # The outlook goes back; the slots stay here unless some post is over the allowance.
        _KEPT[calendar.file], part.slots, part.kept = part.slots, [], calendar.file
        theirs[calendar.file] = part
    return theirs, media


class Child:
    """The forked process checking the later piece of each large CSV file while this one
    reads and checks the first (and every other file), over two pipes: its answer comes back
    pickled, then it waits to be asked for its slots or ended. Plain `os.fork`, not a
    multiprocessing pool: no semaphores (/dev/shm) or helper threads, and a child that dies
    is an end of file here (then `Uncut`: validated again in one process), never a hang."""

    def __init__(self, inherited: tuple[Any, ...]) -> None:
        answers, answer = os.pipe()
        asked, ask = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, then the slots if asked; leave without cleaning up
            os.close(answers)
            os.close(ask)
            code = 1
            try:
                _send(answer, _check_later_pieces(inherited))
                if os.read(asked, 1) == b"s":
                    _send(answer, {f: forecast.pack(slots) for f, slots in _KEPT.items()})
                code = 0
            finally:
                os._exit(code)  # whatever happened: the parent reads an end of file
        os.close(answer)
        os.close(asked)
        self._pid, self._answers, self._ask = pid, answers, ask

    def answer(self) -> Later:
        return self._receive()  # type: ignore[no-any-return]

    def kept_slots(self) -> dict[str, list[Slot]]:
        os.write(self._ask, b"s")
        packed: dict[str, Any] = self._receive()
        return {file: forecast.unpack(slots) for file, slots in packed.items()}

    def close(self) -> None:
        """Ended, answered or not (the templates of another file may make it useless)."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._answers)
            os.close(self._ask)
            self._pid = 0

    def _receive(self) -> Any:
        with os.fdopen(self._answers, "rb", closefd=False) as stream:
            head = stream.read(8)
            if len(head) < 8:
                raise Uncut  # the child died or failed: check everything here
            size = int.from_bytes(head, "big")
            data = stream.read(size)
        if len(data) < size:
            raise Uncut
        return pickle.loads(data)  # noqa: S301 -- our own child's bytes, never a file's


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(fd, "wb", closefd=False) as stream:
        stream.write(len(data).to_bytes(8, "big") + data)


@contextlib.contextmanager
def later_pieces(wanted: bool, inherited: tuple[Any, ...]) -> Iterator[Child | None]:
    """A `Child`, or None when not `wanted`; the child is ended on the way out. `inherited`:
    the function that checks what `read_calendars` read, then its arguments but the first."""
    if not wanted:
        yield None
        return
    child = Child(inherited)
    try:
        yield child
    finally:
        child.close()


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
