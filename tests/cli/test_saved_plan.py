"""`pipeline plan --out` and `pipeline publish --plan`: a saved plan is applied as shown.

Against the sandbox over a socket: the apply sends exactly the plan's steps under the plan's
Idempotency-Keys; a changed calendar, pipeline.yaml or ledger is refused as stale (exit 1, nothing
sent); a plan from another version is refused; an apply killed half-way is applied again and
converges with every post on the service exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_publish_cli import NOW, env_for, pipeline, project
from tests.helpers import SAMPLE_MEDIA
from tests.publish.conftest import SCALE, START, calendar
from tests.sandbox_handle import SandboxHandle, running_sandbox

STALE = "the plan is stale: run pipeline plan again"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


def _events(root: Path) -> list[dict[str, object]]:
    path = root / "ledger" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _plan(root: Path, env: dict[str, str], *extra: str) -> dict[str, object]:
    proc = pipeline(root, env, "plan", "schedules", "--now", NOW, "--out", "plan.json", *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pipeline publish schedules --plan plan.json" in proc.stderr
    data: dict[str, object] = json.loads((root / "plan.json").read_text())
    return data


def _apply(root: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return pipeline(root, env, "publish", "schedules", "--plan", "plan.json", "--now", NOW, *extra)


def _service_posts(sandbox: SandboxHandle) -> int:
    return int(sandbox.counters()["requests"].get("POST /api/v2/posts", 0))


def test_the_apply_sends_exactly_the_saved_steps_under_their_keys(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, calendar(6))
    env = env_for(sandbox)
    saved = _plan(root, env)
    steps = saved["steps"]
    assert isinstance(steps, list) and {s["action"] for s in steps} == {"create"}
    creates = {s["identity"]: s["key"] for s in steps if s["action"] == "create"}
    assert len(creates) == 6 and all(str(k).startswith("cc1-post-") for k in creates.values())

    proc = _apply(root, env, "--json")  # no --yes needed: the plan was the confirmation
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["counts"]["created"] == 6
    events = _events(root)
    started = [e for e in events if e["type"] == "run.started"]
    assert [e["plan"] for e in started] == [saved["id"]]
    sent = {e["identity"]: e["idempotency_key"] for e in events if e["type"] == "post.intent"}
    assert sent == creates

    again = _apply(root, env)  # what the ledger gained since is this plan's own run: no-op
    assert again.returncode == 0, again.stdout + again.stderr
    assert len([e for e in _events(root) if e["type"] == "run.started"]) == 1


@pytest.mark.parametrize("change", ["calendar", "media", "config", "ledger"])
def test_a_stale_plan_is_refused_and_nothing_is_sent(
    tmp_path: Path, sandbox: SandboxHandle, change: str
) -> None:
    root = project(
        tmp_path,
        calendar(3) + "  - {id: pic, at: '2026-12-02 10:00', platform: x, media: [img.jpg]}\n",
    )
    shutil.copy(SAMPLE_MEDIA / "tips.jpg", root / "schedules" / "img.jpg")
    env = env_for(sandbox)
    _plan(root, env)
    if change == "calendar":
        cal = root / "schedules" / "cal.yaml"
        cal.write_text(cal.read_text() + "# a comment is a change too\n")
    elif change == "media":
        shutil.copy(SAMPLE_MEDIA / "winter-hero.jpg", root / "schedules" / "img.jpg")
    elif change == "config":
        (root / "pipeline.yaml").write_text("timezone: UTC\n")
    else:
        other = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
        assert "scheduled p0/x" in other.stderr  # another run wrote to the ledger
    before = _service_posts(sandbox)
    proc = _apply(root, env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert STALE in proc.stderr and "nothing was sent" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _service_posts(sandbox) == before


def test_a_plan_from_another_version_is_refused(tmp_path: Path, sandbox: SandboxHandle) -> None:
    root = project(tmp_path, calendar(2))
    env = env_for(sandbox)
    saved = _plan(root, env)
    saved["pipeline_version"] = "0.0.1"
    (root / "plan.json").write_text(json.dumps(saved))
    proc = _apply(root, env)
    assert proc.returncode == 1
    assert "the plan was made by pipeline 0.0.1" in proc.stderr
    assert "run pipeline plan again" in proc.stderr and "Traceback" not in proc.stderr
    assert sandbox.counters()["requests"] == {}


@pytest.mark.parametrize("content", ["", "{not json", '{"format": "other"}', "[1, 2]"])
def test_a_file_that_is_not_a_plan_is_refused(tmp_path: Path, content: str) -> None:
    root = project(tmp_path, calendar(1))
    (root / "plan.json").write_text(content)
    proc = _apply(root, env_for(None))
    assert proc.returncode == 1 and "not a plan file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_flags_the_plan_was_made_without_are_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    _plan(root, env_for(None))
    proc = _apply(root, env_for(None), "--prune")
    assert proc.returncode == 2
    assert "--prune: the saved plan plan.json was made without it" in proc.stderr


def test_an_apply_killed_half_way_converges_exactly_once(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, calendar(4, networks=("x",)))
    env = env_for(sandbox, STATUS200_POST_INTERVAL="30")  # the lane waits long after one post
    _plan(root, env)
    argv = [sys.executable, "-m", "pipeline", "publish", "schedules", "--plan", "plan.json"]
    proc = subprocess.Popen(
        [*argv, "--now", NOW], cwd=root, env=env, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the first post is recorded: kill it while the lane waits
        if " scheduled " in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert _service_posts(sandbox) == 1

    env["STATUS200_POST_INTERVAL"] = str(20 * SCALE)
    again = _apply(root, env, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts["created"] == 3 and counts["unchanged"] == 1
    seen = sandbox.counters()
    assert seen["scheduled_total"] == 4  # each post once on the service
    # Any request beyond the 4 was a 429 (nothing recorded, resent): on a loaded machine the
    # second run's first post can come while the service still counts the killed run's.
    retried = seen["rate_limited"].get("POST /api/v2/posts", 0)
    assert _service_posts(sandbox) == 4 + retried, seen
    statuses = pipeline(root, env, "status", "--ledger", "ledger", "--json")
    assert json.loads(statuses.stdout)["by_status"] == {"scheduled": 4}


def test_saving_a_plan_never_reads_a_calendar_the_loader_refused(tmp_path: Path) -> None:
    """A FIFO among the calendars is E120 (left out with --skip-invalid); fingerprinting the
    saved plan must not open it either, or it would wait for a writer for ever."""
    root = project(tmp_path, calendar(1))
    os.mkfifo(root / "schedules" / "pipe.yaml")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "plan",
            "schedules",
            "--now",
            NOW,
            "--skip-invalid",
            "--out",
            "plan.json",
        ],
        cwd=root,
        env=env_for(None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "E120" in proc.stderr and (root / "plan.json").exists()


@pytest.mark.parametrize("kind", ["missing", "fifo"])
def test_a_plan_file_that_cannot_be_read_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    root = project(tmp_path, calendar(1))
    if kind == "fifo":
        os.mkfifo(root / "plan.json")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "schedules", "--plan", "plan.json"],
        cwd=root,
        env=env_for(None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr.startswith("pipeline publish: plan.json: ")
    assert "Traceback" not in proc.stderr
