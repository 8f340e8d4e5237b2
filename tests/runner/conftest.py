"""Shared pieces of the runner tests: a sandbox at a small time scale, a client whose read budget
follows that scale, a locked ledger, and helpers that create posts through the API and record
them in the ledger the way the publisher will (`post.intent` then `post.outcome`)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.api import Accepted, ApiSettings, PublishResult, Secret, Status200Client
from pipeline.ledger.events import PostIntent, PostOutcome
from pipeline.runner.scheduler import make_client
from pipeline.runner.shared import GuardedLedger
from tests.sandbox_handle import SandboxHandle, running_sandbox

SCALE = 0.01  # service durations x 0.01: a read window of 0.6 s, a post throttle of 0.2 s
SECRET = "whsec_runner_test_Hk38Qz"
TEXT_NETWORKS = ("x", "linkedin", "threads", "facebook")


def sandbox_config(webhook_url: str | None = None) -> str:
    hook = f'webhook: {{url: "{webhook_url}", secret: {SECRET}}}' if webhook_url else ""
    return f"""
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    {hook}
    profiles: [{{name: demo, networks: all}}]
"""


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Poll until `condition()`; fail after `timeout` real seconds (a hang, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@dataclass
class Env:
    """A sandbox, a client of it, and a ledger locked by this test."""

    handle: SandboxHandle
    client: Status200Client
    ledger: GuardedLedger
    stop: threading.Event
    made: int = 0
    keys: dict[str, str] = field(default_factory=dict)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.handle.sandbox.clock.now(), tz=UTC)

    def advance(self, delta: timedelta) -> None:
        self.handle.advance(delta.total_seconds())

    def _send(self, platform: str, text: str, at: datetime | None) -> Any:
        # The post throttle (20 s x 0.01) is per network: move sandbox time past it first, so
        # the client never waits for a Retry-After of whole real seconds.
        self.handle.advance(0.25)
        self.made += 1
        post: dict[str, Any] = {
            "accountId": "@demo",
            "platform": platform,
            "content": {"text": text},
        }
        if at is not None:
            post["scheduledFor"] = at.isoformat()
        key = f"test-{self.made}-{platform}"
        return self.client.create_post({"post": post}, idempotency_key=key), key

    def _intent(
        self, identity: str, platform: str, key: str, scheduled_for: datetime | None
    ) -> PostIntent:
        return PostIntent(
            run="test",
            at=self.now(),
            identity=identity,
            entry_id=identity,
            source=f"calendar.yaml:{self.made}",
            platform=platform,
            account="@demo",
            scheduled_for=scheduled_for,
            fingerprint=f"fp-{identity}",
            idempotency_key=key,
            generation=0,
            attempt=1,
        )

    def schedule(
        self,
        platform: str,
        text: str,
        at: datetime,
        *,
        identity: str | None = None,
        ledger_time: datetime | None = None,
    ) -> str:
        """A scheduled post at the service and in the ledger (`ledger_time`: what the ledger
        believes the time is, when a test wants the two to disagree)."""
        identity = identity or f"post-{self.made + 1}-{platform}"
        result, key = self._send(platform, text, at)
        assert isinstance(result, Accepted) and result.scheduled_post_id
        self.ledger.append_many(
            [
                self._intent(identity, platform, key, ledger_time or at),
                PostOutcome(
                    run="test",
                    at=self.now(),
                    identity=identity,
                    attempt=1,
                    result="scheduled",
                    http_status=202,
                    api_code="scheduled",
                    scheduled_post_id=result.scheduled_post_id,
                ),
            ]
        )
        self.keys[identity] = result.scheduled_post_id
        return identity

    def publish_now(self, platform: str, text: str, *, identity: str | None = None) -> str:
        identity = identity or f"now-{self.made + 1}-{platform}"
        result, key = self._send(platform, text, None)
        assert isinstance(result, PublishResult) and result.post_id
        self.ledger.append_many(
            [
                self._intent(identity, platform, key, self.now()),
                PostOutcome(
                    run="test",
                    at=self.now(),
                    identity=identity,
                    attempt=1,
                    result="processing" if result.processing else "published",
                    http_status=result.http_status,
                    post_id=result.post_id,
                    platform_post_id=result.platform_post_id,
                    permalink=result.url,
                ),
            ]
        )
        self.keys[identity] = result.post_id
        return identity

    def status(self, identity: str) -> str:
        return self.ledger.state().posts[identity].status


def settings_for(handle: SandboxHandle) -> ApiSettings:
    return ApiSettings(
        api_key=Secret(handle.api_key),
        base_url=handle.api_base,
        # 25 % longer than the sandbox's window: at this scale the window is 0.6 s, and on a
        # loaded CI machine a request can reach the server 100 ms after the client counted it.
        # (At the real scale the client's own 5 % slack is 3 s.)
        read_window=60.0 * SCALE * 1.25,
        post_interval=20.0 * SCALE,
        media_interval=20.0 * SCALE,
    )


@contextmanager
def environment(
    tmp_path: Path,
    *,
    webhook_url: str | None = None,
    seed: int = 5,
    ledger: GuardedLedger | None = None,
) -> Iterator[Env]:
    """A sandbox and a client; `ledger` (default: a new one under tmp_path) is locked here."""
    stop = threading.Event()
    with (
        running_sandbox(sandbox_config(webhook_url), time_scale=SCALE, seed=seed) as handle,
        make_client(settings_for(handle), stop) as client,
    ):
        ledger = ledger or GuardedLedger(tmp_path / "ledger", secrets=[handle.api_key, SECRET])
        with ledger.lock("pytest"):
            yield Env(handle, client, ledger, stop)
        stop.set()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with environment(tmp_path) as made:
        yield made
