"""The clip client against the sandbox's clip server over a real socket: the three endpoints,
each error code of the page, the sandbox's fault injection, the counters, the config section."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.backends.clips import (
    ClipBadRequest,
    ClipJobNotFound,
    ClipNoAnswer,
    ClipNotReady,
    ClipPostRequest,
    ClipUnauthorized,
    ClipUpstreamError,
    ClipVideoNotFound,
)
from pipeline.sandbox.clients import client as http_client
from pipeline.sandbox.config import ConfigError, load_config_text
from tests.clips.conftest import (
    DEMO_FAILED_JOB,
    DEMO_JOB,
    DEMO_PROCESSING_JOB,
    KEY,
    Sleeps,
    client_of,
)
from tests.sandbox_handle import SandboxHandle, running_sandbox

POST = "POST /api/social/post"


def _uploads(sandbox: SandboxHandle) -> int:
    return int(sandbox.counters()["clip_uploads_total"])


def test_profiles_jobs_and_a_post_round_trip(sandbox: SandboxHandle) -> None:
    with client_of(sandbox) as client:
        profiles = client.profiles()
        job = client.job(DEMO_JOB)
        accepted = client.post(
            ClipPostRequest(
                DEMO_JOB,
                1,
                "acme",
                ("tiktok", "instagram", "youtube"),
                scheduled_date="2026-12-01T10:00:00",
                timezone="Europe/Berlin",
            )
        )
    acme, mybrand = profiles.get("acme"), profiles.get("mybrand")
    assert acme is not None and acme.connected == ("tiktok", "instagram", "youtube")
    assert mybrand is not None and mybrand.connected == ("tiktok", "instagram")
    assert job.finished and len(job.clips) == 3
    assert job.clips[0].text("video_title_for_youtube_short") == "This AI Trick Changes Everything"
    assert accepted.upload_id and accepted.upload_id.startswith("up_")
    assert accepted.platforms == ("tiktok", "instagram", "youtube")
    uploads = sandbox.clip_posts()
    assert [(u["upload_id"], u["clip_index"], u["user_id"]) for u in uploads] == [
        (accepted.upload_id, 1, "acme")
    ]
    assert uploads[0]["scheduled_date"] == "2026-12-01T10:00:00"
    assert sandbox.counters()["clip_posts"] == {"tiktok": 1, "instagram": 1, "youtube": 1}


@pytest.mark.parametrize(
    ("request_", "error", "status"),
    [
        (ClipPostRequest("no-such-job", 0, "acme", ("tiktok",)), ClipJobNotFound, 404),
        (ClipPostRequest(DEMO_PROCESSING_JOB, 0, "acme", ("tiktok",)), ClipNotReady, 400),
        (ClipPostRequest(DEMO_FAILED_JOB, 0, "acme", ("tiktok",)), ClipNotReady, 400),
        (ClipPostRequest(DEMO_JOB, 3, "acme", ("tiktok",)), ClipVideoNotFound, 404),
        (ClipPostRequest(DEMO_JOB, 0, "", ("tiktok",)), ClipBadRequest, 400),
        (ClipPostRequest(DEMO_JOB, 0, "acme", ()), ClipBadRequest, 400),
        (ClipPostRequest(DEMO_JOB, 0, "nobody", ("tiktok",)), ClipBadRequest, 400),
        (ClipPostRequest(DEMO_JOB, 0, "mybrand", ("youtube",)), ClipBadRequest, 400),
    ],
)
def test_each_refusal_of_the_sandbox_maps_and_uploads_nothing(
    sandbox: SandboxHandle, request_: ClipPostRequest, error: type[Exception], status: int
) -> None:
    sleeps = Sleeps()
    with client_of(sandbox, sleeps) as client, pytest.raises(error) as caught:
        client.post(request_)
    assert getattr(caught.value, "status", None) == status
    assert sleeps == [] and sandbox.counters()["requests"] == {POST: 1}
    assert _uploads(sandbox) == 0


def test_a_wrong_key_is_401_for_posts_and_profiles(sandbox: SandboxHandle) -> None:
    with client_of(sandbox, key="up_wrong") as client:
        with pytest.raises(ClipUnauthorized):
            client.post(ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok",)))
        with pytest.raises(ClipUnauthorized):
            client.profiles()
    assert _uploads(sandbox) == 0


def test_an_unknown_job_is_404_on_status(sandbox: SandboxHandle) -> None:
    with client_of(sandbox) as client, pytest.raises(ClipJobNotFound):
        client.job("0000")
    with client_of(sandbox) as client:
        assert not client.job(DEMO_PROCESSING_JOB).finished


def test_injected_500s_are_resent_and_post_exactly_once(sandbox: SandboxHandle) -> None:
    sandbox.set_faults({POST: {"script": ["error_500", "error_503"]}})
    sleeps = Sleeps()
    with client_of(sandbox, sleeps, backoff=0.25) as client:
        accepted = client.post(ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok", "youtube")))
    assert accepted.upload_id is not None
    assert sleeps == [0.25, 1.0]  # 0.25 doubled is 0.5, but the 503 asked for Retry-After: 1
    counters = sandbox.counters()
    assert counters["requests"] == {POST: 3} and counters["faults"][POST] == {
        "error_500": 1,
        "error_503": 1,
    }
    assert counters["clip_posts"] == {"tiktok": 1, "youtube": 1} and _uploads(sandbox) == 1


def test_500s_to_the_end_fail_after_three_attempts_with_nothing_uploaded(
    sandbox: SandboxHandle,
) -> None:
    sandbox.set_faults({POST: {"error_500": 1.0}})
    with client_of(sandbox) as client, pytest.raises(ClipUpstreamError):
        client.post(ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok",)))
    assert sandbox.counters()["requests"] == {POST: 3} and _uploads(sandbox) == 0


@pytest.mark.parametrize(("action", "uploads"), [("drop", 0), ("commit_then_drop", 1)])
def test_a_lost_answer_is_never_resent(sandbox: SandboxHandle, action: str, uploads: int) -> None:
    sandbox.set_faults({POST: {"script": [action]}})
    with client_of(sandbox) as client, pytest.raises(ClipNoAnswer):
        client.post(ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok",)))
    assert sandbox.counters()["requests"] == {POST: 1}
    assert _uploads(sandbox) == uploads  # the client cannot tell these two apart: unknown


def test_reads_are_resent_through_faults(sandbox: SandboxHandle) -> None:
    sandbox.set_faults(
        {
            "GET /api/status/{job_id}": {"script": ["drop", "error_502"]},
            "GET /api/social/user": {"script": ["error_500"]},
        }
    )
    with client_of(sandbox) as client:
        assert client.job(DEMO_JOB).finished
        assert "acme" in client.profiles().usernames
    assert sandbox.counters()["requests"] == {
        "GET /api/status/{job_id}": 3,
        "GET /api/social/user": 2,
    }


def test_missing_header_and_malformed_body(sandbox: SandboxHandle) -> None:
    with http_client(sandbox.url) as raw:
        no_key = raw.get("/api/social/user")
        not_json = raw.post("/api/social/post", content=b"[", headers={"content-type": "x"})
        wrong_type = raw.post("/api/social/post", json={"job_id": DEMO_JOB, "clip_index": "a"})
        wrong_method = raw.delete("/api/social/post")
    assert no_key.status_code == 400 and "X-Upload-Post-Key" in no_key.json()["detail"]
    assert not_json.status_code == 422 and wrong_type.status_code == 422
    assert wrong_type.json()["detail"][0]["loc"] == ["body", "clip_index"]
    assert wrong_method.status_code == 405


def test_the_key_is_never_logged(sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with client_of(sandbox) as client:
        client.profiles()
        client.post(ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok",)))
    assert caplog.records, "httpx logs each request at DEBUG/INFO"
    assert all(KEY not in record.getMessage() for record in caplog.records)


def test_the_clips_section_replaces_the_demo(tmp_path: Path) -> None:
    config = """
accounts:
  - {name: shop, keys: [rl_shop], profiles: [{name: shop}]}
clips:
  keys: [up_shop_key]
  profiles: [{username: shop, connected: [instagram]}]
  jobs:
    - id: job-1
      status: completed
      clips:
        - {title: One, video_description_for_instagram: "Hello"}
        - {title: Two, missing_video: true}
"""
    with running_sandbox(config) as sandbox:
        assert sandbox.upload_post_key == "up_shop_key"
        with client_of(sandbox, key="up_shop_key") as client:
            assert client.profiles().usernames == ("shop",)
            job = client.job("job-1")
            assert [c.title for c in job.clips] == ["One", "Two"]
            assert "missing_video" not in job.clips[1].fields
            with pytest.raises(ClipVideoNotFound):
                client.post(ClipPostRequest("job-1", 1, "shop", ("instagram",)))
            with pytest.raises(ClipJobNotFound):
                client.job(DEMO_JOB)
            assert client.post(ClipPostRequest("job-1", 0, "shop", ("instagram",))).upload_id
    for bad, where in [
        ("clips: {keys: [k], profiles: [{username: a, connected: [x]}]}", "connected"),
        ("clips: {jobs: [{id: j, status: done}]}", "status"),
        ("clips: {job: []}", "unknown key"),
    ]:
        text = "accounts: [{name: a, keys: [rl_a], profiles: [{name: a}]}]\n" + bad
        with pytest.raises(ConfigError, match=where):
            load_config_text(text)


def test_uploads_survive_a_restart_with_state(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    with running_sandbox(state_path=state) as sandbox, client_of(sandbox) as client:
        client.post(ClipPostRequest(DEMO_JOB, 2, "demo", ("instagram",)))
    with running_sandbox(state_path=state) as sandbox:
        assert [u["clip_index"] for u in sandbox.clip_posts()] == [2]
        assert sandbox.counters()["clip_posts"] == {"instagram": 1}


def test_httpx_sees_the_routes_of_both_services_on_one_server(sandbox: SandboxHandle) -> None:
    with http_client(sandbox.url) as raw:
        api = raw.get("/api/v2/accounts", headers={"Authorization": f"Bearer {sandbox.api_key}"})
        clips = raw.get(f"/api/status/{DEMO_JOB}")
        nothing = raw.get("/api/social/other")
    assert api.status_code == 200 and clips.status_code == 200
    assert nothing.status_code == 404
    assert len(clips.json()["result"]["clips"]) == 3
