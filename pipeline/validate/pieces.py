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
    """A later piece of a large CSV file did not read as a table, or the child that read it
    died: validate in one process."""


#: In the child: the slots of its parts, by file, kept until the parent asks for them.
_KEPT: dict[str, list[Slot]] = {}

#: Each later piece's checks and the media its rows name, by file (a file whose piece did not
#: read as a table is missing).
Later = dict[str, tuple[Part, dict[str, MediaFacts]]]


def _check_later_pieces(inherited: tuple[Any, ...]) -> Later:
    check, paths, ctx, config, now, probe, recorded, schedule = inherited
    read = read_calendars(paths, ctx, columns=True, piece=Piece(1, 2))
    theirs = {}
    for calendar, defaults in read.calendars:
        # File by file: the parent takes a file's media only with its part (it may have read
        # the file whole after all, if its first piece did not read as a table).
        one = ReadCalendars([calendar.file], [(calendar, defaults)], [])
        _, (part,), media, _ = check(one, config, now, probe, recorded, False, schedule)
        part.build.extend(calendar.diagnostics)  # its rows' own (a piece's header says none)
        # The outlook goes back; the slots stay here unless some post is over the allowance.
        _KEPT[calendar.file], part.slots, part.kept = part.slots, [], calendar.file
        theirs[calendar.file] = (part, media)
    return theirs


class Child:
    """The forked process checking the later piece of each large CSV file while this one
    reads and checks the first (and every other file), over two pipes: its answer comes back
    pickled, then it waits to be asked for its slots or ended. Plain `os.fork`, not a
    multiprocessing pool: no semaphores (/dev/shm) or helper threads, and a child that dies
    is an end of file here (then `Uncut`: validated again in one process), never a hang."""

    def __init__(self, inherited: tuple[Any, ...]) -> None:
        """Raises OSError when no pipe or process can be had (then: one process)."""
        fds: list[int] = []
        try:
            answers, answer = os.pipe()
            fds += [answers, answer]
            asked, ask = os.pipe()
            fds += [asked, ask]
            pid = os.fork()
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
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
        try:
            os.write(self._ask, b"s")
        except OSError:  # it died since it answered (the OOM killer, a kill)
            raise Uncut from None
        packed: dict[str, Any] = self._receive()
        return {file: forecast.unpack(slots) for file, slots in packed.items()}

    def close(self) -> None:
        """Ended, answered or not (the templates of another file may make it useless)."""
        if not self._pid:
            return
        try:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored)
                os.waitpid(self._pid, 0)
        finally:
            os.close(self._answers)
            os.close(self._ask)
            self._pid = 0

    def _receive(self) -> Any:
        try:
            with os.fdopen(self._answers, "rb", closefd=False) as stream:
                head = stream.read(8)
                size = int.from_bytes(head, "big")
                data = stream.read(size) if len(head) == 8 else b""
        except OSError:
            raise Uncut from None
        if len(head) < 8 or len(data) < size:
            raise Uncut  # the child died or failed: check everything here
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
    try:
        child = Child(inherited)
    except OSError:  # no process or pipe to be had (a process limit): one process
        yield None
        return
    try:
        yield child
    finally:
        child.close()


def with_later(
    read: ReadCalendars, parts: list[Part], later: Later, media: dict[str, MediaFacts]
) -> list[Part]:
    """The parts in calendar order, each first piece's followed by its later piece's, and the
    media of the later pieces merged (only theirs: a file read whole has its own)."""
    merged = []
    for (calendar, _), part in zip(read.calendars, parts, strict=True):
        merged.append(part)
        if isinstance(calendar, CsvTable) and calendar.piece is not None:
            if calendar.file not in later:
                raise Uncut
            their_part, their_media = later[calendar.file]
            merged.append(their_part)
            for key, facts in their_media.items():
                media.setdefault(key, facts)
    return merged
