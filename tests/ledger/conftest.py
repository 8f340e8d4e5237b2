from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


class Children:
    """Starts `tests.ledger.child` processes and makes sure none outlives its test."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, mode: str, directory: Path, *args: str, wait_for_lock: bool = True
    ) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.child", mode, str(directory), *args],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(child)
        if wait_for_lock:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line == "locked\n", child.stderr.read() if child.stderr else line
        return child

    def stop_all(self) -> None:
        for child in self.started:
            if child.poll() is None:
                child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def children() -> Iterator[Children]:
    tracker = Children()
    try:
        yield tracker
    finally:
        tracker.stop_all()
