"""One run per ledger: the lock fails at once, names its holder, and dies with its process."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import pytest

from pipeline.ledger.locking import HOLDER_NAME, LedgerLocked
from pipeline.ledger.store import Ledger
from tests.ledger.conftest import Children


def test_a_second_process_is_refused_with_the_holders_details(
    tmp_path: Path, children: Children
) -> None:
    holder = children.start("hold", tmp_path)
    with pytest.raises(LedgerLocked) as caught, Ledger(tmp_path).lock():
        pass
    message = str(caught.value)
    assert f"pid {holder.pid}" in message
    assert f"on host {socket.gethostname()}" in message
    assert "pipeline publish schedules/" in message
    assert "running since 20" in message
    assert "Wait for that run to finish" in message
    assert f"kill {holder.pid}" in message
    # The holder finishes normally: the lock and its note are gone.
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait() == 0
    assert not (tmp_path / HOLDER_NAME).exists()
    with Ledger(tmp_path).lock():
        pass


def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path: Path, children: Children) -> None:
    holder = children.start("hold", tmp_path)
    with pytest.raises(LedgerLocked):
        Ledger(tmp_path).lock().__enter__()
    holder.send_signal(signal.SIGKILL)
    assert holder.wait() == -signal.SIGKILL
    assert (tmp_path / HOLDER_NAME).exists()  # the dead holder's note stays...
    ledger = Ledger(tmp_path)
    with ledger.lock(command="pipeline run"):  # ...but the kernel released its flock
        note = json.loads((tmp_path / HOLDER_NAME).read_text())
        assert (note["pid"], note["command"]) == (os.getpid(), "pipeline run")
        assert ledger.holds_lock
    assert not ledger.holds_lock


def test_two_ledger_objects_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    first, second = Ledger(tmp_path), Ledger(tmp_path)
    with first.lock(command="first"):
        with pytest.raises(LedgerLocked, match=f"pid {os.getpid()} .*: first"):
            second.lock().__enter__()
        with pytest.raises(LedgerLocked, match="already holds"):
            first.lock().__enter__()
    with second.lock():
        assert second.holds_lock


def test_the_holder_note_never_shows_a_secret(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, secrets=["rl_live_abc"])
    with ledger.lock(command="pipeline publish --key rl_live_abc schedules/"):
        note = (tmp_path / HOLDER_NAME).read_text()
    assert "rl_live_abc" not in note
    assert "--key *** schedules/" in note


def test_a_missing_note_still_gives_a_clear_message(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        (tmp_path / HOLDER_NAME).unlink()
        with pytest.raises(LedgerLocked, match=r"another process .*has not recorded"):
            Ledger(tmp_path).lock().__enter__()
