"""Webhook deliveries: signed as the docs page says, checked with the docs page's own Python
verification recipe, and retried after 1, 5 and 30 minutes (scaled) when the receiver fails."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle, running_sandbox

SECRET = "whsec_test_secret"


# The docs page's "Python Example", as written there.
def verify_signature(body: bytes, signature: str, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class Receiver:
    """A webhook endpoint on 127.0.0.1 that answers with the statuses it is told to, in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append(
                        (body, {k.lower(): v for k, v in self.headers.items()})
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for body, _ in self.received]


@contextmanager
def receiving(statuses: list[int] | None = None) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(list(statuses or []))
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks/status200"
    finally:
        server.shutdown()
        server.server_close()


def _config(url: str) -> str:
    return f"""
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    webhook: {{url: "{url}", secret: {SECRET}}}
    profiles: [{{name: demo, networks: all}}]
"""


def _settle(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    sandbox.advance(0)  # delivers what is due before answering
    return sandbox.webhooks()


def test_deliveries_are_signed_and_verify_with_the_docs_recipe() -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with receiving() as (receiver, url), running_sandbox(_config(url)) as sandbox:
        with api(sandbox) as client:
            client.post("/posts", json=text_post("x", "Published"))
            client.post("/posts", json=text_post("linkedin", "Refused #sandbox-fail"))
            client.post("/posts", json=text_post("threads", "Later", scheduledFor=later))
        sandbox.disconnect("@demo", "facebook")
        deliveries = _settle(sandbox)
        received = list(receiver.received)
    assert [d["state"] for d in deliveries] == ["delivered"] * 4
    for body, headers in received:
        assert verify_signature(body, headers["x-webhook-signature"], SECRET)
        assert not verify_signature(body, headers["x-webhook-signature"], "another secret")
        assert not verify_signature(body + b" ", headers["x-webhook-signature"], SECRET)
    events = {json.loads(body)["type"]: json.loads(body) for body, _ in received}
    assert set(events) == {
        "post.published",
        "post.failed",
        "post.scheduled",
        "profile.disconnected",
    }
    published = events["post.published"]
    assert published["id"].startswith("evt_") and published["data"]["account_id"] == "@demo"
    assert published["data"]["platform"] == "x" and published["data"]["platform_post_id"]
    assert events["post.failed"]["data"]["error_message"]
    assert events["profile.disconnected"]["data"]["reason"] == "token_expired"


def test_failed_deliveries_are_retried_after_1_5_and_30_minutes() -> None:
    with (
        receiving([500, 503, 500, 500]) as (receiver, url),
        running_sandbox(_config(url)) as sandbox,
    ):
        with api(sandbox) as client:
            client.post("/posts", json=text_post("x", "Published"))
        attempts = [_settle(sandbox)[0]["attempts"]]
        for minutes in (0.9, 0.2, 4.9, 0.2, 29.9, 0.2):
            sandbox.advance(minutes * 60)
            attempts.append(_settle(sandbox)[0]["attempts"])
        final = _settle(sandbox)[0]
    # first try; after 1 min the 2nd; after 5 more the 3rd; after 30 more the 4th (and last)
    assert attempts == [1, 1, 2, 2, 3, 3, 4]
    assert final["state"] == "failed" and final["statuses"] == ["500", "503", "500", "500"]
    assert len({body for body, _ in receiver.received}) == 1  # the same event every time


def test_retry_delays_follow_the_time_scale() -> None:
    with (
        receiving([500]) as (receiver, url),
        running_sandbox(_config(url), time_scale=0.01) as sandbox,
    ):
        with api(sandbox) as client:
            client.post("/posts", json=text_post("x", "Published"))
        first = _settle(sandbox)[0]
        sandbox.advance(0.6)  # 1 minute scaled by 0.01
        second = _settle(sandbox)[0]
    assert first["attempts"] == 1 and first["state"] == "pending"
    assert second["attempts"] == 2 and second["state"] == "delivered"
    assert len(receiver.received) == 2


def test_unreachable_receiver_counts_as_a_failure() -> None:
    with running_sandbox(_config("http://127.0.0.1:9/nothing-listens-here")) as sandbox:
        with api(sandbox) as client:
            client.post("/posts", json=text_post("x", "Published"))
        delivery = _settle(sandbox)[0]
    assert delivery["state"] == "pending" and delivery["statuses"] == ["ConnectError"]
