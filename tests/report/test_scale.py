"""Big calendars cost work in proportion to their size, and little of it per line.

Measured as Python function calls (cProfile's count), never as time: a count is the same on a
loaded CI machine and on a laptop. 50,000 rows sharing one id used to take 30 s in `plan` and in
text `validate`, about 500 calls a printed line inside rich (markup parsing, wrapping, segments);
the text reports are now plain strings, a dozen calls a line.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.model import Diagnostic, Severity
from pipeline.report import render_text
from tests.helpers import write

NOW = "2026-11-28T12:00:00Z"


def calls(work: Callable[[], object]) -> int:
    """How many Python function calls `work` makes (deterministic, unlike its duration)."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        work()
    finally:
        profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined,no-any-return]


def _duplicates(n: int) -> list[Diagnostic]:
    return [
        Diagnostic(
            "cal.csv",
            line,
            "E106",
            "duplicate-id",
            Severity.ERROR,
            "same",
            None,
            "id 'same' is already used at cal.csv:2",
            "give each post its own",
        )
        for line in range(3, n + 3)
    ]


_SUMMARY = {"errors": 1, "warnings": 0, "files": 1, "entries": 1, "posts": 1, "notes": []}


@pytest.mark.parametrize("color", [False, True])
def test_the_text_report_does_a_few_calls_a_line(color: bool) -> None:
    small, big = (
        calls(partial(render_text, _duplicates(n), _SUMMARY, color=color)) for n in (1000, 2000)
    )
    per_line = (big - small) / 1000
    assert per_line < 60, per_line  # about 40 (the diagnostics built included); rich took 500


def _calendar(project: Path, rows: int, *, same_id: bool) -> str:
    name = f"cal{rows}.csv"
    lines = ["id,at,timezone,platform,account,text"]
    lines += [
        f"{'same' if same_id else f'p{i}'},2026-12-01 09:00,UTC,x,@b,hello {i}" for i in range(rows)
    ]
    write(project, {name: "\n".join(lines) + "\n"})
    return name


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    # One process: the forked half of a big calendar would do its work where no one counts it.
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    return tmp_path


@pytest.mark.parametrize(
    ("command", "same_id"),
    [("validate", True), ("plan", True), ("plan", False)],
    ids=["validate-one-id", "plan-one-id", "plan-distinct-ids"],
)
def test_commands_do_linear_work_with_a_small_constant(
    project: Path, command: str, same_id: bool
) -> None:
    """Rows sharing one id (one E106 a row) and rows each a post (one plan line a row): each
    doubling of the rows adds about as much work as the one before, and little per row."""
    names = {n: _calendar(project, n, same_id=same_id) for n in (1000, 2000, 4000)}
    _run([command, names[1000], "--now", NOW])  # imports and caches, before counting
    counted = {n: calls(partial(_run, [command, name, "--now", NOW])) for n, name in names.items()}
    first, second = counted[2000] - counted[1000], counted[4000] - counted[2000]
    assert second < 2.3 * first, counted  # quadratic work would make it 4x
    assert second / 2000 < 250, counted  # about 150 now; rich alone took 500 a printed line


@pytest.mark.slow
def test_fifty_thousand_rows_sharing_one_id(project: Path) -> None:
    """The issue's calendar, whole: every duplicate reported once, on its own line, by both
    commands (it took 30 s; a few seconds now, and the work is pinned down by the counts above)."""
    name = _calendar(project, 50_000, same_id=True)
    for command in ("validate", "plan"):
        code, output = _run([command, name, "--now", NOW])
        assert code == 1
        assert output.count(" E106 duplicate-id ") == 49_999
        assert "  50001  error   E106 duplicate-id  [same] id 'same' is already used" in output
        assert "Traceback" not in output
