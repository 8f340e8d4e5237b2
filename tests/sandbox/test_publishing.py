"""Time in the sandbox: a scheduled post goes out when due, its network's post moves from
processing to success or failed by rule, figures grow with time, and History lists what happened."""

from __future__ import annotations

from typing import Any

import httpx

from pipeline.sandbox.clock import parse_iso
from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle, running_sandbox

START = "2026-09-28T10:00:00Z"


def _read(client: httpx.Client, item_id: str) -> dict[str, Any]:
    response = client.get(f"/posts/{item_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_scheduled_post_is_published_after_the_clock_moves() -> None:
    with running_sandbox(start_at=START) as sandbox, api(sandbox) as client:
        media = client.post("/media", json={"url": "https://example.com/clip.mp4"}).json()[
            "file_id"
        ]
        body = {
            "post": {
                "accountId": "@demo",
                "platform": "tiktok",
                "scheduledFor": "2026-09-28T12:00:00Z",
                "content": {"text": "Later", "mediaID": [media]},
                "tiktok": {"privacyLevel": "PUBLIC_TO_EVERYONE"},
            }
        }
        scheduled_id = client.post("/posts", json=body).json()["scheduled_post_id"]
        waiting = _read(client, scheduled_id)
        listed_before = client.get("/posts").json()["data"]
        sandbox.advance(2 * 3600)
        sending = _read(client, scheduled_id)
        post_id = sending["results"][0]["post_id"]
        processing = _read(client, post_id)
        listed_after = client.get("/posts").json()["data"]
        sandbox.advance(30)
        done = _read(client, post_id)
        published = _read(client, scheduled_id)
        sandbox.advance(6 * 3600)
        later = _read(client, post_id)
    assert waiting["status"] == "scheduled" and waiting["outcome"] == "waiting"
    assert waiting["results"] == [
        {
            "platform": "tiktok",
            "post_id": None,
            "status": "pending",
            "done": False,
            "publish_id": None,
            "permalink": None,
            "error_message": None,
        }
    ]
    assert [i["id"] for i in listed_before] == [scheduled_id]
    assert sending["status"] == "processing" and sending["outcome"] == "sending"
    assert processing["status"] == "processing" and processing["figures"] is None
    assert processing["scheduled_post_id"] == scheduled_id
    assert [i["id"] for i in listed_after] == [post_id]  # listed as its post once it has one
    assert done["status"] == "success" and done["done"] is True
    assert done["permalink"].startswith("https://www.tiktok.com/@demo/video/")
    assert published["status"] == "published" and published["outcome"] == "success"
    metrics, grown = done["figures"]["metrics"], later["figures"]["metrics"]
    assert grown["views"] > metrics["views"] and grown["likes"] >= metrics["likes"]
    assert "impressions" in later["figures"]["not_reported"] and grown["impressions"] is None


def test_rules_fail_posts_as_each_network_would(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        x = client.post("/posts", json=text_post("x", "Refuse me #sandbox-fail"))
        linkedin = client.post("/posts", json=text_post("linkedin", "Refuse me #sandbox-fail"))
        media = client.post("/media", json={"url": "https://example.com/clip.webm"}).json()[
            "file_id"
        ]
        reel = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "instagram",
                    "content": {"text": "A WebM reel", "mediaID": [media]},
                }
            },
        )
        reel_id = reel.json()["status200"]["post_id"]
        before = _read(client, reel_id)
        sandbox.advance(20)
        after = _read(client, reel_id)
        failed = client.get("/posts", params={"status": "failed"}).json()["data"]
    assert x.status_code == 403 and x.json()["error"]["code"] == "x_rejected"
    assert x.json()["status200"]["post_id"]  # the refusal is in History
    assert linkedin.status_code == 500 and linkedin.json()["error"]["code"] == "platform_error"
    assert reel.status_code == 200 and before["status"] == "processing"
    assert after["status"] == "failed" and "WebM" in after["error_message"]
    assert after["figures"] is None
    assert {item["platform"] for item in failed} == {"x", "linkedin", "instagram"}


def test_tiktok_refuses_a_privacy_level_the_account_does_not_offer() -> None:
    config = """
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    profiles:
      - name: demo
        networks:
          tiktok: {options: {privacy_level_options: [SELF_ONLY]}}
"""
    with running_sandbox(config) as sandbox, api(sandbox) as client:
        media = client.post("/media", json={"url": "https://example.com/clip.mp4"}).json()[
            "file_id"
        ]
        answer = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "tiktok",
                    "content": {"text": "Public", "mediaID": [media]},
                    "tiktok": {"privacyLevel": "PUBLIC_TO_EVERYONE"},
                }
            },
        )
        sandbox.advance(30)
        post = _read(client, answer.json()["status200"]["post_id"])
    assert answer.status_code == 200
    assert post["status"] == "failed" and "SELF_ONLY" in post["error_message"]


def test_timeout_and_still_publishing(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        slow = client.post("/posts", json=text_post("threads", "Slow #sandbox-slow"))
        lost = client.post("/posts", json=text_post("facebook", "Lost #sandbox-timeout"))
        sandbox.advance(30)
        slow_post = _read(client, slow.json()["post_id"])
        lost_post = _read(client, lost.json()["status200"]["post_id"])
    assert slow.status_code == 202 and slow.json()["code"] == "still_publishing"
    assert slow_post["status"] == "success"
    assert (
        lost.status_code == 202 and lost_post["status"] == "timeout" and lost_post["done"] is True
    )


def test_pages_cover_every_item_once_newest_first(sandbox: SandboxHandle) -> None:
    platforms = ["x", "linkedin", "threads", "facebook"]
    with api(sandbox) as client:
        made = []
        for round_ in range(4):
            for platform in platforms:
                answer = client.post("/posts", json=text_post(platform, f"{platform} {round_}"))
                made.append(answer.json()["status200"]["post_id"])
            sandbox.advance(20)
        seen, url = [], "/posts?limit=3"
        while url:
            page = client.get(url).json()
            seen += [item["id"] for item in page["data"]]
            url = page["next_url"]
        only_x = client.get(
            "/posts", params={"platform": "x", "kind": "post", "status": "success"}
        ).json()
        mixed = client.get("/posts", params={"status": "success,failed", "limit": 100}).json()
    assert seen == list(reversed(made))
    assert len(only_x["data"]) == 4 and {i["platform"] for i in only_x["data"]} == {"x"}
    assert len(mixed["data"]) == 16 and mixed["next_cursor"] is None


def test_cancel_then_cancel_again_then_not_cancellable(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client, api(sandbox, older=True) as older:
        first = client.post("/posts", json=text_post("x", scheduledFor=_hours_ahead(sandbox, 2)))
        second = client.post(
            "/posts", json=text_post("threads", scheduledFor=_hours_ahead(sandbox, 1))
        )
        waiting, other = first.json()["scheduled_post_id"], second.json()["scheduled_post_id"]
        cancelled = client.delete(f"/posts/{waiting}")
        again = older.delete(f"/api-posts/{waiting}")
        sandbox.advance(3600 + 1)
        too_late = client.delete(f"/posts/{other}")
        listed = client.get("/posts", params={"status": "cancelled"}).json()["data"]
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    assert "already_cancelled" not in cancelled.json()["data"]
    assert again.status_code == 200 and again.json()["data"]["already_cancelled"] is True
    assert too_late.status_code == 409
    assert too_late.json()["error"] == {
        "code": "not_cancellable",
        "message": too_late.json()["error"]["message"],
        "status": "published",
    }
    assert [item["id"] for item in listed] == [waiting]


def _hours_ahead(sandbox: SandboxHandle, hours: int) -> float:
    return parse_iso(sandbox.now()) + hours * 3600
