"""Plan allowances and gates: a daily allowance per profile queues for the next UTC day (202), a
Free plan's monthly one refuses (429), X needs the add-on and Skool needs Beginner (403); at most
500 posts wait per account (409)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from pipeline.sandbox.clock import parse_iso
from tests.sandbox.conftest import api
from tests.sandbox_handle import running_sandbox

PLANS = """
accounts:
  - name: beginner
    keys: [rl_beginner]
    plan: {tier: beginner, allowance: daily, limit: 2}
    profiles: [{name: shop, networks: all}, {name: blog, networks: all}]
  - name: free
    keys: [rl_free]
    plan: {tier: free, allowance: monthly, limit: 2}
    profiles: [{name: starter, networks: all}]
"""
ROTATION = ("linkedin", "threads", "facebook", "x")


def _post(client: httpx.Client, account: str, index: int, **post: object) -> httpx.Response:
    body = {
        "post": {
            "accountId": account,
            "platform": ROTATION[index % 4],
            "content": {"text": f"post {index}"},
            **post,
        }
    }
    return client.post("/posts", json=body)


def test_daily_allowance_queues_for_the_next_utc_day() -> None:
    start = "2026-09-28T14:30:00Z"
    with (
        running_sandbox(PLANS, start_at=start, time_scale=1e-6) as sandbox,
        api(sandbox, "rl_beginner") as client,
    ):
        assert [_post(client, "@shop", i).status_code for i in range(2)] == [200, 200]
        queued = _post(client, "@shop", 2)
        other_profile = _post(client, "@blog", 3)
        body = queued.json()
        waiting = client.get(f"/posts/{body['scheduled_post_id']}").json()["data"]
        sandbox.advance(86400 + 5)
        gone_out = client.get(f"/posts/{body['scheduled_post_id']}").json()["data"]
    assert queued.status_code == 202
    assert body["code"] == "queued_for_next_day" and body["queued"] is True
    assert (body["used"], body["limit"], body["plan"]) == (2, 2, "beginner")
    assert parse_iso(body["scheduled_at"]) - parse_iso(start) >= 86400 - 1
    assert body["scheduled_at"].startswith("2026-09-29T14:30")
    assert other_profile.status_code == 200  # per profile, all networks combined
    assert waiting["status"] == "scheduled" and "daily allowance" in waiting["note"]
    assert gone_out["results"][0]["post_id"] is not None


def test_monthly_allowance_of_the_free_plan_refuses() -> None:
    with (
        running_sandbox(PLANS, start_at="2026-09-28T10:00:00Z", time_scale=1e-6) as sandbox,
        api(sandbox, "rl_free") as client,
    ):
        assert [_post(client, "@starter", i).status_code for i in range(2)] == [200, 200]
        refused = _post(client, "@starter", 2)
        sandbox.advance(3 * 86400)  # 1 October: a new month
        next_month = _post(client, "@starter", 4)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "monthly_limit_reached"
    assert (error["used"], error["limit"], error["window"], error["plan"]) == (
        2,
        2,
        "month",
        "free",
    )
    assert error["resets_at"] == "2026-10-01T00:00:00.000Z"
    assert error["trial_available"] is True and error["upgrade_url"].startswith("https://")
    assert "retry-after" not in refused.headers  # more than an hour away: only in the body
    assert error["retry_after_seconds"] > 3600
    assert next_month.status_code == 200


def test_plan_gates_for_x_and_skool() -> None:
    with running_sandbox(PLANS) as sandbox, api(sandbox, "rl_free") as client:
        x = _post(client, "@starter", 3)
        skool = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@starter",
                    "platform": "skool",
                    "content": {"text": "hi"},
                    "skool": {"group": "grp_sandbox", "title": "t"},
                }
            },
        )
    assert x.status_code == 403
    assert (
        x.json()["error"]["code"] == "plan_required" and x.json()["error"]["required"] == "x_addon"
    )
    assert skool.status_code == 403 and skool.json()["error"]["required"] == "beginner"


def test_a_scheduled_post_is_checked_against_the_allowance_when_it_goes_out() -> None:
    with running_sandbox(PLANS, time_scale=1e-6) as sandbox, api(sandbox, "rl_beginner") as client:
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        scheduled = _post(client, "@shop", 0, scheduledFor=later).json()["scheduled_post_id"]
        sandbox.advance(1)
        assert [_post(client, "@shop", i).status_code for i in range(1, 3)] == [200, 200]
        sandbox.advance(3600)
        moved = client.get(f"/posts/{scheduled}").json()["data"]
    assert moved["status"] == "scheduled" and moved["outcome"] == "waiting"
    assert "daily allowance" in moved["note"]


def test_at_most_500_posts_wait_per_account() -> None:
    with running_sandbox(time_scale=1e-9) as sandbox, api(sandbox) as client:
        later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        body = {
            "post": {
                "accountId": "@demo",
                "platform": "linkedin",
                "scheduledFor": later,
                "content": {"text": "waiting"},
            }
        }
        codes = [client.post("/posts", json=body).status_code for _ in range(500)]
        full = client.post("/posts", json=body)
        first = client.get("/posts", params={"limit": 1}).json()["data"][0]["id"]
        client.delete(f"/posts/{first}")
        room_again = client.post("/posts", json=body)
        counters = sandbox.counters()
    assert codes == [202] * 500
    assert full.status_code == 409
    assert full.json()["error"] == {
        "code": "scheduled_queue_full",
        "message": full.json()["error"]["message"],
        "limit": 500,
    }
    assert "status200" not in full.json()
    assert room_again.status_code == 202
    assert counters["scheduled_created"] == {"demo": 501} and counters["waiting_total"] == 500
