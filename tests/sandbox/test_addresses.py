"""The two addresses' surfaces: methods and paths without an operation, the order of checks of
POST /posts, and where the older address differs (digest section 1)."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle

PROFILE = "5ea519a3-fd69-592b-a23c-7d3138158ee3"  # @demo's id, derived from its names


def test_demo_profile_id_is_stable(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        assert client.get("/accounts").json()["data"][0]["profile_id"] == PROFILE


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("PUT", "/posts", 405, "method_not_allowed"),
        ("PATCH", "/posts", 405, "method_not_allowed"),
        ("DELETE", "/posts", 405, "method_not_allowed"),
        ("PUT", f"/posts/{PROFILE}", 404, "not_found"),
        ("GET", f"/posts/{PROFILE}/deeper", 404, "not_found"),
        ("GET", "/nothing-here", 404, "not_found"),
    ],
)
def test_v2_methods_and_paths_without_an_operation(
    sandbox: SandboxHandle, method: str, path: str, status: int, code: str
) -> None:
    with api(sandbox) as client:
        answer = client.request(method, path)
    assert answer.status_code == status and answer.json()["error"]["code"] == code


def test_accounts_refuse_other_methods_before_reading_the_key(sandbox: SandboxHandle) -> None:
    with api(sandbox, "") as anonymous:
        for path in ("/accounts", f"/accounts/{PROFILE}/options"):
            answer = anonymous.post(path)
            assert answer.status_code == 405
            assert answer.headers["allow"] == "GET, OPTIONS"
            assert answer.headers["cache-control"] == "private, no-store"


def test_options_and_media_methods(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client, api(sandbox, older=True) as older:
        options = client.options("/posts")
        media_put = client.put("/media")
        older_media_put = older.put("/api-media-upload")
        older_media_options = older.options("/api-media-upload")
        older_options = older.options("/api-posts")
    assert options.status_code == 200 and options.content == b""
    assert options.headers["access-control-allow-origin"] == "*"
    assert media_put.status_code == 405
    assert media_put.json() == {"error": "Method Not Allowed. Use POST /api/v2/media."}
    assert older_media_put.json() == {"error": "Method Not Allowed"}
    assert older_media_options.status_code == 200 and older_media_options.json() == "ok"
    assert older_options.status_code == 200 and older_options.content == b""


def test_v2_reads_json_before_the_key_and_the_older_address_the_key_first(
    sandbox: SandboxHandle,
) -> None:
    with api(sandbox, "") as anonymous, api(sandbox, "", older=True) as older:
        v2 = anonymous.post("/posts", content=b"{not json")
        old = older.post("/api-posts", content=b"{not json")
        v2_no_key = anonymous.post("/posts", json=text_post("x"))
    assert v2.status_code == 400 and v2.json()["error"]["code"] == "bad_request"
    assert old.status_code == 401 and old.json()["error"] == {
        "code": "api_error",
        "message": "Missing Authorization: Bearer <api_key>",
    }
    assert v2_no_key.status_code == 401 and v2_no_key.json()["error"]["code"] == "unauthorized"


def test_bearer_is_read_in_any_capitals_and_a_wrong_key_is_refused(sandbox: SandboxHandle) -> None:
    with api(sandbox, "") as client:
        ok = client.get("/accounts", headers={"Authorization": f"bEaReR {sandbox.api_key}"})
        wrong = client.get("/accounts", headers={"Authorization": "Bearer rl_not_a_key"})
        older = client.post(
            f"{sandbox.older_base}/api-posts",
            json=text_post("x"),
            headers={"Authorization": "Bearer rl_not_a_key"},
        )
    assert ok.status_code == 200
    assert wrong.status_code == 401 and wrong.headers["cache-control"] == "private, no-store"
    assert older.json()["error"] == {"code": "api_error", "message": "Invalid or inactive API key"}


def test_order_of_checks_of_post_posts(sandbox: SandboxHandle) -> None:
    unknown_media = "00000000-0000-4000-8000-000000000000"
    with api(sandbox) as client:
        client.post("/posts", json=text_post("instagram", "throttle starts"))  # 400: no media
        client.post("/posts", json=text_post("x", "throttle starts"))
        tags = ["a tag with spaces"] * 40
        cases = {
            "platform before tags": {"post": {"accountId": "@demo", "platform": "myspace"}},
            "tags before scheduledFor": {
                "post": {
                    "accountId": "@demo",
                    "platform": "youtube",
                    "scheduledFor": "01/10/2026",
                    "youtube": {"tags": tags},
                }
            },
            "scheduledFor before the profile": {
                "post": {
                    "accountId": "@nobody",
                    "platform": "x",
                    "scheduledFor": "2026-10-01T09:00:00",
                }
            },
            "profile before media": {
                "post": {
                    "accountId": "@nobody",
                    "platform": "x",
                    "content": {"mediaID": [unknown_media]},
                }
            },
            "media before the throttle": {
                "post": {
                    "accountId": "@demo",
                    "platform": "x",
                    "content": {"mediaID": [unknown_media]},
                }
            },
        }
        codes = {
            name: client.post("/posts", json=body).json()["error"]["code"]
            for name, body in cases.items()
        }
    assert codes == {
        "platform before tags": "bad_request",
        "tags before scheduledFor": "youtube_tags_too_long",
        "scheduledFor before the profile": "scheduled_for_invalid",
        "profile before media": "account_not_found",
        "media before the throttle": "media_not_found",
    }


def test_youtube_tags_are_counted_the_youtube_way(sandbox: SandboxHandle) -> None:
    tags = ["a tag with spaces"] * 30  # (17 + 2 quotes) * 30 + 29 commas = 599
    with api(sandbox) as client:
        error = client.post(
            "/posts",
            json={"post": {"accountId": "@demo", "platform": "youtube", "youtube": {"tags": tags}}},
        ).json()["error"]
    assert (error["tags_length"], error["max_tags_length"], error["remove_tags"]) == (599, 500, 5)


def test_older_address_differences(sandbox: SandboxHandle) -> None:
    with api(sandbox, older=True) as older, api(sandbox) as client:
        listing = older.get("/api-posts")
        reading = older.get(f"/api-posts/{PROFILE}")
        deeper = older.delete(f"/api-posts/{PROFILE}/more")
        no_account = older.post("/api-posts", json={"post": {"platform": "x"}})
        no_media = older.post("/api-posts", json=text_post("tiktok"))
        v2_no_media = client.post("/posts", json=text_post("tiktok"))
        deep_post = older.post("/api-posts/anything/here", json=text_post("threads"))
        bad_id = older.delete("/api-posts/not-a-uuid")
    assert listing.status_code == 405 and listing.json()["error"]["code"] == "api_error"
    assert reading.status_code == 405
    assert deeper.status_code == 404 and deeper.json()["error"]["code"] == "not_found"
    assert no_account.status_code == 400 and no_account.json()["error"]["code"] == "api_error"
    assert no_media.json()["error"]["code"] == "api_error"
    assert "Facebook" not in no_media.json()["error"]["message"]
    assert v2_no_media.json()["error"]["code"] == "bad_request"
    assert "Facebook" in v2_no_media.json()["error"]["message"]
    assert deep_post.status_code == 200  # a POST to any path under /api-posts publishes
    assert bad_id.status_code == 400


def test_older_address_passes_a_network_error_on_without_a_code(sandbox: SandboxHandle) -> None:
    with api(sandbox, older=True) as older:
        answer = older.post("/api-posts", json=text_post("linkedin", "duplicate #sandbox-fail"))
    assert answer.status_code == 500
    assert "code" not in answer.json()["error"] and answer.json()["error"]["message"]
    assert answer.json()["status200"]["post_id"]


def test_warnings_name_fields_that_were_not_used(sandbox: SandboxHandle) -> None:
    body = {
        "post": {
            "accountId": "@demo",
            "platform": "x",
            "content": {"text": "hi", "txt": "typo"},
            "x": {"text": "hello", "madeWithAi": True, "whoCanReplyy": "everyone"},
            "linkedin": {"text": "not read"},
        },
        "tiktok": {"privacyLevel": "SELF_ONLY"},
        "extra": 1,
    }
    with api(sandbox) as client:
        answer = client.post("/posts", json=body)
        own_block_outside = client.post(
            "/posts", json={**text_post("linkedin"), "linkedin": {"text": "x"}}
        )
        list_warning = client.get("/posts", params={"offset": 20}).json()["warnings"]
    warnings = {(w["code"], w.get("field")) for w in answer.json()["warnings"]}
    assert answer.status_code == 200 and answer.json()["data"]["text"] == "hello"
    assert warnings == {
        ("unknown_field", "post.content.txt"),
        ("field_not_used", "post.x.madeWithAi"),
        ("unknown_field", "post.x.whoCanReplyy"),
        ("field_not_used", "post.linkedin"),
        ("options_outside_post", "tiktok"),
        ("unknown_field", "extra"),
    }
    assert {w.get("did_you_mean") for w in answer.json()["warnings"]} >= {"whoCanReply", "text"}
    assert own_block_outside.status_code == 400
    assert own_block_outside.json()["error"]["code"] == "options_outside_post"
    assert list_warning[0]["code"] == "unknown_parameter"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"status": "published"}, "status"),
        ({"status": "pending"}, "status"),
        ({"platform": "myspace"}, "platform"),
        ({"kind": "posts"}, "kind"),
        ({"profile_id": "@demo"}, "profile_id"),
        ({"cursor": "made-up"}, "cursor"),
    ],
)
def test_list_parameters_are_checked(
    sandbox: SandboxHandle, params: dict[str, str | int], parameter: str
) -> None:
    with api(sandbox) as client:
        answer = client.get("/posts", params=params)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert answer.json()["error"]["parameter"] == parameter


def test_posting_options(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        default = client.get(f"/accounts/{PROFILE}/options").json()["data"]
        some = client.get(
            f"/accounts/{PROFILE}/options", params={"platforms": "pinterest,x"}
        ).json()["data"]
        bad = client.get("/accounts/not-a-uuid/options")
    rows = {row["platform"]: row for row in default["networks"]}
    assert len(rows) == 9
    assert rows["tiktok"]["options"]["privacy_level_options"]
    assert rows["pinterest"]["options"]["boards"][0]["id"] == "900123"
    assert rows["x"]["status"] == "no_options" and rows["x"]["options"] is None
    assert rows["skool"]["options"]["labels_for_group"] == "sandbox-community"
    assert [r["platform"] for r in some["networks"]] == ["pinterest", "x"]
    assert all(r["cached"] for r in some["networks"] if r["status"] == "ok")
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "id"
