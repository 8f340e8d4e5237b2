"""`pipeline validate` and `pipeline plan` as users run them: (exit code, stdout, stderr)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.helpers import REPO, write

NOW = "2026-11-28T12:00:00Z"
GOOD = "posts:\n  - {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
BAD = "posts:\n  - {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n  - {id: b, at: 2026-12-01 09:00, timezone: UTC, platform: twiter, account: '@b', text: hi}\n"
WARN = "posts:\n  - {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: youtube, account: '@b', text: hi, title: t, media: ['https://cdn.example.com/v.mp4']}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def test_valid_calendar_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"cal.yaml": GOOD})
    code, out, err = run(capsys, "validate", "cal.yaml", "--now", NOW)
    assert (code, err) == (0, "")
    assert (
        out.strip()
        == "✔ 0 errors, 0 warnings in 1 file (1 entry, 1 post checked)\nnote: plan allowance not checked: no plan: in pipeline.yaml (e.g. plan: {tier: beginner, daily: 20})"
    )


def test_errors_exit_1_with_file_line_code_and_hint(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"cal.yaml": BAD})
    code, out, err = run(capsys, "validate", "cal.yaml", "--now", NOW)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "cal.yaml"
    assert lines[1].split() == [
        "3",
        "error",
        "E107",
        "unknown-platform",
        "[b]",
        "unknown",
        "platform",
        "'twiter'",
    ]
    assert (
        lines[2].strip()
        == "hint: did you mean 'x'? known: tiktok, instagram, facebook, youtube, x, linkedin, pinterest, threads, skool"
    )
    assert "1 error, 0 warnings" in out


def test_strict_makes_warnings_fail(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"cal.yaml": WARN})
    assert run(capsys, "validate", "cal.yaml", "--now", NOW)[0] == 0
    code, out, _ = run(capsys, "validate", "cal.yaml", "--now", NOW, "--strict")
    assert code == 1 and "W202" in out


def test_json_format_is_the_documented_shape(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"cal.yaml": BAD})
    code, out, err = run(capsys, "validate", "cal.yaml", "--now", NOW, "--format", "json")
    assert (code, err) == (1, "")
    data = json.loads(out)
    (diag,) = data["diagnostics"]
    assert {"severity", "code", "file", "line", "entry", "platform", "message", "hint"} <= set(diag)
    assert (diag["severity"], diag["code"], diag["file"], diag["line"], diag["entry"]) == (
        "error",
        "E107",
        "cal.yaml",
        3,
        "b",
    )
    assert data["summary"]["errors"] == 1 and data["summary"]["entries"] == 2


def test_output_file_and_github_and_step_summary(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"cal.yaml": BAD})
    summary = project / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = run(capsys, "validate", "cal.yaml", "--now", NOW, "--output", "report.txt")
    assert (code, out, err) == (1, "", "")
    report = (project / "report.txt").read_text()
    assert report.startswith(
        "::error file=cal.yaml,line=3,title=E107 unknown-platform::[b] unknown platform 'twiter'"
    )
    assert "E107" in summary.read_text() and summary.read_text().startswith(
        "### :x: Calendar validation"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["validate", "missing.yaml"],
            "pipeline validate: missing.yaml: no such file or directory\n",
        ),
        (
            ["validate", "cal.yaml", "--now", "yesterday"],
            "pipeline validate: --now 'yesterday': expected an ISO time such as 2026-12-01T09:00Z\n",
        ),
        (
            ["validate", "cal.yaml", "--config", "nope.yaml"],
            "pipeline validate: --config nope.yaml: no such file\n",
        ),
        (["plan", "missing/"], "pipeline plan: missing/: no such file or directory\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    write(project, {"cal.yaml": GOOD})
    assert run(capsys, *argv) == (2, "", message)


def test_bad_flag_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--format", "xml", "x"])
    assert info.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 2 and out == "" and "validate" in err and "publish" in err


def test_plan_shows_creates_and_forecast(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"cal.yaml": GOOD})
    code, out, err = run(capsys, "plan", "cal.yaml", "--now", NOW)
    assert (code, err) == (0, "")
    assert "+ create    2026-12-01 09:00 UTC" in out
    assert "Plan: 1 to create, 0 to replace, 0 to cancel, 0 unchanged." in out
    assert "Submitting takes about 0 s under the API's throttles" in out
    code, out, _ = run(capsys, "plan", "cal.yaml", "--now", NOW, "--json")
    assert code == 0 and json.loads(out)["counts"]["create"] == 1


def test_plan_refuses_when_the_calendar_has_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"cal.yaml": BAD})
    code, out, err = run(capsys, "plan", "cal.yaml", "--now", NOW)
    assert code == 1 and "E107" in err and "nothing would be sent" in err
    code, out, err = run(capsys, "plan", "cal.yaml", "--now", NOW, "--skip-invalid")
    assert code == 0 and "skipped" in out and "1 to create" in out


def test_example_calendars_validate_cleanly() -> None:
    """Dogfood: the demo calendars are validated by `make test`, at the demo's pinned clock."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "demo/schedules/", "--now", NOW, "--strict"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors, 0 warnings in 2 files" in proc.stdout


def test_console_script_is_installed() -> None:
    pipeline = Path(sys.executable).with_name("pipeline")
    proc = subprocess.run([str(pipeline), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("pipeline ")


def test_report_writes_one_self_contained_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"cal.yaml": BAD})
    code, out, err = run(capsys, "report", "cal.yaml", "--now", NOW, "--output", "out.html")
    assert (code, err) == (0, "")
    assert out == "wrote out.html (2 entries, 1 diagnostics)\n"
    html = (project / "out.html").read_text()
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert "E107" in html and "http://" not in html.split("<body", 1)[0].replace(
        "http://www.w3.org", ""
    )


@pytest.mark.parametrize(
    "now", ["0001-01-01T00:00Z", "9999-12-31T23:59Z", "0001-01-01T00:00+05:00"]
)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_now_out_of_range_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], command: str, now: str
) -> None:
    write(project, {"cal.yaml": GOOD})
    code, out, err = run(capsys, command, "cal.yaml", "--now", now)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"pipeline {command}: --now ")
    assert "1900-9000" in err


BROKEN_CALENDAR = (
    "posts:\n"
    "  - &base {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
    "  - {<<: *base, id: b, text: !!binary aGVsbG8gd29ybGQ=}\n"
    "  - {<<: [*base], id: c, at: '0001-01-01 00:00+05:00'}\n"
    "  - {<<: *base, id: d, at: '9999-12-31 23:59'}\n"
    "  - {<<: *base, id: d2, timezone: " + "Z" * 300 + "}\n"
    "  - {<<: *base, id: e, text: !!python/object/apply:os.system ['echo pwned'], title: !custom t}\n"
    "  - {<<: *base, id: f, text: !!str [1, 2], media: ['https://[::1/x.jpg', \"a\\0.jpg\"]}\n"
    "  - {<<: *base, id: g, at: !!timestamp garbage, x: !!bool maybe, clip_index: !!int abc}\n"
    '  - {<<: *base, id: h, id: i, timezone: [America/New_York], text: "\\e[31mred"}\n'
    '  - {<<: *base, id: j, text: "\\ud83d\\ude80"}\n'
)


def test_broken_calendar_subprocess_has_codes_and_no_traceback(project: Path) -> None:
    """The issue's calendar crashes in one file: each is a diagnostic; nothing is executed."""
    write(
        project,
        {
            "cal.yaml": BROKEN_CALENDAR.replace(
                '  - {<<: *base, id: j, text: "\\ud83d\\ude80"}\n', ""
            )
        },
    )
    write(project, {"emoji.yaml": 'posts:\n  - {id: k, text: "\\ud83d\\ude80"}\n'})
    write(project, {"cal.csv": "id,captions.,captions.x\nz,a,b\n"})
    write(project, {"tabs.csv": "id\tat\nz\t2026-12-01 09:00\n"})
    for command in ("validate", "plan"):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", command, ".", "--now", NOW],
            capture_output=True,
            text=True,
            cwd=project,
            timeout=120,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert "pwned" not in done.stdout.replace("echo pwned", "")
        report = done.stdout + done.stderr
        for code in (
            "E115",
            "E116",
            "E117",
            "E105",
            "E401",
            "E402",
            "E314",
            "E101",
            "E104",
            "E102",
        ):
            assert code in report, (code, report)
