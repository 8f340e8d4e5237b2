"""Idempotency-Key as the file specifies it: replay byte for byte within 24 hours (scaled),
422 for another body, the two posts addresses sharing keys, media keys kept apart."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.sandbox.idempotency import KeyInvalid, body_hash, normalize_key
from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle, running_sandbox

PRINTABLE = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], min_size=1, max_size=200)


@given(PRINTABLE)
def test_spaces_and_one_pair_of_quotes_are_removed(key: str) -> None:
    assert normalize_key(f'  "{key}"\t') == key  # one pair only: '""x""' keeps '"x"'
    if not (len(key) >= 2 and key.startswith('"') and key.endswith('"')):
        assert normalize_key(key) == key


@pytest.mark.parametrize("raw", ["", "   ", '""', "x" * 256, "clé", "tab\tinside"])
def test_keys_the_api_refuses(raw: str) -> None:
    with pytest.raises(KeyInvalid):
        normalize_key(raw)


@given(st.dictionaries(st.text(string.ascii_letters, min_size=1), st.integers(), max_size=5))
def test_bodies_compare_as_json(body: dict[str, int]) -> None:
    import json

    spaced = json.dumps(body, indent=2, sort_keys=False).encode()
    reordered = json.dumps(dict(reversed(list(body.items())))).encode()
    assert body_hash(spaced) == body_hash(reordered)


def test_replay_is_byte_for_byte_and_posts_nothing_twice(sandbox: SandboxHandle) -> None:
    headers = {"Idempotency-Key": '"calendar/7/x"'}
    with api(sandbox) as client, api(sandbox, older=True) as older:
        first = client.post("/posts", json=text_post("x"), headers=headers)
        again = client.post(
            "/posts", json=text_post("x"), headers={"Idempotency-Key": "calendar/7/x"}
        )
        on_older = older.post("/api-posts", json=text_post("x"), headers=headers)
        other_body = client.post("/posts", json=text_post("x", "changed"), headers=headers)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    for replay in (again, on_older):
        assert replay.status_code == 200 and replay.content == first.content
        assert replay.headers["idempotent-replayed"] == "true"
    assert other_body.status_code == 422
    error = other_body.json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["first_used_at"]
    assert sandbox.counters()["posts_created"] == {"demo": 1}


def test_keys_expire_after_24_hours_scaled() -> None:
    headers = {"Idempotency-Key": "daily-digest"}
    with running_sandbox(time_scale=0.001) as sandbox, api(sandbox) as client:
        first = client.post("/posts", json=text_post("x"), headers=headers)
        sandbox.advance(24 * 3600 * 0.001 + 1)
        later = client.post("/posts", json=text_post("x"), headers=headers)
    assert "idempotent-replayed" not in later.headers
    assert later.json()["status200"]["post_id"] != first.json()["status200"]["post_id"]


def test_a_refusal_is_not_kept_so_the_same_key_can_succeed(sandbox: SandboxHandle) -> None:
    headers = {"Idempotency-Key": "after-the-throttle"}
    with api(sandbox) as client:
        client.post("/posts", json=text_post("x", "first"))
        throttled = client.post("/posts", json=text_post("x"), headers=headers)
        sandbox.advance(20)
        sent = client.post("/posts", json=text_post("x"), headers=headers)
    assert throttled.status_code == 429
    assert sent.status_code == 200 and "idempotent-replayed" not in sent.headers


def test_the_key_is_checked_after_scheduled_for_and_ignored_by_dry_runs(
    sandbox: SandboxHandle,
) -> None:
    with api(sandbox) as client:
        both_bad = client.post(
            "/posts", json=text_post("x", scheduledFor="tomorrow"), headers={"Idempotency-Key": ""}
        )
        bad_key = client.post("/posts", json=text_post("x"), headers={"Idempotency-Key": '""'})
        dry = {"dryRun": True, **text_post("x")}
        dry_runs = [
            client.post("/posts", json=dry, headers={"Idempotency-Key": "same"}) for _ in range(2)
        ]
        real = client.post(
            "/posts", json=text_post("x", "other"), headers={"Idempotency-Key": "same"}
        )
    assert both_bad.json()["error"]["code"] == "scheduled_for_invalid"
    assert (
        bad_key.status_code == 400 and bad_key.json()["error"]["code"] == "idempotency_key_invalid"
    )
    assert all(d.status_code == 200 and d.json()["dry_run"] for d in dry_runs)
    assert "idempotent-replayed" not in dry_runs[1].headers
    assert real.status_code == 200  # dry runs never took the key


def test_media_keys_are_apart_from_post_keys(sandbox: SandboxHandle) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    with api(sandbox) as client, api(sandbox, older=True) as older:
        post = client.post("/posts", json=text_post("x"), headers=headers)
        media = client.post("/media", json={"url": "https://example.com/a.png"}, headers=headers)
        replay = older.post(
            "/api-media-upload", json={"url": "https://example.com/a.png"}, headers=headers
        )
        reused = client.post("/media", json={"url": "https://example.com/b.png"}, headers=headers)
    assert post.status_code == 200 and media.status_code == 200
    assert replay.content == media.content and replay.headers["idempotent-replayed"] == "true"
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
