"""The webhook receiver over a real socket: signed events are applied once; forged, replayed,
oversized and malformed calls change nothing; events about ids the ledger does not know yet are
held and applied once it does; the sandbox's own deliveries drive posts to their final state."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from pipeline.ledger.events import PostIntent, PostOutcome
from pipeline.runner.shared import GuardedLedger
from pipeline.runner.webhooks import MAX_BODY, WebhookServer, create_webhook_app, read_capped
from tests.runner.conftest import SECRET, Env, environment, sign, wait_for

SCHEDULED_ID = "5f0c2a4e-1b7d-4c3e-9a51-0d6f2b8e7c10"
HISTORY_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class Hooks:
    """A receiver on 127.0.0.1:<free port> in front of a ledger with one scheduled post."""

    def __init__(self, directory: Path) -> None:
        self.ledger = GuardedLedger(directory, secrets=[SECRET])
        self.app = create_webhook_app(self.ledger, SECRET, max_body=MAX_BODY)
        self.server = WebhookServer(self.app)
        self.http = httpx.Client(timeout=10.0)

    @property
    def receiver(self) -> Any:
        return self.app.state.receiver

    def record(self, identity: str, scheduled_post_id: str, platform: str = "x") -> None:
        self.ledger.append_many(
            [
                PostIntent(
                    run="test",
                    identity=identity,
                    entry_id=identity,
                    source="cal.yaml:3",
                    platform=platform,
                    account="@demo",
                    scheduled_for=None,
                    fingerprint="fp",
                    idempotency_key=f"k-{identity}",
                    generation=0,
                    attempt=1,
                ),
                PostOutcome(
                    run="test",
                    identity=identity,
                    attempt=1,
                    result="scheduled",
                    scheduled_post_id=scheduled_post_id,
                ),
            ]
        )

    def post(self, body: bytes, signature: str | None = "sign", **headers: str) -> httpx.Response:
        if signature == "sign":
            signature = sign(body)
        if signature is not None:
            headers["X-Webhook-Signature"] = signature
        return self.http.post(self.server.url, content=body, headers=headers)

    def log_bytes(self) -> bytes:
        path = self.ledger.events_path
        return path.read_bytes() if path.exists() else b""


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[Hooks]:
    made = Hooks(tmp_path / "ledger")
    made.server.start()
    with made.ledger.lock("pytest"):
        made.record("launch", SCHEDULED_ID)
        try:
            yield made
        finally:
            made.http.close()
            made.server.stop()


def event(kind: str = "post.published", event_id: str = "evt_1", **data: Any) -> bytes:
    payload = {
        "post_id": HISTORY_ID,
        "scheduled_post_id": SCHEDULED_ID,
        "platform": "x",
        "account_id": "@demo",
        "platform_post_id": "1841234567890",
        "permalink": "https://x.com/demo/status/1841234567890",
    }
    payload.update(data)
    body = {"id": event_id, "type": kind, "created_at": "2026-10-01T09:00:00Z", "data": payload}
    return json.dumps(body).encode()


def test_a_signed_event_is_applied_once_and_a_replay_changes_nothing(hooks: Hooks) -> None:
    body = event()
    first = hooks.post(body)
    assert first.status_code == 200 and first.json()["result"] == "applied"
    state = hooks.ledger.state()
    post = state.posts["launch"]
    assert post.status == "published" and post.platform_post_id == "1841234567890"
    assert state.details["launch"].history_post_id == HISTORY_ID
    types = [e["type"] for e in hooks.ledger.events()[-2:]]
    assert types == ["post.status", "webhook.applied"]  # the status first, in one append
    assert hooks.ledger.events()[-2]["origin"] == "webhook"

    before = hooks.log_bytes()
    again = hooks.post(body)  # the service retries: the same event id
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert hooks.log_bytes() == before


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "",
        "sha256=" + "0" * 64,
        sign(event(), "another secret"),
        sign(event())[len("sha256=") :],  # the hex without its prefix
        sign(event()).upper(),
    ],
)
def test_a_forged_or_missing_signature_is_401_and_changes_nothing(
    hooks: Hooks, signature: str | None
) -> None:
    before = hooks.log_bytes()
    answer = hooks.post(event(), signature=signature)
    assert answer.status_code == 401
    assert hooks.log_bytes() == before


def test_a_tampered_body_is_401(hooks: Hooks) -> None:
    body = event()
    tampered = body.replace(b"post.published", b"post.failed")
    before = hooks.log_bytes()
    assert hooks.post(tampered, signature=sign(body)).status_code == 401
    assert hooks.log_bytes() == before


def test_an_oversized_body_is_413_whether_declared_or_streamed(hooks: Hooks) -> None:
    big = event(padding="a" * MAX_BODY)
    before = hooks.log_bytes()
    declared = hooks.post(big)
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: transfer-encoding chunked
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    streamed = hooks.http.post(
        hooks.server.url, content=chunks(), headers={"X-Webhook-Signature": sign(big)}
    )
    assert streamed.status_code == 413
    assert hooks.log_bytes() == before


def test_the_size_cap_is_checked_while_the_body_streams_in() -> None:
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    scope = {"type": "http", "method": "POST", "headers": [], "path": "/", "query_string": b""}
    assert asyncio.run(read_capped(Request(scope, receive), 4096)) is None
    assert pulled == 5  # stopped at the first kilobyte over the cap, not at the end


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "post.published", "data": {}}', "id"),
        (b'{"id": "evt_x", "data": {}}', "type"),
        (b'{"id": "evt_x", "type": "post.published"}', "data"),
        (b'{"id": "evt_x", "type": "post.published", "data": {"platform": "x"}}', "post_id"),
        (b'{"id": "evt_x", "type": "profile.disconnected", "data": {}}', "platform"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_malformed_events_are_400_without_a_traceback(
    hooks: Hooks, body: bytes, reason: str
) -> None:
    before = hooks.log_bytes()
    answer = hooks.post(body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"] and "Traceback" not in answer.text
    assert hooks.log_bytes() == before


def test_a_failed_event_records_the_code_and_message(hooks: Hooks) -> None:
    body = event(
        "post.failed", "evt_f", error_code="MEDIA_ERROR", error_message="Video format refused"
    )
    assert hooks.post(body).json()["result"] == "applied"
    post = hooks.ledger.state().posts["launch"]
    assert post.status == "failed" and post.last_error == "MEDIA_ERROR: Video format refused"
    # A late published event for the same post does not move it back.
    assert hooks.post(event(event_id="evt_late")).json()["result"] == "applied"
    assert hooks.ledger.state().posts["launch"].status == "failed"


def test_an_unknown_id_is_held_then_applied_once_the_ledger_knows_it(hooks: Hooks) -> None:
    other = "0b1c2d3e-4f50-4617-8899-aabbccddeeff"
    body = event(event_id="evt_early", scheduled_post_id=other, post_id=None)
    before = hooks.log_bytes()
    answer = hooks.post(body)
    assert answer.status_code == 202 and answer.json()["result"] == "pending"
    assert hooks.log_bytes() == before and hooks.receiver.held == 1
    assert hooks.receiver.retry_pending() == 0  # still unknown: kept
    hooks.record("teaser", other)  # the publisher records its answer after the event came
    assert hooks.receiver.retry_pending() == 1 and hooks.receiver.held == 0
    assert hooks.ledger.state().posts["teaser"].status == "published"
    assert hooks.post(body).json()["result"] == "duplicate"


def test_profile_disconnected_is_recorded_flagged_and_logged(
    hooks: Hooks, caplog: pytest.LogCaptureFixture
) -> None:
    hooks.record("fb-post", "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", platform="facebook")
    body = event(
        "profile.disconnected",
        "evt_d",
        platform="facebook",
        account_id="@Demo",
        reason="token_expired",
        message="Facebook access token has expired.",
    )
    with caplog.at_level(logging.WARNING, logger="pipeline.runner.webhooks"):
        assert hooks.post(body).json()["result"] == "applied"
    state = hooks.ledger.state()
    assert ("@demo", "facebook") in state.disconnected  # the ledger's own spelling
    assert [p.identity for p in state.flagged()] == ["fb-post"]
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning and "facebook" in warning[0].getMessage()
    assert getattr(warning[0], "flagged", None) == 1


def test_other_methods_and_paths_are_refused(hooks: Hooks) -> None:
    assert hooks.http.get(hooks.server.url).status_code == 405
    assert hooks.http.post(hooks.server.url + "/more", content=event()).status_code == 404


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300), signed=st.booleans())
def test_any_body_gets_a_clean_answer(hooks: Hooks, body: bytes, signed: bool) -> None:
    answer = hooks.post(body, signature="sign" if signed else "sha256=bad")
    assert answer.status_code in ((200, 202, 400) if signed else (401,))
    assert "Traceback" not in answer.text


# --- deliveries by the sandbox ------------------------------------------------------------------


@pytest.fixture
def delivered(tmp_path: Path) -> Iterator[tuple[Env, WebhookServer]]:
    """The sandbox delivers its webhooks to a receiver bound before it starts."""
    ledger = GuardedLedger(tmp_path / "ledger", secrets=[SECRET])
    server = WebhookServer(create_webhook_app(ledger, SECRET))
    server.start()
    try:
        with environment(tmp_path, webhook_url=server.url, ledger=ledger) as env:
            yield env, server
    finally:
        server.stop()


def test_scheduled_posts_are_published_in_the_ledger_by_the_sandbox_webhooks(
    delivered: tuple[Env, WebhookServer],
) -> None:
    env, _ = delivered
    start = env.now()
    ok = env.schedule("x", "Through webhooks", start + timedelta(hours=1))
    refused = env.schedule("linkedin", "Refused #sandbox-fail", start + timedelta(hours=1))
    env.advance(timedelta(hours=1, minutes=1))  # due: the sandbox sends them and delivers

    wait_for(lambda: env.status(ok) == "published" and env.status(refused) == "failed")
    events = [e for e in env.ledger.events() if e["type"] == "post.status"]
    assert {e["origin"] for e in events} == {"webhook"}  # no polling took part
    assert env.ledger.state().posts[ok].permalink
    deliveries = env.handle.webhooks()
    assert deliveries and {d["state"] for d in deliveries} == {"delivered"}
    assert all(d["statuses"] == ["200"] for d in deliveries)


def test_a_disconnected_network_flags_its_pending_posts(
    delivered: tuple[Env, WebhookServer],
) -> None:
    env, _ = delivered
    pending = env.schedule("facebook", "Tomorrow", env.now() + timedelta(days=1))
    env.schedule("x", "Unaffected", env.now() + timedelta(days=1))
    env.handle.disconnect("@demo", "facebook")
    wait_for(lambda: bool(env.ledger.state().flagged()))
    assert [p.identity for p in env.ledger.state().flagged()] == [pending]
