"""A runner in a child process: SIGTERM (or SIGINT) mid-sync lets the sync finish its current
step, leaves a whole ledger and a free lock, and exits 0; a restart picks up the same ledger."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.api import ApiSettings, Secret
from pipeline.runner.scheduler import RunnerConfig, run_runner
from pipeline.runner.shared import GuardedLedger
from tests.runner.child import make_sync
from tests.runner.conftest import SCALE, SECRET
from tests.sandbox_handle import SandboxHandle, running_sandbox

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, seed=3) as handle:
        yield handle


def _run_child(sandbox: SandboxHandle, ledger: Path, sig: signal.Signals) -> tuple[str, str, int]:
    env = {
        **os.environ,
        "STATUS200_API_KEY": sandbox.api_key,
        "STATUS200_WEBHOOK_SECRET": SECRET,
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.runner.child", str(ledger), sandbox.api_base],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line == "sync-start\n", child.stderr.read() if child.stderr else line
        child.send_signal(sig)
        rest, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return line + rest, err, child.returncode


def _check_ledger(ledger: Path) -> list[dict[str, object]]:
    raw = (ledger / "events.jsonl").read_bytes()
    assert raw.endswith(b"\n")
    events = [json.loads(line) for line in raw.splitlines()]  # every line whole
    with GuardedLedger(ledger).lock("pytest"):  # released by the child
        pass
    return events


def test_a_signal_mid_sync_stops_cleanly_and_a_restart_resumes(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger"
    out, err, code = _run_child(sandbox, ledger, signal.SIGTERM)
    assert code == 0, err
    assert out.splitlines() == ["sync-start", "sync-end", "exit 0"]
    lines = err.splitlines()
    assert lines and all(line.startswith("ts=") for line in lines)  # structured, one line each
    assert any("outcome=stopped" in line and "job=runner" in line for line in lines)
    assert "Traceback" not in err
    assert sandbox.api_key not in err and SECRET not in err
    first = _check_ledger(ledger)
    assert first[-1]["type"] == "run.finished" and first[-1]["exit_code"] == 0

    out, err, code = _run_child(sandbox, ledger, signal.SIGINT)  # a restart on the same ledger
    assert code == 0 and out.endswith("exit 0\n"), err
    events = _check_ledger(ledger)
    assert events[: len(first)] == first  # nothing rewritten, only added
    assert [e["type"] for e in events].count("run.finished") == 2
    assert (ledger / "results.csv").exists()


def test_run_runner_reports_a_ledger_in_use_and_a_port_without_secret(
    sandbox: SandboxHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ApiSettings(api_key=Secret(sandbox.api_key), base_url=sandbox.api_base)
    held = GuardedLedger(tmp_path / "ledger")
    with held.lock("pipeline publish"), caplog.at_level(logging.ERROR):
        code = run_runner(tmp_path / "ledger", settings, make_sync, configure_logs=False)
    assert code == 1
    assert any(
        "in use" in r.getMessage() and "pipeline publish" in r.getMessage() for r in caplog.records
    )

    port_only = RunnerConfig(webhook_port=0)
    assert (
        run_runner(tmp_path / "ledger", settings, make_sync, config=port_only, configure_logs=False)
        == 2
    )
