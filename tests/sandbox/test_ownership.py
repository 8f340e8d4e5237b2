"""An account never sees another account's posts, media or profiles: answered exactly as an id
that does not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sandbox.conftest import api
from tests.sandbox_handle import running_sandbox

TWO = """
accounts:
  - name: alice
    keys: [rl_alice]
    profiles: [{name: alice, networks: all}]
  - name: bob
    keys: [rl_bob]
    profiles: [{name: bob, networks: all}]
"""


def test_accounts_are_kept_apart() -> None:
    later = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    with (
        running_sandbox(TWO) as sandbox,
        api(sandbox, "rl_alice") as alice,
        api(sandbox, "rl_bob") as bob,
        api(sandbox, "rl_bob", older=True) as bob_older,
    ):
        alice_profile = alice.get("/accounts").json()["data"][0]["profile_id"]
        media = alice.post("/media", json={"url": "https://example.com/cat.jpg"}).json()["file_id"]
        post = alice.post(
            "/posts",
            json={"post": {"accountId": "@alice", "platform": "x", "content": {"text": "mine"}}},
        ).json()["status200"]["post_id"]
        waiting = alice.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@alice",
                    "platform": "linkedin",
                    "scheduledFor": later,
                    "content": {"text": "later"},
                }
            },
        ).json()["scheduled_post_id"]
        for _ in range(2):
            alice.post(
                "/posts",
                json={
                    "post": {
                        "accountId": alice_profile,
                        "platform": "threads",
                        "content": {"text": "more"},
                    }
                },
            )
            sandbox.advance(20)
        page = alice.get("/posts", params={"limit": 1}).json()

        bob_accounts = bob.get("/accounts").json()["data"]
        bob_list = bob.get("/posts").json()["data"]
        read_post = bob.get(f"/posts/{post}")
        read_waiting = bob.get(f"/posts/{waiting}")
        cancel = bob.delete(f"/posts/{waiting}")
        older_cancel = bob_older.delete(f"/api-posts/{waiting}")
        media_status = bob.get("/media", params={"file_id": media})
        use_media = bob.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@bob",
                    "platform": "instagram",
                    "content": {"text": "x", "mediaID": [media]},
                }
            },
        )
        use_profile = bob.post(
            "/posts",
            json={"post": {"accountId": alice_profile, "platform": "x", "content": {"text": "x"}}},
        )
        use_profile_older = bob_older.post(
            "/api-posts",
            json={
                "post": {"accountId": "@alice", "platform": "facebook", "content": {"text": "x"}}
            },
        )
        options = bob.get(f"/accounts/{alice_profile}/options")
        cursor = bob.get("/posts", params={"cursor": page["next_cursor"]})
        still_waiting = alice.get(f"/posts/{waiting}").json()["data"]["status"]

    assert [a["handle"] for a in bob_accounts] == ["@bob"]
    assert bob_list == []
    for answer in (read_post, read_waiting, cancel):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "post_not_found"
    assert older_cancel.status_code == 404
    assert media_status.status_code == 404 and isinstance(media_status.json()["error"], str)
    assert use_media.status_code == 404 and use_media.json()["error"]["code"] == "media_not_found"
    assert use_profile.status_code == 403
    assert use_profile.json()["error"]["code"] == "account_not_found"
    assert use_profile.json()["error"]["profiles"] == ["@bob"]
    assert use_profile_older.status_code == 404
    assert use_profile_older.json()["error"]["code"] == "api_error"
    assert use_profile_older.json()["error"]["profiles"] == ["@bob"]
    assert options.status_code == 404 and options.json()["error"]["code"] == "account_not_found"
    assert cursor.status_code == 400 and cursor.json()["error"]["parameter"] == "cursor"
    assert still_waiting == "scheduled"
