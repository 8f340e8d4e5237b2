"""write_atomic: the old file or the new one, never a mix, and no temp files left behind."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from pipeline.ledger.fileio import fsync_directory, write_atomic
from pipeline.ledger.store import Ledger
from tests.ledger.conftest import Children


def test_a_new_file_is_written_readable_and_alone(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    write_atomic(target, b"a,b\n")
    assert target.read_bytes() == b"a,b\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_replacing_keeps_the_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failing_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    target.write_bytes(b"old\n")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    with pytest.raises(OSError, match="Input/output"):
        write_atomic(target, b"new\n", fsync=failing_fsync)
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_the_data_and_the_directory_are_synced(tmp_path: Path) -> None:
    synced: list[tuple[bool, bytes | None]] = []

    def recorder(fd: int) -> None:
        is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
        synced.append((is_dir, None if is_dir else os.pread(fd, 100, 0)))
        os.fsync(fd)

    write_atomic(tmp_path / "results.csv", b"x,y\n", fsync=recorder)
    assert synced == [(False, b"x,y\n"), (True, None)]  # the whole data first, then the rename


def test_a_process_killed_before_the_replace_leaves_the_old_file(
    tmp_path: Path, children: Children
) -> None:
    target = tmp_path / "results.csv"
    target.write_bytes(b"old,contents\n")
    child = children.start("atomic-kill", tmp_path, wait_for_lock=False)
    assert child.wait() == -signal.SIGKILL
    assert target.read_bytes() == b"old,contents\n"
    leftovers = list(tmp_path.glob(".results.csv.*.tmp"))
    assert [p.read_bytes() for p in leftovers] == [b"new,contents\n"]
    # The next run that takes the lock sweeps the leftover away.
    with Ledger(tmp_path).lock():
        assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    assert target.read_bytes() == b"old,contents\n"


def test_fsync_directory_syncs_a_directory(tmp_path: Path) -> None:
    seen: list[bool] = []
    fsync_directory(tmp_path, fsync=lambda fd: seen.append(stat.S_ISDIR(os.fstat(fd).st_mode)))
    assert seen == [True]
