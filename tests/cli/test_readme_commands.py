"""The README's documented commands, run as written on the shipped calendars, on any date.

Every `.venv/bin/pipeline validate|plan|report …` line of the README's `sh` blocks runs with the
clock frozen today, six months from now and two years from now (time-machine freezes it for the
whole process, as a calendar's reader would meet it), and must do what the README says:
- each validate line's last line is quoted in the README (the summary it promises), and the
  output block after the Validate section's commands is exactly what its example prints;
- plan and report succeed; the demo's plan creates every post of the demo calendars.
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
TODAY = datetime.now(UTC).replace(microsecond=0)
CLOCKS = {
    "today": TODAY,
    "in-6-months": TODAY + timedelta(days=182),
    "in-2-years": TODAY + timedelta(days=731),
}
OFFLINE = ("validate", "plan", "report")


def _blocks(language: str) -> list[str]:
    """The README's fenced blocks opened with ```language (an empty language: plain blocks)."""
    blocks: list[str] = []
    current: list[str] | None = None
    opened = ""
    for line in README.splitlines():
        if line.startswith("```"):
            if current is None:
                current, opened = [], line[3:].strip()
            else:
                if opened == language:
                    blocks.append("\n".join(current) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def documented_commands() -> list[list[str]]:
    """argv (after `pipeline`) of every offline pipeline command in the README's sh blocks."""
    found = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line.startswith(".venv/bin/pipeline "):
                continue
            argv = shlex.split(line)[1:]
            if argv and argv[0] in OFFLINE:
                found.append(argv)
    return found


COMMANDS = documented_commands()


def test_the_readme_documents_the_commands_this_test_runs() -> None:
    """If the README's commands moved or changed form, this test must not pass on nothing."""
    subcommands = {argv[0] for argv in COMMANDS}
    assert subcommands == set(OFFLINE), COMMANDS
    assert ["validate", "schedules/"] in COMMANDS
    assert any(argv[:2] == ["validate", "demo/with-problems/"] for argv in COMMANDS)


def _run(
    argv: list[str], clock: datetime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    if "--output" in argv:  # reports go to the test's folder, not the work tree
        argv = [*argv]
        argv[argv.index("--output") + 1] = str(tmp_path / Path(argv[argv.index("--output") + 1]))
    with time_machine.travel(clock, tick=True):
        code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def at_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "STATUS200_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return REPO


def _assert_same_but_the_horizon_edge(last: str, argv: list[str]) -> None:
    """An open-ended series makes the occurrences of the next 365 days: twelve of a monthly
    one, but eleven when the window's ends fall between two of them (a day after each 1st in
    a leap year's span, or the last minute before one). So the README's count of posts
    checked may be one occurrence (on two platforms) more than printed, nothing else."""
    printed = re.fullmatch(r"(.*\()(\d+) (entr(?:y|ies)), (\d+) posts checked\)", last)
    assert printed, f"{' '.join(argv)} printed {last!r}, which the README does not say"
    said = re.search(
        re.escape(printed[1]) + rf"{printed[2]} {printed[3]}, (\d+) posts checked\)", README
    )
    assert said, f"{' '.join(argv)} printed {last!r}, which the README does not say"
    assert 0 <= int(said[1]) - int(printed[4]) <= 2, (last, said[0])


@pytest.mark.parametrize("when", list(CLOCKS))
@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_a_documented_command_does_what_the_readme_says(
    argv: list[str],
    when: str,
    at_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(argv, CLOCKS[when], tmp_path, capsys)
    assert "Traceback" not in err
    if argv[0] == "validate":
        last = out.strip().splitlines()[-1]
        if last not in README:
            _assert_same_but_the_horizon_edge(last, argv)
        if "with-problems" in argv[1]:
            assert code == 1
            assert out.strip() in [b.strip() for b in _blocks("")], out
        else:
            assert (code, err) == (0, ""), out + err
    elif argv[0] == "plan":
        assert (code, err) == (0, ""), out + err
        assert re.search(r"^Plan: \d+ to create", out, flags=re.MULTILINE), out
        if "demo/schedules/" in argv:
            assert "Plan: 50 to create, 0 to replace, 0 to cancel, 0 unchanged." in out
    else:
        assert code == 0, out + err
        written = tmp_path / argv[argv.index("--output") + 1]
        assert written.stat().st_size > 0 and out.startswith(f"wrote {written}")
