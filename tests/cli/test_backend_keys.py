"""Each backend asks for its own key, and only when it has something to send.

A clip-only calendar needs no STATUS200_API_KEY, a Status 200-only one no UPLOAD_POST_API_KEY;
a mixed calendar with one key missing holds back that backend's posts (named, exit 1) and sends
the others; when nothing at all could be sent it is a usage error (exit 2). `validate` and `plan`
need no key. All against the sandbox, over a socket.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_publish_cli import NOW, env_for, pipeline, project
from tests.publish.conftest import SCALE, START
from tests.sandbox_handle import SandboxHandle, running_sandbox

CLIP_POST = """\
  - id: launch-clip
    at: 2026-12-01 09:00
    platforms: [tiktok, youtube]
    account: demo
    clip: {job: 550e8400-e29b-41d4-a716-446655440000, index: 0}
"""
API_POSTS = """\
  - {id: tip-1, at: '2026-12-01 10:00', platform: x, account: '@demo', text: 'Tip one'}
  - {id: tip-2, at: '2026-12-01 11:00', platform: linkedin, account: '@demo', text: 'Tip two'}
"""
HEAD = "defaults: {timezone: UTC}\nposts:\n"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


def _env(sandbox: SandboxHandle, *, status200: bool, clips: bool) -> dict[str, str]:
    env = env_for(sandbox, CLIP_SERVER_URL=sandbox.clip_url)
    env.pop("UPLOAD_POST_API_KEY", None)
    if clips:
        assert sandbox.upload_post_key is not None
        env["UPLOAD_POST_API_KEY"] = sandbox.upload_post_key
    if not status200:
        del env["STATUS200_API_KEY"]
    return env


def _statuses(root: Path) -> dict[str, str]:
    """entry/platform -> status, from the ledger's results.csv."""
    with open(root / "ledger" / "results.csv", encoding="utf-8") as handle:
        return {
            f"{row['entry_id']}/{row['platform']}": row["status"] for row in csv.DictReader(handle)
        }


def test_a_clip_only_calendar_publishes_without_the_status200_key(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, HEAD + CLIP_POST)
    env = _env(sandbox, status200=False, clips=True)
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUS200_API_KEY" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert _statuses(root) == {
        "launch-clip/tiktok": "processing",
        "launch-clip/youtube": "processing",
    }


def test_a_status200_only_calendar_needs_no_upload_post_key(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, HEAD + API_POSTS)
    env = _env(sandbox, status200=True, clips=False)
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "UPLOAD_POST_API_KEY" not in proc.stdout + proc.stderr
    assert set(_statuses(root).values()) == {"scheduled"}


def test_mixed_without_the_status200_key_holds_only_those_posts(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, HEAD + API_POSTS + CLIP_POST)
    env = _env(sandbox, status200=False, clips=True)
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for identity in ("tip-1/x", "tip-2/linkedin"):
        assert f"{identity}: held back: Status 200 posts need STATUS200_API_KEY" in proc.stdout
    statuses = _statuses(root)
    assert statuses["launch-clip/tiktok"] == "processing"
    assert "tip-1/x" not in statuses and "tip-2/linkedin" not in statuses
    assert sandbox.counters()["requests"].get("POST /api/v2/posts", 0) == 0
    # With the key, the next run sends the held posts and leaves the clip post alone.
    env["STATUS200_API_KEY"] = sandbox.api_key
    again = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts["created"] == 2 and counts["unchanged"] == 2
    assert _statuses(root)["tip-2/linkedin"] == "scheduled"
    assert sandbox.counters()["requests"]["POST /api/v2/posts"] == 2
    assert sandbox.counters()["requests"]["POST /api/social/post"] == 1


def test_mixed_without_the_upload_post_key_holds_only_the_clip_post(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, HEAD + API_POSTS + CLIP_POST)
    env = _env(sandbox, status200=True, clips=False)
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "launch-clip/tiktok: held back: clip posts need UPLOAD_POST_API_KEY" in proc.stdout
    statuses = _statuses(root)
    assert statuses["tip-1/x"] == statuses["tip-2/linkedin"] == "scheduled"
    assert "launch-clip/tiktok" not in statuses
    assert sandbox.counters()["requests"].get("POST /api/social/post", 0) == 0
    assert sandbox.counters()["requests"]["POST /api/v2/posts"] == 2


def test_no_usable_key_at_all_is_a_usage_error_naming_each_variable(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, HEAD + API_POSTS + CLIP_POST)
    env = _env(sandbox, status200=False, clips=False)
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "STATUS200_API_KEY is not set (2 Status 200 post(s))" in proc.stderr
    assert "UPLOAD_POST_API_KEY is not set (2 clip post(s))" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sandbox.counters()["requests"] == {}


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_validate_and_plan_need_no_key(tmp_path: Path, command: str) -> None:
    root = project(tmp_path, HEAD + API_POSTS + CLIP_POST)
    env = env_for(None)
    env.pop("UPLOAD_POST_API_KEY", None)
    proc = pipeline(root, env, command, "schedules", "--now", NOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "API_KEY" not in proc.stdout + proc.stderr
