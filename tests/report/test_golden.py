"""Golden files for `pipeline validate --format markdown` and `--format github`.

The calendar under tests/golden/calendar/ has a known set of problems, with `|`, `<`, `&`, `%`,
`::`, backticks and newlines in ids, field names and captions, and a comma in a file name, so the
escaping of both formats is pinned down. After an intended change to the output, regenerate with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/report/test_golden.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline.config import load_config
from pipeline.model import Diagnostic, Severity
from pipeline.report import render_github, render_markdown
from pipeline.textsafe import printable
from pipeline.validate.check import ValidationResult, validate
from tests.helpers import REPO
from tests.report.htmltree import parse

GOLDEN = REPO / "tests" / "golden"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CASES = {"markdown": "validate.md", "github": "validate.github.txt"}


@pytest.fixture(scope="module")
def result() -> ValidationResult:
    cwd = os.getcwd()
    os.chdir(GOLDEN)  # diagnostics name files as given: calendar/december.yaml
    try:
        return validate(["calendar"], load_config("calendar"), NOW)
    finally:
        os.chdir(cwd)


def _render(fmt: str, result: ValidationResult) -> str:
    renderer = render_markdown if fmt == "markdown" else render_github
    return renderer(result.diagnostics, result.summary())


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_renderer_matches_golden(fmt: str, result: ValidationResult) -> None:
    _compare(CASES[fmt], _render(fmt, result))


def test_the_golden_calendar_has_its_known_problems(result: ValidationResult) -> None:
    assert {(d.code, d.file, d.line) for d in result.diagnostics} == {
        ("E201", "calendar/december.yaml", 8),
        ("W401", "calendar/december.yaml", 8),
        ("W102", "calendar/december.yaml", 16),
        ("E107", "calendar/december.yaml", 19),
        ("E403", "calendar/december.yaml", 21),
        ("E202", "calendar/tips, week 49.csv", 4),
    }


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "pipeline"), "validate", "calendar", *args],
        cwd=GOLDEN,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_prints_and_summarises_the_same(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    summary = tmp_path / "summary.md"
    env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    ran = _cli("--now", "2026-11-28T12:00Z", env=env)  # auto: github annotations under Actions
    assert (ran.returncode, ran.stderr) == (1, "")
    assert ran.stdout == (GOLDEN / CASES["github"]).read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == (GOLDEN / CASES["markdown"]).read_text(
        encoding="utf-8"
    )


# --- what the escaping must achieve, for any text -------------------------------------------------

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Printable text with markup's own characters often; control characters are not calendar text.
_TEXT = st.text(
    st.one_of(
        st.sampled_from(list("|\\`*_{}[]<>#&~%:!-+=@ \nscript")),
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]),
    ),
    max_size=60,
)


def _diagnostic(entry: str, message: str, file: str) -> Diagnostic:
    return Diagnostic(file, 7, "E201", "caption-too-long", Severity.ERROR, entry, "x", message)


def _summary() -> dict[str, object]:
    return {"errors": 1, "warnings": 0, "files": 1, "entries": 1, "posts": 1, "notes": []}


def _flat(text: str) -> str:
    """One line, with bidi controls shown as escapes (`printable`), as every renderer shows them."""
    return printable(" ".join(text.splitlines()).strip())


def _shown(text: str) -> str:
    """What an annotation field unescapes to: the text, its bidi controls shown as escapes."""
    return "\n".join(printable(line) for line in text.split("\n"))


@settings(max_examples=150, deadline=None)
@given(entry=_TEXT, message=_TEXT, file=_TEXT.filter(lambda f: f.strip()))
def test_markdown_cells_read_back_as_written(entry: str, message: str, file: str) -> None:
    """Rendered as GitHub does (CommonMark + tables), the row keeps its seven cells and each
    cell shows exactly the text, on one line: no markup, HTML or extra column gets in."""
    text = render_markdown([_diagnostic(entry, message, file)], _summary())
    root = parse(_MD.render(text))
    rows = [tr for tr in root.find_all("tr") if tr.find_all("td")]
    assert len(rows) == 1
    cells = rows[0].find_all("td")
    assert len(cells) == 7
    assert cells[3].text() == _flat(entry) and not cells[3].find_all("em")
    assert cells[5].text() == _flat(message)
    assert [n.tag for n in cells[5].walk()] == []  # plain text, no element at all
    assert cells[2].find("code").text() == _flat(f"{file}:7")


_COMMAND = re.compile(r"^::(error|warning) file=([^,]*),line=(\d+),title=([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    for escaped, char in (("%0A", "\n"), ("%0D", "\r"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


@settings(max_examples=150, deadline=None)
@given(entry=_TEXT, message=_TEXT, file=_TEXT.filter(lambda f: f.strip()))
def test_github_annotations_stay_one_command_each(entry: str, message: str, file: str) -> None:
    """One workflow command per problem, on one line, whose fields unescape to the originals."""
    lines = render_github([_diagnostic(entry, message, file)], _summary()).splitlines()
    assert len(lines) == 2 and not lines[1].startswith("::")
    match = _COMMAND.match(lines[0])
    assert match, lines[0]
    assert _unescape(match[2]) == _shown(file)
    assert match[3] == "7"
    where = f"[{entry} · x] " if entry else "[x] "
    assert _unescape(match[5]) == _shown(f"{where}{message}")
