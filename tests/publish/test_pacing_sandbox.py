"""Pacing over the sandbox socket, in both of its stamping modes: counts, never durations.

"answer": the sandbox records an import when it answers, `import_latency` after it arrived, so
pacing from the send is early by that much: the media lane meets one 429, learns the offset
from its retry_after_seconds, keeps it in ledger/pacing.json, and the next run meets none.
"arrival": every request counts when it arrives, so pacing from the send is right however late
the answers come: the lanes learn (almost) nothing, and imports overlap their slow answers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.api import ApiSettings, Secret, Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions, RunSummary
from pipeline.backends.lanes import PACING_NAME
from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.validate.check import validate
from tests.publish.conftest import START
from tests.sandbox_handle import SandboxHandle, running_sandbox

SCALE = 0.01  # the 20-s throttles become 0.2 s
INTERVAL = 20 * SCALE
IMPORT_LATENCY = 12.0  # service seconds: 0.12 s here, 0.6 of the interval
NETWORKS = ("x", "linkedin", "threads")


def sandbox_config(stamp: str, import_latency: float = IMPORT_LATENCY) -> str:
    return f"""
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    plan: {{tier: skilled, allowance: unlimited, x_addon: true}}
    profiles: [{{name: demo, networks: all}}]
throttles: {{stamp: {stamp}, import_latency: {import_latency}, exact_waits: true}}
"""


def write_calendar(root: Path, name: str, first: int, count: int) -> None:
    """`count` posts round the networks, each with its own image (so one import each)."""
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    for i in range(first, first + count):
        at = datetime(2026, 12, 1, 8, 0) + timedelta(minutes=7 * i)
        lines.append(
            f"  - {{id: p{i}, at: '{at:%Y-%m-%d %H:%M}', platform: {NETWORKS[i % 3]}, "
            f"text: 'Post {i}', media: ['https://cdn.example.com/pic{i}.jpg']}}"
        )
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    (root / "schedules" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def publish(root: Path, sandbox: SandboxHandle) -> RunSummary:
    (root / ".git").mkdir(exist_ok=True)
    now = datetime.fromisoformat(sandbox.now().replace("Z", "+00:00"))
    offset = now - datetime.now(UTC)
    paths = [str(root / "schedules")]
    ledger = Ledger(root / "ledger", secrets=[sandbox.api_key])
    recorded = dict(ledger.state().posts) if (root / "ledger" / "events.jsonl").exists() else {}
    result = validate(paths, load_config(paths[0]), now, recorded=recorded)
    settings = ApiSettings(
        api_key=Secret(sandbox.api_key),
        base_url=sandbox.api_base,
        post_interval=INTERVAL,
        media_interval=INTERVAL,
        read_window=60 * SCALE,
        default_retry_after=0.05,
        resend_delay=0.01,
        timeout=10.0,
    )
    options = PublishOptions(post_interval=INTERVAL, media_interval=INTERVAL)
    with ledger.lock("test"), Status200Client(settings) as client:
        return Publisher(
            client, ledger, result, options, clock=lambda: datetime.now(UTC) + offset
        ).run()


def throttled(sandbox: SandboxHandle) -> dict[str, int]:
    """429s per lane ("x", ..., "media") since the sandbox started."""
    return dict(sandbox.counters()["throttled"].get("demo", {}))


def learned(root: Path, sandbox: SandboxHandle) -> dict[str, Any]:
    path = root / "ledger" / PACING_NAME
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text())["services"].get(sandbox.api_base, {}))


def test_stamped_on_answer_the_media_lane_learns_once_and_remembers(tmp_path: Path) -> None:
    with running_sandbox(sandbox_config("answer"), time_scale=SCALE, start_at=START) as sandbox:
        write_calendar(tmp_path, "one.yaml", 0, 6)
        first = publish(tmp_path, sandbox)
        assert first.exit_code == 0, first.failures
        assert first.counts["created"] == 6
        after_first = throttled(sandbox)
        assert after_first.get("media") == 1  # the second import came too early, once
        assert all(n <= 1 for n in after_first.values()), after_first
        counters = sandbox.counters()
        assert sum(counters["media_imports"].values()) == 6  # nothing recorded twice
        assert sum(counters["scheduled_created"].values()) == 6
        media = learned(tmp_path, sandbox)["media"]
        assert media["interval"] == INTERVAL
        latency = IMPORT_LATENCY * SCALE
        # The offset is the import's time before the service records it (plus send jitter).
        assert latency * 0.7 < media["offset"] < latency * 1.5, media

        write_calendar(tmp_path, "two.yaml", 6, 6)  # a second run with new files
        second = publish(tmp_path, sandbox)
        assert second.exit_code == 0, second.failures
        assert second.counts["created"] == 6
        # It starts from the remembered offset: in steady state at most one 429 a lane a run
        # (the goal; none at all on a quiet machine, but a loaded one can send a hair
        # early, which costs one harmless 429 and is never recorded twice).
        assert throttled(sandbox).get("media", 0) - after_first["media"] <= 1
        assert sum(sandbox.counters()["media_imports"].values()) == 12
        assert latency * 0.7 < learned(tmp_path, sandbox)["media"]["offset"] < latency * 1.5


def test_stamped_on_arrival_the_lanes_pace_from_the_send(tmp_path: Path) -> None:
    faults = {"POST /api/v2/posts": {"latency": 0.08}}
    with running_sandbox(
        sandbox_config("arrival"), time_scale=SCALE, start_at=START, faults=faults
    ) as sandbox:
        write_calendar(tmp_path, "one.yaml", 0, 9)
        summary = publish(tmp_path, sandbox)
        assert summary.exit_code == 0, summary.failures
        assert summary.counts["created"] == 9
        counts = throttled(sandbox)
        assert all(n <= 1 for n in counts.values()), counts
        # Whatever was learned is jitter, far below the answers' latency (0.08 s for posts,
        # 0.12 s for imports): the lanes did not fall back to pacing from the answer.
        offsets = {lane: entry["offset"] for lane, entry in learned(tmp_path, sandbox).items()}
        assert all(offset < 0.04 for offset in offsets.values()), offsets
        assert sum(sandbox.counters()["media_imports"].values()) == 9


def test_an_import_starts_while_the_previous_one_is_still_answering(tmp_path: Path) -> None:
    """Imports that answer after 1.5 intervals, counted on arrival: each starts an interval after
    the previous one began, so in the ledger the next intent comes before the previous outcome."""
    config = sandbox_config("arrival", import_latency=30.0)
    with running_sandbox(config, time_scale=SCALE, start_at=START) as sandbox:
        write_calendar(tmp_path, "one.yaml", 0, 4)
        summary = publish(tmp_path, sandbox)
        assert summary.exit_code == 0, summary.failures
        assert summary.counts["created"] == 4
        assert throttled(sandbox).get("media", 0) <= 1
        assert sum(sandbox.counters()["media_imports"].values()) == 4
    order = []
    for line in (tmp_path / "ledger" / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["type"] in ("media.intent", "media.outcome") and event.get("error_code") is None:
            order.append((event["type"], event["key"].rsplit("/", 1)[-1]))
    for k in range(3):
        intent_next = order.index(("media.intent", f"pic{k + 1}.jpg"))
        outcome = order.index(("media.outcome", f"pic{k}.jpg"))
        assert intent_next < outcome, order
