"""Publishing against the sandbox over a real socket: calendars, a client, one call per run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.api import ApiSettings, Secret, Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions, RunSummary
from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.validate.check import validate
from tests.sandbox_handle import SandboxHandle, running_sandbox

#: The sandbox's clock and the pipeline's "now" start here; calendars are in December 2026.
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SCALE = 0.005  # 20 s throttles become 0.1 s
NETWORKS = ("x", "linkedin", "threads", "facebook", "instagram")


def calendar(
    posts: int,
    *,
    media_every: int = 3,
    distinct_media: int = 7,
    networks: tuple[str, ...] = NETWORKS,
) -> str:
    """`posts` posts spread over `networks`, some with shared https media (accepted by extension)."""
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    for i in range(posts):
        platform = networks[i % len(networks)]
        at = datetime(2026, 12, 1, 8, 0) + timedelta(minutes=7 * i)
        media = ""
        if platform == "instagram" or i % media_every == 0:
            media = f", media: ['https://cdn.example.com/img{i % distinct_media}.jpg']"
        lines.append(
            f"  - {{id: p{i}, at: '{at:%Y-%m-%d %H:%M}', platform: {platform}, text: 'Post {i} #n{i}'{media}}}"
        )
    return "\n".join(lines) + "\n"


class Rig:
    """A project folder, a sandbox, and a way to run `publish` in-process against them."""

    def __init__(self, root: Path, sandbox: SandboxHandle) -> None:
        self.root = root
        self.sandbox = sandbox
        self.ledger_dir = root / "ledger"
        (root / ".git").mkdir(exist_ok=True)

    def write(self, text: str, name: str = "cal.yaml") -> None:
        (self.root / "schedules").mkdir(exist_ok=True)
        (self.root / "schedules" / name).write_text(text, encoding="utf-8")

    def settings(self, **changes: Any) -> ApiSettings:
        base = ApiSettings(
            api_key=Secret(self.sandbox.api_key),
            base_url=self.sandbox.api_base,
            post_interval=20 * SCALE,
            media_interval=20 * SCALE,
            read_window=60 * SCALE,
            default_retry_after=0.05,
            resend_delay=0.01,
            timeout=10.0,
        )
        return dataclasses.replace(base, **changes)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.sandbox.now().replace("Z", "+00:00"))

    def publish(self, clip_client: Any = None, **options: Any) -> RunSummary:
        now = self.now()
        offset = now - datetime.now(UTC)
        paths = [str(self.root / "schedules")]
        config = load_config(paths[0])
        ledger = Ledger(self.ledger_dir, secrets=[self.sandbox.api_key])
        recorded = dict(ledger.state().posts) if (self.ledger_dir / "events.jsonl").exists() else {}
        result = validate(paths, config, now, recorded=recorded)
        opts = PublishOptions(post_interval=20 * SCALE, media_interval=20 * SCALE, **options)
        with ledger.lock("test"), Status200Client(self.settings()) as client:
            return Publisher(
                client,
                ledger,
                result,
                opts,
                clock=lambda: datetime.now(UTC) + offset,
                clip_client=clip_client,
            ).run()

    def state(self) -> Any:
        return Ledger(self.ledger_dir).state()

    def counters(self) -> dict[str, Any]:
        return self.sandbox.counters()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with running_sandbox(time_scale=SCALE, seed=11, start_at=START) as sandbox:
        yield Rig(tmp_path, sandbox)
