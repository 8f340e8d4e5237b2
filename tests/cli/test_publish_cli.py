"""`pipeline publish` / `status` from the command line: flags, messages, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.ledger import Ledger
from tests.publish.conftest import SCALE, START, calendar
from tests.sandbox_handle import SandboxHandle, running_sandbox

NOW = "2026-11-28T12:00:00Z"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "schedules").mkdir(exist_ok=True)
    (tmp_path / "schedules" / "cal.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def env_for(sandbox: SandboxHandle | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUS200_", "GITHUB_"))}
    env["NO_COLOR"] = "1"
    if sandbox is not None:
        env.update(
            STATUS200_BASE_URL=sandbox.api_base,
            STATUS200_API_KEY=sandbox.api_key,
            STATUS200_POST_INTERVAL=str(20 * SCALE),
            STATUS200_MEDIA_INTERVAL=str(20 * SCALE),
            STATUS200_READ_WINDOW=str(60 * SCALE),
        )
    env.update(extra)
    return env


def pipeline(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_publish_json_summary_and_step_summary(tmp_path: Path, sandbox: SandboxHandle) -> None:
    root = project(tmp_path, calendar(4))
    summary_file = root / "summary.md"
    env = env_for(sandbox, GITHUB_STEP_SUMMARY=str(summary_file), GITHUB_ACTIONS="true")
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--json", "--now", NOW)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["created"] == 4 and data["exit_code"] == 0
    assert "| created | 4 |" in summary_file.read_text()
    assert sandbox.api_key not in proc.stdout + proc.stderr
    assert sandbox.api_key not in (root / "ledger" / "events.jsonl").read_text()
    status = pipeline(root, env, "status", "--ledger", "ledger")
    assert status.returncode == 0 and "scheduled   4" in status.stdout


def test_off_a_terminal_publish_needs_yes(tmp_path: Path, sandbox: SandboxHandle) -> None:
    root = project(tmp_path, calendar(1))
    proc = pipeline(root, env_for(sandbox), "publish", "schedules", "--now", NOW)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert (
        proc.stderr
        == "pipeline publish: not on a terminal: add --yes to publish without confirmation\n"
    )


def test_missing_api_key_is_a_usage_error_naming_the_variable(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    proc = pipeline(root, env_for(None), "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 2 and "STATUS200_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_invalid_calendar_sends_nothing(tmp_path: Path, sandbox: SandboxHandle) -> None:
    root = project(tmp_path, calendar(2).replace("platform: linkedin", "platform: linkdin"))
    proc = pipeline(root, env_for(sandbox), "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1
    assert "E107" in proc.stderr and "nothing was sent" in proc.stderr
    assert sandbox.counters()["requests"] == {}


def test_second_run_while_the_ledger_is_locked_exits_with_the_holder(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, calendar(1))
    ledger = Ledger(root / "ledger")
    with ledger.lock("pipeline run schedules/"):
        proc = pipeline(root, env_for(sandbox), "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1
    assert "pipeline run schedules/" in proc.stderr and str(os.getpid()) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_status_without_a_ledger_is_a_usage_error(tmp_path: Path) -> None:
    proc = pipeline(tmp_path, env_for(None), "status", "--ledger", "nowhere")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert (
        proc.stderr == "pipeline status: nowhere: no ledger here (run `pipeline publish` first)\n"
    )


def test_accounts_lists_profiles_networks_and_choices(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    proc = pipeline(tmp_path, env_for(sandbox), "accounts", "--options")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("@demo  (")
    assert "boardId: 900123 (Recipes), 900124 (Behind the scenes)" in proc.stdout
    assert "privacyLevel: PUBLIC_TO_EVERYONE" in proc.stdout
    data = json.loads(pipeline(tmp_path, env_for(sandbox), "accounts", "--json").stdout)
    assert data[0]["handle"] == "@demo" and data[0]["networks"]["x"]["health"] == "ready"
    assert pipeline(tmp_path, env_for(None), "accounts").returncode == 2


def test_status_finds_the_project_ledger_and_resolve_never_creates_one(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    ledger = Ledger(tmp_path / "ledger")
    with ledger.lock("test"):
        ledger.append(
            {
                "v": 1,
                "type": "run.started",
                "at": "2026-11-28T12:00:00Z",
                "run": "r",
                "command": "publish",
            }
        )
    proc = pipeline(tmp_path / "sub", env_for(None), "status")
    assert proc.returncode == 0 and "0 post(s) in the ledger" in proc.stdout
    typo = pipeline(
        tmp_path, env_for(None), "resolve", "x/tiktok", "--posted", "--ledger", "legder"
    )
    assert typo.returncode == 2 and "legder: no ledger here" in typo.stderr
    assert not (tmp_path / "legder").exists()
