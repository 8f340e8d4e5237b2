"""--state FILE: a restart keeps posts, scheduled posts, imports, Idempotency-Keys, throttles,
counters and the sandbox's own clock."""

from __future__ import annotations

from pathlib import Path

from pipeline.sandbox.clock import parse_iso
from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import running_sandbox


def test_a_restart_keeps_the_state(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite"
    headers = {"Idempotency-Key": "kept"}
    with (
        running_sandbox(state_path=state, start_at="2026-09-28T10:00:00Z") as first,
        api(first) as client,
    ):
        posted = client.post("/posts", json=text_post("x"), headers=headers)
        scheduled = client.post(
            "/posts", json=text_post("linkedin", scheduledFor="2026-09-28T12:00:00Z")
        )
        media = client.post("/media", json={"url": "https://example.com/a.jpg"}).json()["file_id"]
        first.advance(600)
        clock_before = parse_iso(first.now())
    with (
        running_sandbox(state_path=state, start_at="2030-01-01T00:00:00Z") as second,
        api(second) as client,
    ):
        clock_after = parse_iso(second.now())
        replay = client.post("/posts", json=text_post("x"), headers=headers)
        listed = {item["id"] for item in client.get("/posts").json()["data"]}
        status = client.get("/media", params={"file_id": media})
        second.advance(2 * 3600)
        gone_out = client.get(f"/posts/{scheduled.json()['scheduled_post_id']}").json()["data"]
        counters = second.counters()
    assert 0 <= clock_after - clock_before < 60  # the saved clock, not the new --start-at
    assert replay.content == posted.content and replay.headers["idempotent-replayed"] == "true"
    assert {posted.json()["status200"]["post_id"], scheduled.json()["scheduled_post_id"]} <= listed
    assert status.status_code == 200 and status.json()["status"] == "ready"
    assert gone_out["results"][0]["post_id"] is not None
    assert counters["posts_created"]["demo"] == 2 and counters["scheduled_created"]["demo"] == 1


def test_a_config_file_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.yaml"
    path.write_text("accounts: [{name: solo, keys: [rl_solo], profiles: [{name: solo}]}]\n")
    with running_sandbox(path) as sandbox, api(sandbox) as client:
        handles = [a["handle"] for a in client.get("/accounts").json()["data"]]
    assert sandbox.api_key == "rl_solo" and handles == ["@solo"]
