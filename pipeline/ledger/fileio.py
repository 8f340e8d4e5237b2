"""Durable file writes: fsync what matters, replace files atomically.

A write is only durable once the file's data and, for a new or renamed file, the directory entry
have reached the disk. `write_atomic` follows dlt's `save_atomic` (temp file in the same directory,
then `os.replace`) and adds the fsyncs, so a crash leaves either the old file or the new one,
never a mix. `fsync` is a parameter everywhere so tests can observe it without patching.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Fsync = Callable[[int], None]

#: Temp files are named `.<target>.<random>.tmp`, so a lock holder can sweep leftovers.
TEMP_SUFFIX = ".tmp"


def fsync_directory(directory: str | os.PathLike[str], fsync: Fsync = os.fsync) -> None:
    """Make a directory's entries (a created, renamed or removed file) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """os.write may write less than asked (signals, full disks); loop until all is written."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_atomic(path: str | os.PathLike[str], data: bytes, *, fsync: Fsync = os.fsync) -> None:
    """Replace `path` with `data` so that a crash leaves the old file or the new, whole.

    If anything fails before the replace, the temp file is removed and the old file is
    untouched. A process killed before the replace leaves a `.<name>.*.tmp` file behind, which
    `Ledger.lock()` sweeps up.
    """
    target = Path(path)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644  # mkstemp's 0600 would hide results.csv from the user's other tools
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        try:
            write_all(fd, data)
            os.fchmod(fd, mode)
            fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent, fsync)


def sweep_temp_files(directory: Path) -> list[Path]:
    """Remove temp files left by writers that died before their replace; returns them."""
    removed = []
    for leftover in directory.glob(f".*{TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed
