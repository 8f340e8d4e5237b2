"""The text report shows a warning repeated in a file once, with its count; `--verbose` lists
every one; errors are never grouped, and the json, markdown and github reports stay complete."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.model import Diagnostic
from pipeline.report import render_github, render_json, render_markdown, render_text
from pipeline.report.diagnostics import GROUP_FROM
from pipeline.rules.codes import make
from tests.helpers import write

NOW = "2026-11-28T12:00:00Z"
SUMMARY = {"errors": 3, "warnings": 9, "files": 2, "entries": 9, "posts": 12, "notes": []}


def _diagnostics() -> list[Diagnostic]:
    tiktok = [
        make("W201", "a.yaml", 10 + i, "no tiktok.privacyLevel", entry=f"t{i}", platform="tiktok")
        for i in range(GROUP_FROM + 2)
    ]
    youtube = [
        make(
            "W202", "a.yaml", 40 + i, "no youtube.privacyStatus", entry=f"y{i}", platform="youtube"
        )
        for i in range(2)
    ]
    errors = [
        make("E201", "a.yaml", 50 + i, "caption too long", entry=f"x{i}", platform="x")
        for i in range(GROUP_FROM)
    ]
    other_file = [make("W201", "b.yaml", 3, "no tiktok.privacyLevel", entry="b", platform="tiktok")]
    return tiktok + youtube + errors + other_file


def _problem_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " warning " in line or " error " in line]


def test_a_repeated_warning_is_one_line_with_its_count_and_first_line() -> None:
    lines = _problem_lines(render_text(_diagnostics(), SUMMARY))
    w201 = [line for line in lines if "W201" in line]
    # a.yaml's seven W201 are one line, at the first; b.yaml's single W201 is its own
    assert len(w201) == 2
    assert w201[0].split()[0] == "10"
    assert f"{GROUP_FROM + 2} × in this file, first at line 10: [t0 · tiktok]" in w201[0]
    assert w201[0].endswith("--verbose lists all")
    assert "×" not in w201[1] and "[b · tiktok]" in w201[1]
    # fewer than GROUP_FROM of a code stay listed; errors are never grouped
    assert len([line for line in lines if "W202" in line]) == 2
    assert len([line for line in lines if "E201" in line]) == GROUP_FROM
    assert not any("×" in line for line in lines if "E201" in line)


def test_verbose_lists_every_warning() -> None:
    text = render_text(_diagnostics(), SUMMARY, verbose=True)
    lines = _problem_lines(text)
    assert len(lines) == len(_diagnostics())
    assert "×" not in text and "--verbose" not in text
    for i in range(GROUP_FROM + 2):
        assert any(f"[t{i} · tiktok]" in line for line in lines)


def test_the_other_formats_stay_complete() -> None:
    diagnostics = _diagnostics()
    assert len(json.loads(render_json(diagnostics, SUMMARY))["diagnostics"]) == len(diagnostics)
    assert render_github(diagnostics, SUMMARY).count("::warning ") == 10
    assert render_markdown(diagnostics, SUMMARY).count(":warning:") == 10


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _tiktok_calendar(tmp_path: Path, posts: int) -> Path:
    media = "media: ['https://cdn.example.com/a.jpg']"
    rows = [
        f"  - {{id: t{i}, at: 2026-12-{1 + i:02d} 09:00, text: hi, {media}}}" for i in range(posts)
    ]
    text = "defaults: {timezone: UTC, account: '@a', platforms: [tiktok]}\nposts:\n"
    write(tmp_path, {"cal.yaml": text + "\n".join(rows) + "\n"})
    return tmp_path / "cal.yaml"


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_commands_group_warnings_and_verbose_lists_them(tmp_path: Path, command: str) -> None:
    calendar = str(_tiktok_calendar(tmp_path, 12))
    argv = [command, calendar, "--now", NOW, "--ledger", str(tmp_path / "ledger")]
    code, out, err = _run(argv)
    assert code == 0, err
    grouped = _problem_lines(out + err)
    assert len(grouped) == 1 and "12 × in this file" in grouped[0]
    code, out, err = _run([*argv, "--verbose"])
    assert code == 0, err
    listed = _problem_lines(out + err)
    assert len(listed) == 12 and all("W201" in line for line in listed)


def test_validate_json_is_never_grouped(tmp_path: Path) -> None:
    calendar = str(_tiktok_calendar(tmp_path, 12))
    code, out, _ = _run(["validate", calendar, "--now", NOW, "--format", "json"])
    assert code == 0
    assert len(json.loads(out)["diagnostics"]) == 12


def test_publish_takes_verbose_too() -> None:
    from pipeline.cli import build_parser

    args = build_parser().parse_args(["publish", "schedules/", "--yes", "-v"])
    assert args.verbose is True
