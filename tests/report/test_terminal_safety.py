"""User values reach the terminal shown, never obeyed: no escape sequence, bidi override, rich
markup or emoji code in an id, caption, file name or ledger value changes what the terminal does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.apply.publisher import RunSummary
from pipeline.cli import main
from pipeline.ledger import Ledger
from pipeline.model import Diagnostic, Severity
from pipeline.report import render_github, render_markdown, render_text
from pipeline.report.summary import render_summary_text
from pipeline.rules.codes import make
from pipeline.runner.logs import quote
from pipeline.textsafe import clip, printable, shorten
from tests.helpers import write
from tests.ledger.builders import intent, outcome

NOW = "2026-11-28T12:00:00Z"
#: ESC (CSI colour, OSC title), the 8-bit CSI, BEL, backspace, CR, a bidi override and isolate.
NASTY = "a\x1b[31mRED\x1b]0;owned\x07\x9b2J\x08\r\u202eevil\u2066:smile:[bold]b"
#: What must never reach the terminal raw (rich adds ESC only for its own colours).
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _diagnostic(entry: str, message: str, file: str = "cal.yaml") -> Diagnostic:
    return Diagnostic(file, 3, "E106", "duplicate-id", Severity.ERROR, entry, "x", message, "hint")


def _summary() -> dict[str, object]:
    return {"errors": 1, "warnings": 0, "files": 1, "entries": 1, "posts": 1, "notes": [NASTY]}


def test_printable_shows_each_control_as_its_escape() -> None:
    assert printable(NASTY) == (
        "a\\x1b[31mRED\\x1b]0;owned\\x07\\x9b2J\\x08\\r\\u202eevil\\u2066:smile:[bold]b"
    )
    assert printable("tab\there\nnext\x00\x7f\u200f") == "tab\\there\\nnext\\x00\\x7f\\u200f"
    assert printable("café 🚀 ok") == "café 🚀 ok"  # ordinary text, emoji included, untouched


@given(st.text())
def test_printable_leaves_nothing_unsafe(text: str) -> None:
    assert not UNSAFE.search(printable(text)) and "\n" not in printable(text)


@given(entry=st.text(), message=st.text(), file=st.text(), color=st.booleans())
def test_text_report_lines_are_exactly_the_expected_ones(
    entry: str, message: str, file: str, color: bool
) -> None:
    """Whatever the values: a header, the problem, its hint, a blank line, the count and the
    note; nothing that moves the cursor or starts a new line, and no escape but rich's colours."""
    out = render_text([_diagnostic(entry, message, file)], _summary(), color=color)
    plain = re.sub("\x1b\\[[0-9;]*m", "", out)
    assert len(out.split("\n")) == 7 and out.endswith("\n")
    assert not UNSAFE.search(plain)


@pytest.mark.parametrize("color", [False, True])
def test_text_report_shows_ids_messages_and_file_names_escaped(color: bool) -> None:
    out = render_text(
        [_diagnostic(NASTY, f"id {NASTY}", file=f"f{NASTY}.yaml")], _summary(), color=color
    )
    # Every user value, printed four times (file, entry, message, note), exactly as escaped;
    # the only ESC left are rich's own colours when colour was asked for.
    plain = re.sub("\x1b\\[[0-9;]*m", "", out)
    assert plain.count(printable(NASTY)) == 4
    assert not UNSAFE.search(plain)
    assert ("\x1b" in out) is color
    assert "😄" not in out and ":smile:[bold]b" in plain  # no emoji, no markup obeyed


def test_markdown_and_github_reports_escape_controls_too() -> None:
    for render in (render_markdown, render_github):
        out = render([_diagnostic(NASTY, NASTY)], _summary())
        assert not UNSAFE.search(out.replace("\n", "")), render.__name__
        assert "\\x1b" in out and "\\u202e" in out


def test_github_annotations_keep_their_required_escapes() -> None:
    out = render_github([_diagnostic("e", "50% done\r\nnext\x1b[0m")], _summary())
    assert "::[e · x] 50%25 done%0D%0Anext\\x1b[0m (hint" in out


def test_publish_summary_escapes_failures_and_problems() -> None:
    summary = RunSummary(plan=None, run="r1")
    summary.failures.append(NASTY)
    summary.problems.append(NASTY)
    out = render_summary_text(summary)
    assert out.count(printable(NASTY)) == 2 and not UNSAFE.search(out.replace("\n", ""))
    assert "😄" not in out


def test_shorten_and_clip_quote_long_values_by_their_start_and_length() -> None:
    assert shorten("abc") == "'abc'"
    assert shorten("a" * 10_000_000) == "'" + "a" * 80 + "…' (10,000,000 characters)"
    assert clip("b" * 50, limit=10) == "bbbbbbbbbb… (50 characters)"
    assert len(printable("\x1b" * 5000)) < 4 * 1000 + 40  # clipped before it is escaped


# --- the commands, end to end ------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def _calendar(platform: str) -> str:
    # YAML double-quoted escapes: \e is ESC, \a BEL, \b backspace, \x9b the 8-bit CSI, \u202e RLO.
    nasty = r"a\e[31mRED\e]0;owned\a\x9b2J\b\r\u202eevil:smile:[bold]b"
    return (
        "posts:\n"
        f'  - {{id: "{nasty}", at: 2026-12-01 09:00, timezone: UTC, platform: {platform},'
        f' account: "@b{nasty}", text: "hi {nasty}"}}\n'
    )


@pytest.mark.parametrize(
    ("command", "platform"),
    [("validate", "twiter"), ("plan", "twiter"), ("plan", "x")],
)
def test_commands_print_user_values_escaped(
    project: Path, capsys: pytest.CaptureFixture[str], command: str, platform: str
) -> None:
    write(project, {"cal.yaml": _calendar(platform)})
    args = [command, "cal.yaml", "--now", NOW]
    code = main([*args, "--skip-invalid"] if command == "plan" else args)
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert "\\x1b[31mRED" in out + err  # the id is shown, escaped...
    assert not UNSAFE.search((out + err).replace("\n", ""))  # ...and nothing raw got through
    assert "😄" not in out + err and ":smile:[bold]b" in out + err
    assert "Traceback" not in out + err


def test_status_prints_ledger_values_escaped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger(project / "ledger")
    with ledger.lock("test"):
        ledger.append_many(
            [
                intent(NASTY, source=f"cal.yaml{NASTY}"),
                outcome(NASTY, result="failed", http_status=400, error_message=NASTY),
            ]
        )
    code = main(["status", "--ledger", str(project / "ledger")])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert printable(NASTY) in out
    assert not UNSAFE.search(out.replace("\n", ""))


def test_usage_errors_print_paths_escaped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "no\x1b]0;owned\x07such.yaml", "--now", NOW])
    _, err = capsys.readouterr()
    assert code == 2
    assert "no\\x1b]0;owned\\x07such.yaml" in err and "\x1b" not in err


def test_diagnostics_clip_a_huge_message_for_every_format() -> None:
    d = make("E107", "cal.yaml", 2, f"unknown platform {'q' * 100_000!r}", hint="h" * 5000)
    assert d.message.endswith("… (100,019 characters)") and len(d.message) < 1100
    assert d.hint.endswith("… (5,000 characters)")


def test_runner_log_lines_show_c1_and_bidi_controls_escaped() -> None:
    """JSON quoting escapes C0 controls but leaves C1 (the 8-bit CSI) and bidi overrides raw."""
    shown = quote(NASTY)
    assert not UNSAFE.search(shown)
    assert "\\u001b[31mRED" in shown and "\\x9b2J" in shown and "\\u202eevil" in shown
    assert quote("plain-id:x") == "plain-id:x"
    assert quote("x" * 5000).count("x") == 5000  # a traceback field is not clipped
