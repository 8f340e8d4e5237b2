"""The fuzz runner itself: it must see each way a run can go wrong, or the fuzz tests prove
nothing. `main` is replaced before the fork, so the child runs the stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz import runner
from tests.fuzz.strategies import SECRET


def _run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, main: Callable[[list[str]], int]
) -> runner.Run:
    monkeypatch.setattr(runner, "main", main)
    monkeypatch.setattr(runner, "WALL_S", 1.0)
    root = tmp_path / "project"
    root.mkdir()
    return runner.run(root, ["validate", "cal.yaml"])


def test_a_clean_run_is_no_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def main(argv: list[str]) -> int:
        print("1 error")
        return 1

    result = _run(tmp_path, monkeypatch, main)
    assert (result.code, result.problem, result.output) == (1, None, "1 error\n")


def test_an_exception_escaping_main_is_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def main(argv: list[str]) -> int:
        raise ValueError("boom")

    result = _run(tmp_path, monkeypatch, main)
    assert result.code == runner.CRASHED
    assert result.problem == "traceback: ValueError: boom"


def test_a_hang_is_killed_at_the_wall_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def main(argv: list[str]) -> int:
        time.sleep(60)
        return 0

    result = _run(tmp_path, monkeypatch, main)
    assert result.timed_out and result.code is None
    assert result.problem is not None and result.problem.startswith("hung")


def test_memory_beyond_the_cap_fails_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def main(argv: list[str]) -> int:
        blob = bytearray(2 * runner.MEMORY)  # over the address-space cap: MemoryError
        return len(blob)

    result = _run(tmp_path, monkeypatch, main)
    assert result.problem == "traceback: MemoryError"


@pytest.mark.parametrize(
    ("main", "problem"),
    [
        (lambda argv: 3, "exit code 3"),
        (lambda argv: print(SECRET) or 1, "echoed a secret from a file outside the project"),
        (
            lambda argv: print("Traceback (most recent call last):") or 1,
            "traceback: Traceback (most recent call last):",
        ),
    ],
    ids=["exit-code", "secret", "printed-traceback"],
)
def test_other_failures_are_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    main: Callable[[list[str]], int],
    problem: str,
) -> None:
    assert _run(tmp_path, monkeypatch, main).problem == problem
