"""SIGKILL `pipeline publish` at several points; the next runs finish the job, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.ledger import Ledger
from tests.publish.conftest import SCALE, START, calendar
from tests.sandbox_handle import running_sandbox

POSTS = 30


def _env(sandbox_url: str, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "STATUS200_BASE_URL": f"{sandbox_url}/api/v2",
        "STATUS200_API_KEY": key,
        "STATUS200_POST_INTERVAL": str(20 * SCALE),
        "STATUS200_MEDIA_INTERVAL": str(20 * SCALE),
        "STATUS200_READ_WINDOW": str(60 * SCALE),
        "NO_COLOR": "1",
    }


def _command(root: Path, now: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline",
        "publish",
        str(root / "schedules"),
        "--ledger",
        str(root / "ledger"),
        "--yes",
        "--now",
        now,
    ]


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_sigkill_at_several_points_then_exactly_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "cal.yaml").write_text(calendar(POSTS), encoding="utf-8")
    events = tmp_path / "ledger" / "events.jsonl"
    with running_sandbox(time_scale=SCALE, seed=3, start_at=START) as sandbox:
        env = _env(sandbox.url, sandbox.api_key)
        kills = 0
        for kill_after in (4, 9, 20, 33, 41):  # ledger lines written before the SIGKILL
            now = sandbox.now()
            proc = subprocess.Popen(
                _command(tmp_path, now),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while (
                proc.poll() is None and _lines(events) < kill_after and time.monotonic() < deadline
            ):
                time.sleep(0.001)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait()
        assert kills >= 3, "the publish runs finished before they could be killed"
        final = subprocess.run(
            _command(tmp_path, sandbox.now()), env=env, capture_output=True, text=True, check=False
        )
        assert final.returncode == 0, final.stdout + final.stderr
        counters = sandbox.counters()
        created = sum(counters["scheduled_created"].values()) + sum(
            counters["posts_created"].values()
        )
        assert created == POSTS, counters
        assert counters["waiting_total"] == POSTS
        state = Ledger(tmp_path / "ledger").state()
        assert {p.status for p in state.posts.values()} == {"scheduled"}
        assert len(state.posts) == POSTS
        # Every scheduled post the service holds is the one the ledger names.
        ids = {p.scheduled_post_id for p in state.posts.values()}
        assert len(ids) == POSTS
