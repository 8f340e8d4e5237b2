"""The ledger directory: an append-only, fsynced event log, its lock, and its repair.

    ledger = Ledger("ledger")
    with ledger.lock():                      # fails at once if another run holds it
        ledger.append(PostIntent(...))       # durable when append returns
        ...
        state = ledger.state()

`append` writes whole lines and fsyncs the file (and, once per Ledger, the directory) before
returning, so a SIGKILL right after it loses nothing. A crash *during* an append can leave a torn
last line; reading repairs it (the cut bytes are kept in `events.jsonl.torn-<time>`) and reports
it. Damage anywhere but the last line cannot come from a crash, so it is an error naming the line.
Appends are meant to happen under `lock()`; one Ledger object may be shared by threads.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.fileaccess import FileRefused, kind, open_regular
from pipeline.ledger.events import LedgerEvent, check_stored, validate
from pipeline.ledger.fileio import Fsync, fsync_directory, sweep_temp_files, write_all, write_atomic
from pipeline.ledger.locking import LedgerLock, LedgerLocked, current_holder
from pipeline.ledger.records import LedgerState
from pipeline.ledger.schema import Event, EventError, LedgerError, migrate, now
from pipeline.ledger.state import fold
from pipeline.textsafe import hide_presigned

log = logging.getLogger(__name__)

EVENTS_NAME = "events.jsonl"


@dataclass(frozen=True)
class _Read:
    """The last events.jsonl read in this process: its path and whole lines, their events and
    (once folded) their state. A command that reads an unchanged ledger again (publish does:
    to validate, to plan, to run) decodes and folds it once. Compared by content, never by time
    stamps (a rewrite of the same size within one clock tick keeps its mtime). Shared values:
    nothing mutates events or a LedgerState after the fold."""

    path: str
    data: bytes
    events: list[Event]
    state: LedgerState | None = None


_last_read: _Read | None = None
RESULTS_NAME = "results.csv"
ENGAGEMENT_NAME = "engagement.csv"


class LedgerCorrupt(LedgerError):
    """The log is damaged before its last line: not something a crash does."""


@dataclass(frozen=True, slots=True)
class TornTail:
    """An incomplete last line found when reading.

    `kept` says the bytes were a whole event missing only its newline (kept, newline added);
    otherwise they were cut, and `saved_to` holds them. `repaired` is False when another process
    held the lock (it may have been mid-append), so the file was left alone and the tail skipped.
    """

    offset: int
    length: int
    kept: bool
    repaired: bool
    saved_to: Path | None = None


@dataclass(frozen=True, slots=True)
class LogRead:
    events: list[Event]
    torn: TornTail | None = None


class Ledger:
    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        fsync: Fsync = os.fsync,
        secrets: Iterable[str] = (),
        clock: Callable[[], datetime] = now,
    ) -> None:
        """`secrets` (e.g. the API key) are refused in any event and scrubbed from the lock note."""
        self.directory = Path(directory)
        self.events_path = self.directory / EVENTS_NAME
        self.results_path = self.directory / RESULTS_NAME
        self.engagement_path = self.directory / ENGAGEMENT_NAME
        self._fsync = fsync
        # Each secret as written and as JSON escapes it, since lines are checked once encoded.
        self._secrets = tuple({f for s in secrets if s for f in (s, json.dumps(s)[1:-1])})
        self._clock = clock
        self._mutex = threading.RLock()
        self._entry_synced = False
        if not self.directory.is_dir():
            if os.path.lexists(self.directory):
                raise LedgerError(
                    f"{_shown(self.directory)} is not a folder, so it cannot hold the ledger. "
                    "Nothing was changed: move it aside, or give another folder with --ledger"
                )
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(
                    f"cannot create the ledger folder {_shown(self.directory)}: {exc.strerror}"
                ) from None
            fsync_directory(self.directory.parent, fsync)
        self._lock = LedgerLock(self.directory, fsync=fsync)

    # --- the lock ----------------------------------------------------------------------------

    @property
    def holds_lock(self) -> bool:
        return self._lock.held

    @contextmanager
    def lock(self, command: str | None = None) -> Iterator[Ledger]:
        """Hold the ledger for one run; raises LedgerLocked at once if another process has it.

        `command` is what the holder note shows (default: this process's argv).
        """
        with self._mutex:
            if self._lock.held:
                raise LedgerLocked(f"this process already holds the ledger {self.directory}")
            self._lock.acquire(current_holder(command, self._secrets))
        try:
            for leftover in sweep_temp_files(self.directory):
                log.info("removed %s, left by a write that was interrupted", leftover.name)
            yield self
        finally:
            with self._mutex:
                self._lock.release()

    # --- writing -----------------------------------------------------------------------------

    def append(self, event: LedgerEvent | Mapping[str, Any]) -> None:
        self.append_many([event])

    def append_many(self, events: Iterable[LedgerEvent | Mapping[str, Any]]) -> None:
        """Write events, one line each, and return only once they are on disk."""
        data = b"".join(self._encode(e) for e in events)
        if not data:
            return
        with self._mutex:
            if not self._lock.held:
                raise LedgerError(
                    f"appending to {self.events_path} needs the ledger's lock (Ledger.lock()): "
                    "one writer at a time keeps the log whole"
                )
            if self.events_path.exists():
                self._repair_tail()  # appending after a torn line would bury it mid-file
            fd = os.open(self.events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC)
            try:
                write_all(fd, data)
                self._fsync(fd)
            finally:
                os.close(fd)
            if not self._entry_synced:
                # Once per Ledger: the file's directory entry must be durable too, whether this
                # append created the file or a process that died before syncing it did.
                fsync_directory(self.directory, self._fsync)
                self._entry_synced = True

    def write_view(self, path: Path, data: bytes) -> None:
        """Atomically replace a derived file (results.csv...) in the ledger directory."""
        write_atomic(path, data, fsync=self._fsync)

    def _encode(self, event: LedgerEvent | Mapping[str, Any]) -> bytes:
        record = event.to_json() if isinstance(event, LedgerEvent) else dict(event)
        validate(record)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        # A presigned URL's query string is a credential: never on disk (the object is named
        # by its s3:// address instead; this is the last line of defence, as for the keys).
        line = hide_presigned(line)
        if any(secret in line for secret in self._secrets):  # the escaped forms are in there too
            raise EventError(f"a {record['type']} event contains a secret; it was not written")
        return line.encode("utf-8") + b"\n"

    # --- reading -----------------------------------------------------------------------------

    def events(self) -> list[Event]:
        return self.read().events

    def state(self) -> LedgerState:
        global _last_read
        events = self.events()
        last = _last_read
        if last is not None and last.events is events and last.path == str(self.events_path):
            if last.state is None:
                _last_read = last = dataclasses.replace(last, state=fold(events))
            assert last.state is not None
            return last.state
        return fold(events)

    def read(self) -> LogRead:
        """Every event, oldest first. A torn last line is repaired and reported; if another
        process holds the lock it may be writing that line right now, so it is only skipped."""
        events, torn_length = self._scan()
        if not torn_length:
            return LogRead(events)
        torn = self._handle_torn()
        if torn is None or torn.repaired:
            events, _ = self._scan()  # the file ends cleanly now (or was clean after all)
        return LogRead(events, torn)

    def _scan(self) -> tuple[list[Event], int]:
        """The whole lines' events, and the length of an incomplete last line (0 if none)."""
        if not os.path.lexists(self.events_path):
            return [], 0
        try:
            # Through open_regular: a FIFO or device in its place is refused, never waited on.
            with open_regular(str(self.events_path)) as handle:
                data = handle.read()
        except FileRefused as exc:
            try:
                what = kind(os.stat(self.events_path).st_mode)
            except OSError:
                what = f"unreadable ({exc.message})"
            raise LedgerCorrupt(
                f"ledger damaged: {_shown(self.events_path)} is {what}, not the event log. "
                "Nothing was changed: move it aside and restore events.jsonl from version "
                "control or a backup"
            ) from None
        except OSError as exc:
            raise LedgerError(f"cannot read {self.events_path}: {exc.strerror}") from None
        global _last_read
        end = data.rfind(b"\n") + 1
        whole, path, last = data[:end], str(self.events_path), _last_read
        if last is not None and last.path == path and last.data == whole:
            return last.events, len(data) - end
        lines = whole.split(b"\n")[:-1]
        events = [self._decode(raw, n) for n, raw in enumerate(lines, 1)]
        _last_read = _Read(path, whole, events)
        return events, len(data) - end

    def _decode(self, raw: bytes, number: int) -> Event:
        try:
            return decode_line(raw)
        except EventError as exc:
            raise LedgerCorrupt(
                f"ledger damaged at {_shown(self.events_path)} line {number}: not a valid ledger "
                f"event ({exc}). Only the last line can be cut by a crash, so this line was "
                "damaged some other way (an edit, a bad merge, a disk fault). Nothing was "
                "changed: restore the file from version control or a backup, or move the damaged "
                "line out by hand."
            ) from None

    def _handle_torn(self) -> TornTail | None:
        with self._mutex:
            if self._lock.held:
                return self._repair_tail()
            try:
                with self.lock(command="torn-tail repair"):
                    return self._repair_tail()
            except LedgerLocked:
                size = self.events_path.stat().st_size
                with self.events_path.open("rb") as f:
                    start = _last_line_start(f.fileno(), size)
                log.warning(
                    "%s ends with an incomplete line (%d bytes), probably being written by "
                    "the run that holds the lock; it was skipped, not repaired",
                    self.events_path,
                    size - start,
                )
                return TornTail(start, size - start, kept=False, repaired=False)

    def _repair_tail(self) -> TornTail | None:
        """Make the file end with a whole line. Called with the lock held (or while appending)."""
        fd = os.open(self.events_path, os.O_RDWR | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
                return None
            start = _last_line_start(fd, size)
            tail = os.pread(fd, size - start, start)
            if _whole_event(tail) is not None:
                # A whole event missing only its newline: the data is all there, keep it.
                os.lseek(fd, 0, os.SEEK_END)
                write_all(fd, b"\n")
                self._fsync(fd)
                log.warning("%s: added the newline missing after its last event", self.events_path)
                return TornTail(start, len(tail), kept=True, repaired=True)
            saved = self._save_torn(tail)
            os.ftruncate(fd, start)
            self._fsync(fd)
        finally:
            os.close(fd)
        log.warning(
            "%s ended with an incomplete line (%d bytes, an append cut short by a crash); "
            "it was removed and kept in %s",
            self.events_path,
            len(tail),
            saved.name,
        )
        return TornTail(start, len(tail), kept=False, repaired=True, saved_to=saved)

    def _save_torn(self, tail: bytes) -> Path:
        stamp = self._clock().strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{EVENTS_NAME}.torn-{stamp}"
        n = 1
        while path.exists():
            n += 1
            path = self.directory / f"{EVENTS_NAME}.torn-{stamp}-{n}"
        write_atomic(path, tail, fsync=self._fsync)
        return path


def _shown(path: Path) -> str:
    """A path for a message: relative to the working directory when it is below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _whole_event(raw: bytes) -> Event | None:
    """The event in `raw` if it is one whole, valid event; None if it is cut short."""
    try:
        return decode_line(raw)
    except EventError:
        return None


#: Deeper JSON than this is no event (the deepest real one, a request summary, has 4 levels);
#: checked before parsing, as json.loads recurses and 5,000 `[` would exhaust the stack.
MAX_NESTING = 64


def _refuse_constant(name: str) -> Any:
    raise EventError(f"{name} is not a number a ledger stores")


#: One decoder for every line (json.loads with an option builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_line(raw: bytes) -> Event:
    """One line of the log -> its event, checked against its type's schema; EventError says
    what is wrong. The one way events enter the program from disk, for every command."""
    if raw.count(b"[") + raw.count(b"{") > MAX_NESTING and _depth(raw) > MAX_NESTING:
        raise EventError(f"JSON nested more than {MAX_NESTING} levels deep")
    try:
        event = _DECODER.decode(raw.decode("utf-8"))
    except RecursionError:
        raise EventError("JSON nested too deep") from None
    except ValueError as exc:
        raise EventError(f"not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise EventError("not a JSON object")
    event = migrate(event)
    check_stored(event)
    if b"\\u" in raw and not _encodable(event):
        raise EventError("a string holds a lone surrogate escape (not text any file can hold)")
    return event


def _depth(raw: bytes) -> int:
    """How deep brackets nest, outside strings (a cheap scan, run only on bracket-rich lines)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _encodable(event: Event) -> bool:
    try:
        json.dumps(event, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _last_line_start(fd: int, size: int) -> int:
    """The offset just after the last newline (0 if there is none), reading backwards."""
    position = size
    while position > 0:
        step = min(65536, position)
        chunk = os.pread(fd, step, position - step)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return position - step + newline + 1
        position -= step
    return 0
