"""The runner with the real publisher as its sync job, against the sandbox: more than 500 posts
flow through the waiting cap, an edit while running is exactly one replacement, and a SIGTERM
mid-sync followed by a restart leaves every post exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.api import ApiSettings, Secret
from pipeline.apply.publisher import PublishOptions
from pipeline.ledger import Ledger
from pipeline.runner.jobs import RunnerConfig
from pipeline.runner.scheduler import Runner, SyncContext, make_client
from pipeline.runner.shared import GuardedLedger
from pipeline.runner.sync import make_publish_sync
from tests.runner.conftest import wait_for
from tests.sandbox_handle import SandboxHandle, running_sandbox

SCALE = 0.002  # a 20 s throttle is 0.04 s, the 60-read window 0.12 s
NETWORKS = ("x", "linkedin", "threads", "facebook")


def created(handle: SandboxHandle) -> int:
    """Scheduled posts created (a scheduled post that goes out makes a History post too: that
    is the same post going out, not a second one)."""
    return int(sum(handle.counters()["scheduled_created"].values()))


def write_calendar(
    root: Path, start: datetime, posts: int, *, spacing: timedelta, edit: str = ""
) -> None:
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    for i in range(posts):
        at = start + spacing * i
        text = f"Post {i}{edit if i == 3 else ''}"
        lines.append(
            f"  - {{id: p{i}, at: '{at:%Y-%m-%d %H:%M:%S}', platform: {NETWORKS[i % 4]}, text: '{text}'}}"
        )
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    path = root / "schedules" / "cal.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Live:
    handle: SandboxHandle
    runner: Runner
    ledger: GuardedLedger

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.handle.sandbox.clock.now(), tz=UTC)

    def statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for post in self.ledger.state().posts.values():
            found[post.status] = found.get(post.status, 0) + 1
        return found


@contextmanager
def live_runner(root: Path, handle: SandboxHandle, config: RunnerConfig) -> Iterator[Live]:
    (root / ".git").mkdir(exist_ok=True)
    settings = ApiSettings(
        api_key=Secret(handle.api_key),
        base_url=handle.api_base,
        read_window=60 * SCALE,
        post_interval=20 * SCALE,
        media_interval=20 * SCALE,
        default_retry_after=0.05,
        resend_delay=0.01,
    )
    stop = threading.Event()

    def clock() -> datetime:
        return datetime.fromtimestamp(handle.sandbox.clock.now(), tz=UTC)

    options = PublishOptions(post_interval=20 * SCALE, media_interval=20 * SCALE)
    make_sync = make_publish_sync([str(root / "schedules")], options, clock=clock)
    ledger = GuardedLedger(root / "ledger", secrets=[handle.api_key])
    with ledger.lock("pytest runner"), make_client(settings, stop) as client:
        sync = make_sync(SyncContext(client=client, ledger=ledger, stop=stop, run_id="t"))
        runner = Runner(
            ledger=ledger, client=client, sync=sync, config=config, clock=clock, stop=stop
        )
        runner.start()
        try:
            yield Live(handle, runner, ledger)
        finally:
            runner.shutdown()


@pytest.mark.slow
def test_more_than_500_posts_flow_through_the_waiting_cap(tmp_path: Path) -> None:
    with running_sandbox(time_scale=SCALE, seed=2) as handle:
        start = datetime.fromtimestamp(handle.sandbox.clock.now(), tz=UTC) + timedelta(hours=1)
        write_calendar(tmp_path, start, 530, spacing=timedelta(minutes=1))
        config = RunnerConfig(
            calendar_paths=(tmp_path / "schedules",),
            sync_every=0.3,
            track_every=0.2,
            figures_every=60,
            watch_every=0.1,
        )
        with live_runner(tmp_path, handle, config) as live:
            wait_for(
                lambda: live.statuses().get("scheduled", 0) == 500,
                timeout=90,
                what="the first 500 scheduled",
            )
            assert live.statuses().get("deferred") == 30
            assert handle.counters()["waiting_total"] == 500
            # The first 40 posts go out on the sandbox clock; tracking sees it; sync tops up.
            handle.advance(timedelta(hours=1, minutes=40).total_seconds())
            wait_for(
                lambda: "deferred" not in live.statuses(),
                timeout=90,
                what="the deferred posts sent as the queue drained",
            )
            wait_for(
                lambda: live.statuses().get("published", 0) >= 40,
                timeout=60,
                what="published posts tracked",
            )
        assert created(handle) == 530
        # Each lane paces from its sends: its first 429 teaches it (kept in ledger/pacing.json
        # for the later syncs); a request slowed down by the load may teach it again.
        throttled = handle.counters()["throttled"].get("demo", {})
        assert handle.counters()["rate_limited_total"] == sum(throttled.values())
        assert all(n <= 3 for n in throttled.values()), throttled
        posts = Ledger(tmp_path / "ledger").state().posts
        assert len(posts) == 530 and len({p.scheduled_post_id for p in posts.values()}) == 530


def test_an_edit_while_running_is_exactly_one_replacement(tmp_path: Path) -> None:
    with running_sandbox(time_scale=SCALE, seed=4) as handle:
        start = datetime.fromtimestamp(handle.sandbox.clock.now(), tz=UTC) + timedelta(hours=2)
        write_calendar(tmp_path, start, 8, spacing=timedelta(minutes=10))
        config = RunnerConfig(
            calendar_paths=(tmp_path / "schedules",),
            sync_every=60,
            track_every=0.2,
            figures_every=60,
            watch_every=0.05,
        )
        with live_runner(tmp_path, handle, config) as live:
            wait_for(lambda: live.statuses().get("scheduled", 0) == 8, what="8 scheduled")
            time.sleep(0.05)
            write_calendar(tmp_path, start, 8, spacing=timedelta(minutes=10), edit=" (edited)")
            wait_for(lambda: sum(handle.counters()["cancelled"].values()) == 1, what="one cancel")
            wait_for(
                lambda: live.ledger.state().posts["p3/facebook"].generation == 1,
                what="the replacement recorded",
            )
            time.sleep(0.5)  # more watch and sync cycles: still only one replacement
        counters = handle.counters()
        assert sum(counters["cancelled"].values()) == 1
        assert created(handle) == 9 and counters["waiting_total"] == 8


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_sigterm_mid_sync_then_restart_is_exactly_once(tmp_path: Path) -> None:
    with running_sandbox(time_scale=SCALE, seed=6) as handle:
        (tmp_path / ".git").mkdir()
        start = datetime.fromtimestamp(handle.sandbox.clock.now(), tz=UTC) + timedelta(hours=3)
        write_calendar(tmp_path, start, 60, spacing=timedelta(minutes=5))
        env: dict[str, Any] = {
            **os.environ,
            "STATUS200_BASE_URL": handle.api_base,
            "STATUS200_API_KEY": handle.api_key,
            "STATUS200_POST_INTERVAL": str(20 * SCALE * 5),  # slow enough to stop mid-sync
            "STATUS200_MEDIA_INTERVAL": str(20 * SCALE),
            "STATUS200_READ_WINDOW": str(60 * SCALE),
        }
        command = [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            str(tmp_path / "schedules"),
            "--ledger",
            str(tmp_path / "ledger"),
            "--every",
            "0.5",
            "--track-every",
            "1",
            "--now",
            handle.now(),
        ]
        events = tmp_path / "ledger" / "events.jsonl"
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        wait_for(lambda: _lines(events) >= 30, timeout=60, what="the first sync under way")
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        done = sum(
            1 for p in Ledger(tmp_path / "ledger").state().posts.values() if p.status == "scheduled"
        )
        assert 0 < done < 60, "SIGTERM should land in the middle of the sync"
        second = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for(
                lambda: (
                    sum(
                        1
                        for p in Ledger(tmp_path / "ledger").state().posts.values()
                        if p.status == "scheduled"
                    )
                    == 60
                ),
                timeout=90,
                what="all 60 scheduled after the restart",
            )
        finally:
            second.send_signal(signal.SIGINT)
            _, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert created(handle) == 60 and handle.counters()["waiting_total"] == 60
        assert handle.api_key not in err
