"""Publishing local files through a media store: the sandbox and moto's S3 server, both on
127.0.0.1, with the fake AWS credentials in the environment for these tests only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pipeline.apply.publisher import RunSummary
from pipeline.mediastore import StoreSettings
from tests.publish.conftest import SCALE, START, Rig
from tests.s3_server import REGION, S3Server, aws_env, running_s3
from tests.sandbox_handle import running_sandbox

BUCKET = "acme-media"
PREFIX = "calendar-media/"


def noise_jpeg(path: Path, seed: int, side: int = 600) -> Path:
    """A JPEG of random pixels (some hundreds of KB: big enough to cut an upload midway)."""
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", (side, side), data).save(path, "JPEG", quality=95)
    return path


def calendar(posts: int, media: str, networks: tuple[str, ...], start: int = 0) -> str:
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    for i in range(start, start + posts):
        at = datetime(2026, 12, 1, 8, 0) + timedelta(minutes=7 * i)
        lines.append(
            f"  - {{id: p{i}, at: '{at:%Y-%m-%d %H:%M}', platform: {networks[i % len(networks)]},"
            f" text: 'Post {i}', media: ['{media}']}}"
        )
    return "\n".join(lines) + "\n"


class StoreRig(Rig):
    """The publish rig with a media store: `publish()` uploads local files to `store`."""

    def __init__(self, root: Path, sandbox: Any, s3: S3Server) -> None:
        super().__init__(root, sandbox)
        self.s3 = s3
        self.store = StoreSettings(bucket=BUCKET, prefix=PREFIX, endpoint_url=s3.url, region=REGION)

    def publish(self, clip_client: Any = None, **options: Any) -> RunSummary:
        options.setdefault("media_store", self.store)
        return super().publish(clip_client, **options)

    def events(self, kind: str) -> list[dict[str, Any]]:
        import json

        path = self.ledger_dir / "events.jsonl"
        return [e for e in map(json.loads, path.read_text().splitlines()) if e["type"] == kind]

    def fetched_urls(self) -> list[str]:
        """The URLs the sandbox imported from (it fetched each, as the real API would)."""
        return [r.url for r in self.sandbox.sandbox.state.media.values()]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    aws_env(monkeypatch)
    with running_s3() as server:
        server.create_bucket(BUCKET)
        server.calls.clear()  # the tests count what the pipeline asks
        yield server


@pytest.fixture
def store_rig(tmp_path: Path, s3: S3Server) -> Iterator[StoreRig]:
    with running_sandbox(time_scale=SCALE, seed=11, start_at=START) as sandbox:
        yield StoreRig(tmp_path, sandbox, s3)
