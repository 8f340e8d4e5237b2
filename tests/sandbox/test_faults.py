"""Fault injection: seeded, per endpoint. Errors answer without doing anything; a dropped
connection and "commit then drop" reach an httpx client as transport errors, not HTTP answers, and
"commit then drop" records the post first."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from pipeline.sandbox.clients import client as http_client
from pipeline.sandbox.faults import Faults, FaultSpecError
from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle, running_sandbox

POSTS = "POST /api/v2/posts"


def _posts_created(sandbox: SandboxHandle) -> int:
    return int(sandbox.counters()["posts_created"].get("demo", 0))


@pytest.mark.parametrize(
    ("action", "status", "code"),
    [
        ("error_500", 500, "server_error"),
        ("error_502", 502, "upstream_unavailable"),
        ("error_503", 503, "caller_check_unavailable"),
    ],
)
def test_error_answers_do_nothing(
    sandbox: SandboxHandle, action: str, status: int, code: str
) -> None:
    sandbox.set_faults({POSTS: {"script": [action]}})
    with api(sandbox) as client:
        answer = client.post("/posts", json=text_post("x"))
        after = client.post("/posts", json=text_post("x"))
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert "status200" not in answer.json()
    if status == 503:
        assert (
            answer.headers["retry-after"] == "5"
            and answer.json()["error"]["retry_after_seconds"] == 5
        )
    assert after.status_code == 200  # nothing was posted, so the throttle did not start
    assert sandbox.counters()["faults"][POSTS] == {action: 1}


def test_a_dropped_connection_is_a_transport_error_and_posts_nothing(
    sandbox: SandboxHandle,
) -> None:
    sandbox.set_faults({POSTS: {"script": ["drop"]}})
    with api(sandbox) as client:
        with pytest.raises(httpx.TransportError) as caught:
            client.post("/posts", json=text_post("x"))
        assert isinstance(caught.value, httpx.RemoteProtocolError | httpx.ReadError)
        listed = client.get("/posts").json()["data"]
    assert listed == [] and _posts_created(sandbox) == 0


def test_commit_then_drop_records_the_post_and_a_keyed_resend_replays_it(
    sandbox: SandboxHandle,
) -> None:
    sandbox.set_faults({POSTS: {"script": ["commit_then_drop"]}})
    headers = {"Idempotency-Key": "entry-1/x"}
    with api(sandbox) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/posts", json=text_post("x"), headers=headers)
        listed = client.get("/posts").json()["data"]
        resend = client.post("/posts", json=text_post("x"), headers=headers)
    assert len(listed) == 1 and listed[0]["platform"] == "x"
    assert resend.status_code == 200 and resend.headers["idempotent-replayed"] == "true"
    assert resend.json()["status200"]["post_id"] == listed[0]["id"]
    assert _posts_created(sandbox) == 1


def test_commit_then_die_leaves_the_outcome_unknown(sandbox: SandboxHandle) -> None:
    sandbox.set_faults({POSTS: {"script": ["commit_then_die"]}})
    headers = {"Idempotency-Key": "entry-2/x"}
    with api(sandbox) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/posts", json=text_post("x"), headers=headers)
        running = client.post("/posts", json=text_post("x"), headers=headers)
        sandbox.advance(10 * 60 + 1)
        unknown = client.post("/posts", json=text_post("x"), headers=headers)
    assert (
        running.status_code == 409 and running.json()["error"]["code"] == "idempotency_in_progress"
    )
    assert running.headers["retry-after"] == "5"
    assert (
        unknown.status_code == 409
        and unknown.json()["error"]["code"] == "idempotency_outcome_unknown"
    )
    assert _posts_created(sandbox) == 1


def test_media_and_reads_have_their_own_fault_shapes(sandbox: SandboxHandle) -> None:
    sandbox.set_faults(
        {
            "POST /api/v2/media": {"script": ["error_503"]},
            "GET /api/v2/posts": {"script": ["error_500", "drop"]},
        }
    )
    with api(sandbox) as client:
        media = client.post("/media", json={"url": "https://example.com/a.jpg"})
        read = client.get("/posts")
        with pytest.raises(httpx.TransportError):
            client.get("/posts")
        fine = client.get("/posts")
    assert media.status_code == 503 and media.json()["code"] == "idempotency_unavailable"
    assert isinstance(media.json()["error"], str)
    assert read.status_code == 500 and read.headers["cache-control"] == "private, no-store"
    assert fine.status_code == 200


def test_latency_lets_a_second_request_meet_the_first_still_running(sandbox: SandboxHandle) -> None:
    sandbox.set_faults({POSTS: {"latency": 0.5}})
    headers = {"Idempotency-Key": "entry-3/x"}
    results: dict[str, Any] = {}

    def first() -> None:
        with api(sandbox) as client:
            results["first"] = client.post("/posts", json=text_post("x"), headers=headers)

    thread = threading.Thread(target=first)
    thread.start()
    with api(sandbox) as client:
        for _ in range(200):  # until the first one has claimed its key
            if sandbox.counters()["requests"].get(POSTS):
                break  # counted and its key claimed in the same step of the server's loop
            threading.Event().wait(0.005)
        second = client.post("/posts", json=text_post("x"), headers=headers)
    thread.join()
    assert results["first"].status_code == 200
    assert second.status_code == 409 and second.json()["error"]["code"] == "idempotency_in_progress"


def test_rates_come_from_a_seeded_source_and_replay() -> None:
    spec = {POSTS: {"error_500": 0.2, "error_503": 0.2, "drop": 0.1}}

    def run(seed: int) -> list[str]:
        faults = Faults(spec, seed)
        return [faults.decide(POSTS).action for _ in range(60)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    outcomes = run(7)
    assert {"ok", "error_500", "error_503", "drop"} <= set(outcomes)
    other = Faults(spec, 7)
    other.decide("GET /api/v2/posts")  # another endpoint's stream does not shift this one
    assert [other.decide(POSTS).action for _ in range(60)] == outcomes


def test_faults_from_the_config_replay_over_sockets() -> None:
    config = """
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    profiles: [{name: demo, networks: all}]
faults:
  "GET /api/v2/accounts": {error_500: 0.3, error_502: 0.3}
"""

    def statuses(seed: int) -> list[int]:
        with running_sandbox(config, seed=seed) as sandbox, api(sandbox) as client:
            return [client.get("/accounts").status_code for _ in range(20)]

    first = statuses(11)
    assert first == statuses(11)
    assert {200, 500, 502} <= set(first)


def test_bad_fault_specs_are_refused(sandbox: SandboxHandle) -> None:
    with pytest.raises(FaultSpecError):
        Faults({POSTS: {"error_500": 0.8, "drop": 0.5}}, 0)
    with pytest.raises(FaultSpecError):
        Faults({POSTS: {"explode": 0.1}}, 0)
    with api(sandbox) as client:
        with http_client(sandbox.admin_base) as admin:
            refused = admin.put("/faults", json={POSTS: {"latency": [1]}})
        assert client.get("/accounts").status_code == 200
    assert refused.status_code == 400
