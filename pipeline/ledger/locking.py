"""One run per ledger: an flock on `<dir>/.lock`, plus a note of who holds it.

flock (through filelock) is released by the kernel when the holding process dies, even by
SIGKILL, so there is never a stale lock to delete by hand. Acquisition does not wait: a second
run fails at once with `LedgerLocked`, whose message names the holder from the sidecar file
`<dir>/.lock.holder` (pid, host, command, start time) and says what to do.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import filelock

from pipeline.ledger.fileio import Fsync, write_atomic
from pipeline.ledger.schema import LedgerError, format_time, now

LOCK_NAME = ".lock"
HOLDER_NAME = ".lock.holder"


class LedgerLocked(LedgerError):
    """Another process holds the ledger's lock."""


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int
    host: str
    command: str
    started_at: str  # UTC ISO-8601

    def describe(self) -> str:
        return (
            f"pid {self.pid} on host {self.host}, running since {self.started_at}: {self.command}"
        )


def current_holder(command: str | None, secrets: Iterable[str]) -> Holder:
    text = command if command is not None else shlex.join(sys.argv)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")  # a key on the command line stays out of the file
    return Holder(os.getpid(), socket.gethostname(), text, format_time(now()))


def read_holder(directory: Path) -> Holder | None:
    try:
        raw = json.loads((directory / HOLDER_NAME).read_text(encoding="utf-8"))
        return Holder(
            int(raw["pid"]), str(raw["host"]), str(raw["command"]), str(raw["started_at"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not written yet, or being replaced: the message says less, that's all


def locked_message(directory: Path) -> str:
    holder = read_holder(directory)
    who = holder.describe() if holder else "another process (it has not recorded its details)"
    pid_hint = f" (kill {holder.pid} on {holder.host})" if holder else ""
    return (
        f"the ledger {directory} is in use by {who}. Only one run may use a ledger at a time. "
        f"Wait for that run to finish, or stop it{pid_hint}, then run again. The lock is released "
        "automatically when that process exits, so there is no lock file to delete."
    )


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


class LedgerLock:
    """The flock and the holder note; `acquire()` raises LedgerLocked instead of waiting."""

    def __init__(self, directory: Path, *, fsync: Fsync) -> None:
        self.directory = directory
        self._fsync = fsync
        self._lock = filelock.FileLock(
            str(directory / LOCK_NAME),
            blocking=False,
            thread_local=False,
            fallback_to_soft=False,  # a soft lock would survive a SIGKILL; flock never does
        )

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def acquire(self, holder: Holder) -> None:
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise LedgerLocked(locked_message(self.directory)) from None
        except IsADirectoryError:
            raise LedgerError(
                f"the ledger's lock file {_shown(self.directory / LOCK_NAME)} is a folder: "
                "nothing can lock the ledger. Remove that folder (it holds no ledger data), then "
                "run again."
            ) from None
        except OSError as exc:
            raise LedgerError(
                f"cannot lock the ledger ({self.directory / LOCK_NAME}: {exc.strerror})"
            ) from None
        try:
            data = json.dumps(asdict(holder), indent=2).encode() + b"\n"
            write_atomic(self.directory / HOLDER_NAME, data, fsync=self._fsync)
        except IsADirectoryError:
            self._lock.release()
            raise LedgerError(
                f"the ledger's lock note {_shown(self.directory / HOLDER_NAME)} is a folder. "
                "Remove that folder (it holds no ledger data), then run again."
            ) from None
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        # The note goes first: once the flock is free, the next holder writes its own.
        (self.directory / HOLDER_NAME).unlink(missing_ok=True)
        self._lock.release()
