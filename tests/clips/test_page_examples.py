"""The clip server page's own examples as test cases: its request body is accepted by the
sandbox as written, its profiles answer is what the sandbox gives for the same profiles, and its
post answer is read by the client as the page describes it."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from pipeline.backends.clips import ClipPostRequest
from pipeline.sandbox.clients import client as http_client
from tests.clips.conftest import Recorder, client_of, mock_client
from tests.sandbox_handle import running_sandbox

PAGE = Path(__file__).parent / "data" / "clip-server-social-api.md"


@functools.cache
def examples() -> list[Any]:
    """Every JSON object the page shows (a block from a line "{" to its closing "}")."""
    found: list[Any] = []
    block: list[str] = []
    depth = 0
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if not block and line.strip() != "{":
            continue
        block.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0:
            found.append(json.loads("\n".join(block)))
            block = []
    return found


def _example(*keys: str) -> dict[str, Any]:
    return next(e for e in examples() if all(k in e for k in keys))


def _sandbox_for_the_page() -> str:
    body = _example("job_id", "api_key")
    profiles = _example("profiles")["profiles"]
    return yaml.safe_dump(
        {
            "accounts": [{"name": "a", "keys": ["rl_a"], "profiles": [{"name": "a"}]}],
            "clips": {
                "keys": [body["api_key"]],
                "profiles": profiles,
                "jobs": [{"id": body["job_id"], "status": "completed", "clips": [{"title": "t"}]}],
            },
        }
    )


def test_the_page_has_its_three_examples() -> None:
    assert len(examples()) == 3


def test_the_request_example_is_accepted_as_written() -> None:
    body = _example("job_id", "api_key")
    response = _example("uploadId")
    with running_sandbox(_sandbox_for_the_page()) as sandbox, http_client(sandbox.url) as raw:
        answer = raw.post("/api/social/post", json=body)
        profiles = raw.get("/api/social/user", headers={"X-Upload-Post-Key": body["api_key"]})
    assert answer.status_code == 200
    assert set(answer.json()) == set(response)
    assert answer.json()["platforms"] == response["platforms"] and answer.json()["success"]
    assert answer.json()["status"] in ("processing", "queued")  # "typically processing or queued"
    assert profiles.json() == _example("profiles")


def test_the_client_sends_the_example_and_reads_its_answer() -> None:
    body = _example("job_id", "api_key")
    recorder = Recorder([httpx.Response(200, json=_example("uploadId"))])
    fields: dict[str, Any] = {k: v for k, v in body.items() if k != "api_key"}
    request = ClipPostRequest(**{**fields, "platforms": tuple(fields["platforms"])})
    with mock_client(recorder, key=body["api_key"]) as client:
        accepted = client.post(request)
    assert recorder.bodies() == [body]
    assert (accepted.upload_id, accepted.status, accepted.platforms) == (
        "up_abc123xyz",
        "processing",
        ("tiktok", "instagram", "youtube"),
    )


def test_the_profiles_example_is_read_as_the_page_means() -> None:
    with running_sandbox(_sandbox_for_the_page()) as sandbox:
        key = _example("api_key")["api_key"]
        with client_of(sandbox, key=key) as client:
            profiles = client.profiles()
    assert profiles.usernames == ("myusername", "mybrand")
    mybrand = profiles.get("mybrand")
    assert mybrand is not None and "youtube" not in mybrand.connected
