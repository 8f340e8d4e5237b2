"""`pipeline sandbox`: every flag documented, the exports printed on start, a clean stop on
SIGTERM, and config errors reported with exit code 2. The subcommand is built from
pipeline.sandbox.cli exactly as pipeline/cli.py wires it (add_parser, then run)."""

from __future__ import annotations

import argparse
import io
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipeline.sandbox import cli

HARNESS = (
    "import argparse, sys\n"
    "from pipeline.sandbox import cli\n"
    "parser = argparse.ArgumentParser(prog='pipeline')\n"
    "cli.add_parser(parser.add_subparsers(dest='command'))\n"
    "sys.exit(cli.run(parser.parse_args(sys.argv[1:])))\n"
)
FLAGS = [
    "--config",
    "--host",
    "--port",
    "--time-scale",
    "--state",
    "--seed",
    "--start-at",
    "--log-level",
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipeline")
    cli.add_parser(parser.add_subparsers(dest="command"))
    return parser


def test_help_documents_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["sandbox", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    for flag in FLAGS:
        assert flag in out
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    sandbox = sub.choices["sandbox"]
    actions = {o for a in sandbox._actions for o in a.option_strings if o not in ("-h", "--help")}
    assert actions == set(FLAGS)
    assert "rl_sandbox_demo" in out and "docs/sandbox.md" in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--config", "missing.yaml"], "missing.yaml"),
        (["--start-at", "tomorrow"], "tomorrow"),
        (["--time-scale", "0"], "time-scale"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, argv: list[str], complaint: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(_parser().parse_args(["sandbox", "--port", "0", *argv]), out=out, err=err)
    assert code == 2 and complaint in err.getvalue() and out.getvalue() == ""


def test_start_prints_the_exports_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HARNESS,
            "sandbox",
            "--port",
            "0",
            "--time-scale",
            "0.01",
            "--start-at",
            "2026-09-28T10:00:00Z",
            "--state",
            str(tmp_path / "state.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        answer = httpx.get(
            f"{exports['STATUS200_BASE_URL']}/accounts",
            trust_env=False,
            headers={"Authorization": f"Bearer {exports['STATUS200_API_KEY']}"},
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Sandbox stopped." in err
    assert exports["STATUS200_API_KEY"] == "rl_sandbox_demo"
    assert exports["STATUS200_BASE_URL"].startswith("http://127.0.0.1:")
    assert exports["STATUS200_BASE_URL"].endswith("/api/v2")
    assert (exports["STATUS200_POST_INTERVAL"], exports["STATUS200_MEDIA_INTERVAL"]) == (
        "0.2",
        "0.2",
    )
    assert exports["STATUS200_READ_WINDOW"] == "0.6"
    assert "2026-09-28T10:00" in lines[0]
    assert answer.status_code == 200 and answer.json()["data"][0]["handle"] == "@demo"
