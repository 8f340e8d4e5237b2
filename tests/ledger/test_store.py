"""The event log on disk: appends, fsync, torn-tail repair, damage in the middle, secrets."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from pipeline.ledger import events as ev
from pipeline.ledger.schema import EventError, LedgerError
from pipeline.ledger.store import Ledger, LedgerCorrupt
from tests.ledger.builders import T0, intent, make, outcome


class FsyncRecorder:
    """Wraps os.fsync and notes what each call synced (path, and size for files)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []

    def __call__(self, fd: int) -> None:
        info = os.fstat(fd)
        path = os.readlink(f"/proc/self/fd/{fd}")
        self.calls.append((path, None if stat.S_ISDIR(info.st_mode) else info.st_size))
        os.fsync(fd)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_the_directory_is_created(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "deep" / "ledger")
    assert ledger.directory.is_dir()
    assert ledger.events() == []
    assert ledger.state().posts == {}


def test_appends_are_lines_that_read_back_in_order(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        ledger.append(intent())
        ledger.append_many([outcome(), ev.WebhookApplied(run="r1", event_id="e", event_type="t")])
    stored = _lines(ledger.events_path)
    assert [e["type"] for e in stored] == ["post.intent", "post.outcome", "webhook.applied"]
    assert ledger.events() == stored
    assert ledger.state().posts["p1"].status == "scheduled"


def test_append_fsyncs_the_file_and_once_the_directory(tmp_path: Path) -> None:
    recorder = FsyncRecorder()
    ledger = Ledger(tmp_path, fsync=recorder)
    with ledger.lock():
        recorder.calls.clear()  # the lock's holder note is fsynced too; look at appends only
        ledger.append(intent())
        size_after_first = ledger.events_path.stat().st_size
        assert recorder.calls == [
            (str(ledger.events_path), size_after_first),  # the data, fully written, then...
            (str(tmp_path), None),  # ...the new file's directory entry
        ]
        recorder.calls.clear()
        ledger.append(outcome())
        # The file exists now: only its data needs syncing, and it is synced with all of it.
        assert recorder.calls == [(str(ledger.events_path), ledger.events_path.stat().st_size)]
    # A later run syncs the directory once more: the run that created the file may have died
    # before its entry reached the disk.
    later = FsyncRecorder()
    reopened = Ledger(tmp_path, fsync=later)
    with reopened.lock():
        later.calls.clear()
        reopened.append(outcome(minute=5))
        reopened.append(outcome(minute=6))
    size = reopened.events_path.stat().st_size
    assert later.calls[:2] == [
        (str(reopened.events_path), later.calls[0][1]),
        (str(tmp_path), None),
    ]
    assert later.calls[2:] == [(str(reopened.events_path), size)]


def test_appending_needs_the_lock(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with pytest.raises(LedgerError, match="needs the ledger's lock"):
        ledger.append(intent())
    assert not ledger.events_path.exists()


def test_an_invalid_event_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        ledger.append(intent())
        bad = outcome()
        del bad["attempt"]
        with pytest.raises(EventError, match="without attempt"):
            ledger.append_many([outcome(), bad])
    assert len(ledger.events()) == 1


def test_a_secret_never_reaches_the_log(tmp_path: Path) -> None:
    key = 'rl_live_s3cr"et'
    ledger = Ledger(tmp_path, secrets=[key])
    with ledger.lock():
        with pytest.raises(EventError, match="contains a secret") as caught:
            ledger.append(make(ev.PostUnknown, identity="p1", reason="x", message=f"key {key}"))
        assert key not in str(caught.value)
        ledger.append(intent())
    assert b"rl_live" not in ledger.events_path.read_bytes()


def _write_torn(ledger: Ledger, tail: bytes) -> bytes:
    with ledger.lock():
        ledger.append_many([intent(), outcome()])
    whole = ledger.events_path.read_bytes()
    with ledger.events_path.open("ab") as f:
        f.write(tail)
    return whole


def test_a_torn_last_line_is_cut_kept_aside_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = Ledger(tmp_path, clock=lambda: T0)
    cut = json.dumps(intent("p2")).encode()[:57]
    whole = _write_torn(ledger, cut)
    reopened = Ledger(tmp_path, clock=lambda: T0)
    with caplog.at_level(logging.WARNING):
        read = reopened.read()
    assert [e["type"] for e in read.events] == ["post.intent", "post.outcome"]
    assert read.torn is not None
    assert (read.torn.offset, read.torn.length) == (len(whole), len(cut))
    assert read.torn.repaired and not read.torn.kept
    assert read.torn.saved_to == tmp_path / "events.jsonl.torn-20260301T090000.000000Z"
    assert read.torn.saved_to.read_bytes() == cut
    assert ledger.events_path.read_bytes() == whole  # repaired on disk
    assert "incomplete line" in caplog.text
    assert reopened.read().torn is None  # and only once


def test_appending_after_a_crash_repairs_first(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    _write_torn(ledger, b'{"v":1,"type":"post.inte')
    with ledger.lock():
        ledger.append(intent("p2"))
    assert [e["identity"] for e in ledger.events()] == ["p1", "p1", "p2"]
    assert len(list(tmp_path.glob("events.jsonl.torn-*"))) == 1


def test_a_whole_event_missing_its_newline_is_kept(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    last = json.dumps(intent("p2")).encode()
    whole = _write_torn(ledger, last)
    read = Ledger(tmp_path).read()
    assert [e["identity"] for e in read.events] == ["p1", "p1", "p2"]
    assert read.torn is not None and read.torn.kept and read.torn.repaired
    assert ledger.events_path.read_bytes() == whole + last + b"\n"
    assert not list(tmp_path.glob("events.jsonl.torn-*"))


def test_two_torn_repairs_in_the_same_instant_keep_both_tails(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, clock=lambda: T0)
    _write_torn(ledger, b"{first")
    ledger.read()
    with ledger.events_path.open("ab") as f:
        f.write(b"{second")
    ledger.read()
    kept = sorted(p.read_bytes() for p in tmp_path.glob("events.jsonl.torn-*"))
    assert kept == [b"{first", b"{second"]


def test_a_tail_being_written_by_the_lock_holder_is_skipped_not_cut(tmp_path: Path) -> None:
    writer = Ledger(tmp_path)
    with writer.lock():
        writer.append(intent())
        with writer.events_path.open("ab") as f:
            f.write(b'{"v":1,"type":"post.out')  # as if the holder were mid-append
        read = Ledger(tmp_path).read()  # another reader, without the lock
        assert [e["type"] for e in read.events] == ["post.intent"]
        assert read.torn is not None and not read.torn.repaired
        assert writer.events_path.read_bytes().endswith(b'"post.out')  # untouched


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (b"this is not json\n", "not a valid ledger event"),
        (b"[1, 2]\n", "not a JSON object"),
        (b'{"v": 1, "type": "post.outcome"}\n', "without 'at'"),
        (b'{"v": 7, "type": "figures", "at": "x", "run": "r"}\n', "newer than this pipeline"),
        (b'{"v": 1, "type": ["post.intent"], "at": "x", "run": "r"}\n', "type must be a string"),
    ],
)
def test_damage_before_the_last_line_is_an_error_naming_the_line(
    tmp_path: Path, damage: bytes, reason: str
) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        ledger.append(intent())
    with ledger.events_path.open("ab") as f:
        f.write(damage)
    with ledger.lock():
        ledger.append(outcome())
    before = ledger.events_path.read_bytes()
    with pytest.raises(LedgerCorrupt) as caught:
        ledger.events()
    message = str(caught.value)
    assert f"ledger damaged at {ledger.events_path} line 2: " in message
    assert reason in message
    assert "Nothing was changed" in message
    assert ledger.events_path.read_bytes() == before


def test_write_view_replaces_a_file_atomically_with_fsync(tmp_path: Path) -> None:
    recorder = FsyncRecorder()
    ledger = Ledger(tmp_path, fsync=recorder)
    ledger.write_view(ledger.results_path, b"a,b\n")
    ledger.write_view(ledger.results_path, b"a,b\n1,2\n")
    assert ledger.results_path.read_bytes() == b"a,b\n1,2\n"
    assert (str(tmp_path), None) in recorder.calls
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
