"""More of the engine: dry runs, connections that need reconnecting, networks that are slow or
take large videos in the background, and the gateway page of the older address."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pipeline.sandbox.clock import parse_iso
from tests.sandbox.conftest import api, text_post
from tests.sandbox.spec import SpecValidator
from tests.sandbox_handle import SandboxHandle, running_sandbox

CONNECTIONS = """
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    webhook: {url: "http://127.0.0.1:9/none", secret: s}
    plan: {tier: beginner, allowance: daily, limit: 1}
    profiles:
      - name: demo
        networks:
          facebook: {status: expired}
          instagram: {health: reconnect_required}
          linkedin: {}
          threads: {expires_at: "2030-01-01T00:00:00Z"}
"""


def _dry(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/posts", json={"dryRun": True, **body})
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def test_dry_runs_report_every_outcome(sandbox: SandboxHandle, validator: SpecValidator) -> None:
    with api(sandbox) as client:
        publish = _dry(client, text_post("x"))
        schedule = _dry(client, text_post("x", scheduledFor="2099-01-01T00:00:00Z"))
        soon = _dry(client, text_post("x", scheduledFor=sandbox.now()[:4] + "-12-31T23:59:59Z"))
        refuse = _dry(client, text_post("tiktok"))
        client.post("/posts", json=text_post("x"))
        throttled = _dry(client, text_post("x"))
        validate_alias = client.post(
            "/posts", json={"dryRun": True, "validate": text_post("x")["post"]}
        )
        inside = client.post(
            "/posts", json={"post": {**text_post("linkedin")["post"], "dry_run": True}}
        )
        conflict = client.post(
            "/posts", json={"dryRun": True, "post": {**text_post("x")["post"], "dryRun": False}}
        )
        not_bool = client.post("/posts", json={"dryRun": "yes", **text_post("x")})
        listed = client.get("/posts").json()["data"]
    assert (
        publish["outcome"] == "publish" and publish["would_publish"] and publish["reason"] is None
    )
    assert schedule["outcome"] == "refuse"
    assert (
        schedule["reason"]["code"] == "scheduled_for_invalid"
        and schedule["reason"]["status"] == 400
    )
    assert schedule["reason"]["reason"] == "too_far_ahead"
    assert soon["outcome"] in ("schedule", "publish")
    assert refuse["outcome"] == "refuse" and refuse["reason"]["status"] == 400
    assert {"name": "guards", "status": "refused", "note": refuse["reason"]["message"]} in refuse[
        "checks"
    ]
    assert throttled["reason"]["code"] == "rate_limited" and throttled["reason"]["status"] == 429
    assert validate_alias.json()["dry_run"] is True
    assert inside.json()["dry_run"] is True
    assert conflict.status_code == 400 and not_bool.status_code == 400
    assert len(listed) == 1  # dry runs record nothing
    for report in (publish, schedule, refuse, throttled):
        validator.validate("/posts", "post", 200, report)
        assert "status200" not in report


def test_dry_run_of_a_queued_post() -> None:
    with running_sandbox(CONNECTIONS) as sandbox, api(sandbox) as client:
        client.post("/posts", json=text_post("linkedin"))
        report = _dry(client, text_post("threads"))
    assert report["outcome"] == "queue" and report["reason"]["code"] == "queued_for_next_day"
    assert report["plan"]["allowance"] == {
        "kind": "daily",
        "used": 1,
        "limit": 1,
        "resets_at": report["plan"]["allowance"]["resets_at"],
    }


def test_connections_that_need_reconnecting() -> None:
    with running_sandbox(CONNECTIONS) as sandbox, api(sandbox) as client:
        expired = client.post("/posts", json=text_post("facebook"))
        reconnect = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "instagram",
                    "content": {"mediaUrls": ["https://example.com/a.jpg"]},
                }
            },
        )
        missing = client.post("/posts", json=text_post("x"))
        networks = {n["platform"]: n for n in client.get("/accounts").json()["data"][0]["networks"]}
        profile = client.get("/accounts").json()["data"][0]["profile_id"]
        options = client.get(
            f"/accounts/{profile}/options", params={"platforms": "facebook,x"}
        ).json()
        sandbox.advance(0)
        before = len(sandbox.webhooks())
        sandbox.advance(parse_iso("2030-01-01T00:00:01Z") - parse_iso(sandbox.now()))
        after = [d["type"] for d in sandbox.webhooks()]
        threads = client.post("/posts", json=text_post("threads"))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "reconnect_required"
    assert (
        reconnect.status_code == 401 and reconnect.json()["error"]["code"] == "RECONNECT_REQUIRED"
    )
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "forbidden"
    assert (networks["facebook"]["status"], networks["facebook"]["health"]) == (
        "expired",
        "reconnect_required",
    )
    assert networks["threads"]["access_expires_at"] == "2030-01-01T00:00:00.000Z"
    rows = {r["platform"]: r["status"] for r in options["data"]["networks"]}
    assert rows == {"facebook": "reconnect_required", "x": "not_connected"}
    assert before == 0 and after[-1] == "profile.disconnected"
    assert threads.status_code == 401


@pytest.mark.parametrize("older", [False, True])
def test_large_videos_go_to_some_networks_in_the_background(older: bool) -> None:
    with (
        running_sandbox(time_scale=0.001) as sandbox,
        api(sandbox, older=older) as client,
        api(sandbox) as v2,
    ):
        media = v2.post(
            "/media", json={"url": "https://example.com/talk.mp4?sandbox_size=300000000"}
        )
        answer = client.post(
            "/api-posts" if older else "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "linkedin",
                    "content": {"text": "A talk", "mediaID": [media.json()["file_id"]]},
                }
            },
        )
        post_id = answer.json()["status200"]["post_id"]
        before = v2.get(f"/posts/{post_id}").json()["data"]["status"]
        sandbox.advance(1)
        after = v2.get(f"/posts/{post_id}").json()["data"]["status"]
    assert answer.status_code == 202 and "code" not in answer.json()
    assert answer.json()["data"]["status"] == "processing"
    assert (before, after) == ("processing", "success")


def test_the_older_address_waits_for_slow_networks(sandbox: SandboxHandle) -> None:
    with api(sandbox, older=True) as older, api(sandbox) as client:
        slow = older.post("/api-posts", json=text_post("threads", "Slow #sandbox-slow"))
        never = older.post("/api-posts", json=text_post("facebook", "Lost #sandbox-timeout"))
        listed = {i["platform"]: i["status"] for i in client.get("/posts").json()["data"]}
        sandbox.advance(30)
        settled = {i["platform"]: i["status"] for i in client.get("/posts").json()["data"]}
    assert slow.status_code == 200 and "data" in slow.json()
    assert never.status_code == 504 and never.headers["content-type"].startswith("text/html")
    assert listed == {"threads": "success", "facebook": "processing"}
    assert settled["facebook"] == "timeout"


def test_commit_then_504_records_the_post_behind_a_gateway_page(sandbox: SandboxHandle) -> None:
    sandbox.set_faults({"POST /api/v2/posts": {"script": ["commit_then_504"]}})
    headers = {"Idempotency-Key": "behind-the-gateway"}
    with api(sandbox) as client:
        page = client.post("/posts", json=text_post("x"), headers=headers)
        resend = client.post("/posts", json=text_post("x"), headers=headers)
    assert page.status_code == 504 and page.text.startswith("<!DOCTYPE html>")
    assert resend.status_code == 200 and resend.headers["idempotent-replayed"] == "true"
    assert sandbox.counters()["posts_created"] == {"demo": 1}


def test_profile_names_are_read_without_case_unless_ambiguous() -> None:
    config = """
accounts:
  - name: a
    keys: [rl_a]
    profiles: [{name: Shop, networks: all}, {name: shop, networks: all}, {name: Blog, networks: all}]
"""
    with running_sandbox(config) as sandbox, api(sandbox) as client:
        ambiguous = client.post(
            "/posts",
            json={"post": {"accountId": "SHOP", "platform": "x", "content": {"text": "hi"}}},
        )
        exact = client.post(
            "/posts",
            json={"post": {"accountId": "@shop", "platform": "x", "content": {"text": "hi"}}},
        )
        loose = client.post(
            "/posts",
            json={"post": {"accountId": "blog", "platform": "linkedin", "content": {"text": "hi"}}},
        )
    assert ambiguous.status_code == 400
    assert ambiguous.json()["error"] == {
        "code": "profile_name_ambiguous",
        "message": ambiguous.json()["error"]["message"],
        "profiles": ["@Shop", "@shop"],
    }
    assert exact.status_code == 200 and loose.status_code == 200
