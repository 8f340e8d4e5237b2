"""A damaged ledger through the commands: one line "ledger damaged at ... line N", exit 1.

Each case is one the fuzzing of issue #11 found crashing every command that reads the ledger.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_publish_cli import NOW, env_for, pipeline, project
from tests.ledger.builders import intent, outcome
from tests.publish.conftest import calendar

FIGURES = {
    "v": 1,
    "type": "figures",
    "at": "2026-11-28T10:00:00.000000Z",
    "run": "r",
    "identity": "p0",
    "post_id": "h",
    "polled_at": "2026-11-28T10:00:00.000000Z",
    "metrics": [1, 2],
}
READERS = [
    ("status", "--ledger", "ledger"),
    ("plan", "schedules", "--now", NOW),
    ("report", "schedules", "--now", NOW),
]


def _project(tmp_path: Path, second: bytes) -> tuple[Path, bytes]:
    root = project(tmp_path, calendar(1))
    (root / "ledger").mkdir()
    data = json.dumps(intent("p0")).encode() + b"\n" + second + b"\n"
    (root / "ledger" / "events.jsonl").write_bytes(data)
    return root, data


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


@pytest.mark.parametrize(
    ("second", "what"),
    [
        pytest.param(_line({**outcome("p0"), "identity": ["p0"]}), "identity", id="list-id"),
        pytest.param(_line({**intent("p0"), "generation": "2"}), "generation", id="string-gen"),
        pytest.param(_line({**outcome("p0"), "at": 1764320000}), "at must be", id="number-at"),
        pytest.param(_line({**outcome("p0"), "at": "yesterday"}), "'yesterday'", id="word-at"),
        pytest.param(_line({**outcome("p0"), "file_ids": 5}), "file_ids", id="file-ids-5"),
        pytest.param(_line(FIGURES), "metrics", id="list-metrics"),
        pytest.param(b"[" * 5000, "nested", id="nested-5000"),
    ],
)
def test_a_wrongly_typed_event_is_damage_at_its_line_for_every_reader(
    tmp_path: Path, second: bytes, what: str
) -> None:
    root, before = _project(tmp_path, second)
    for args in READERS:
        proc = pipeline(root, env_for(None), *args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.startswith(
            f"pipeline {args[0]}: ledger damaged at ledger/events.jsonl line 2: "
        ), proc.stderr
        assert what in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert (root / "ledger" / "events.jsonl").read_bytes() == before
    assert sorted(p.name for p in (root / "ledger").iterdir()) == ["events.jsonl"]


def test_an_unknown_event_type_is_ignored_counted_and_shown(tmp_path: Path) -> None:
    future = {"v": 1, "type": "post.boosted", "at": "2026-11-28T10:00:00.000000Z", "run": "r"}
    root, before = _project(tmp_path, _line({**future, "boost": [1]}))
    proc = pipeline(root, env_for(None), "status", "--ledger", "ledger")
    assert "Traceback" not in proc.stderr
    assert "1 event(s) of a type this version does not know were ignored" in proc.stdout
    proc = pipeline(root, env_for(None), "plan", "schedules", "--now", NOW)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert (root / "ledger" / "events.jsonl").read_bytes() == before


def test_events_jsonl_as_a_folder_is_one_line_exit_1(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    (root / "ledger" / "events.jsonl").mkdir(parents=True)
    for args in READERS[1:]:
        proc = pipeline(root, env_for(None), *args)
        assert proc.returncode == 1, proc.stderr
        assert "events.jsonl is a folder, not the event log" in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_events_jsonl_as_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """Found by the fuzz tests: validate waited for ever on a FIFO in the ledger's place."""
    root = project(tmp_path, calendar(1))
    (root / "ledger").mkdir()
    os.mkfifo(root / "ledger" / "events.jsonl")
    for args in [("validate", "schedules", "--now", NOW), *READERS[1:]]:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=root,
            env=env_for(None),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr
        assert "events.jsonl is a named pipe (FIFO), not the event log" in proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", [".lock", ".lock.holder"])
def test_a_lock_that_is_a_folder_stops_publish_in_one_line_exit_1(
    tmp_path: Path, name: str
) -> None:
    root = project(tmp_path, calendar(1))
    (root / "ledger" / name).mkdir(parents=True)
    # No API is reached: the lock is taken before anything is sent (port 9 refuses anyway).
    env = env_for(None, STATUS200_API_KEY="rl_x", STATUS200_BASE_URL="http://127.0.0.1:9")
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1, proc.stderr
    assert f"ledger/{name} is a folder" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert not (root / "ledger" / "events.jsonl").exists()


def test_a_ledger_that_is_a_file_stops_publish_in_one_line_exit_1(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    (root / "ledger").write_text("not a folder\n", encoding="utf-8")
    env = env_for(None, STATUS200_API_KEY="rl_x", STATUS200_BASE_URL="http://127.0.0.1:9")
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1, proc.stderr
    assert "ledger is not a folder, so it cannot hold the ledger" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert (root / "ledger").read_text(encoding="utf-8") == "not a folder\n"
