"""Every example request in the OpenAPI file gets its documented answer, over a real socket.

Cases are generated from tests/data/status200-openapi.yaml: the request examples of each
operation (and a schema's own `example`), and each response example the file gives for POST
/posts, rebuilt into the request that produces it. An answer matches its example when every field
of the example is there with the same value, except the values the service mints (ids, links,
times), which must be there with the same type; and it must validate against the file's schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.conftest import (
    EXAMPLES_CONFIG,
    EXAMPLES_KEY,
    EXAMPLES_START,
    api,
    load_spec,
)
from tests.sandbox.spec import SpecValidator
from tests.sandbox_handle import SandboxHandle, running_sandbox

SPEC = load_spec()
MINTED = {
    "post_id",
    "scheduled_post_id",
    "status_url",
    "publish_id",
    "container_id",
    "tweet_id",
    "url",
    "permalink",
    "pin_id",
    "thread_id",
    "id",
    "job_id",
    "file_id",
    "checked_at",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        target: Any = SPEC
        for part in parts:
            target = target[part]
        node = target
    return node


def request_examples() -> list[tuple[str, str, str, Any]]:
    """(path, method, example name, body) for every request example in the file."""
    cases = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch") or "requestBody" not in operation:
                continue
            content = operation["requestBody"]["content"]["application/json"]
            for name, example in (content.get("examples") or {}).items():
                cases.append((path, method, name, example["value"]))
            schema = _resolve(content["schema"])
            if "example" in schema:
                cases.append((path, method, "schema example", schema["example"]))
    return cases


def documented_answer(path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """The answer the file documents for a request example."""
    if path in ("/media", "/api-media-upload"):
        return 200, _resolve({"$ref": "#/components/schemas/MediaImportReady"})["example"]
    published = SPEC["components"]["responses"]["Published"]["content"]["application/json"]
    accepted = SPEC["components"]["responses"]["Accepted"]["content"]["application/json"]
    if body.get("dryRun") is True:
        return 200, published["examples"]["dryRun"]["value"]
    if body["post"].get("scheduledFor"):
        return 202, accepted["examples"]["scheduled"]["value"]
    return 200, published["examples"][body["post"]["platform"]]["value"]


def _normalise(text: str) -> str:
    text = UUID.sub("<id>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", "<time>", text)
    return re.sub(r"https?://[^/\s]+/api/v2", "<api>", text)


def assert_matches(example: Any, actual: Any, where: str = "") -> None:
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        for key, value in example.items():
            assert key in actual, f"{where}.{key} is missing from {actual!r}"
            if key in MINTED and value is not None:
                assert isinstance(actual[key], type(value)), f"{where}.{key}: {actual[key]!r}"
            elif key == "message" and isinstance(value, str):
                assert (
                    _normalise(actual[key]).split("<id>")[0] == _normalise(value).split("<id>")[0]
                )
            else:
                assert_matches(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not a list"
        if where.endswith("checks"):
            assert actual[: len(example)] == example, f"{where}: {actual!r}"
        else:
            assert len(actual) == len(example), f"{where}: {actual!r}"
            for index, (expected, got) in enumerate(zip(example, actual, strict=True)):
                assert_matches(expected, got, f"{where}[{index}]")
    else:
        assert actual == example, f"{where}: {actual!r} != {example!r}"


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxHandle]:
    with running_sandbox(EXAMPLES_CONFIG, start_at=EXAMPLES_START) as handle:
        yield handle


@pytest.fixture
def examples(shared: SandboxHandle) -> SandboxHandle:
    """The examples' account on the examples' date, forgotten between tests (reset is cheap)."""
    shared.reset()
    return shared


@pytest.mark.parametrize(
    ("path", "method", "name", "body"),
    request_examples(),
    ids=[f"{m.upper()} {p} {n}" for p, m, n, _ in request_examples()],
)
def test_request_example_gets_its_documented_answer(
    path: str, method: str, name: str, body: Any, validator: SpecValidator, examples: SandboxHandle
) -> None:
    status, example = documented_answer(path, body)
    if path in ("/media", "/api-media-upload"):
        # The file's MediaImportReady example is of a JPEG; the request example names an MP4.
        example = {k: v for k, v in example.items() if k not in ("size", "type")}
    handle = examples
    with api(handle, EXAMPLES_KEY, older=path.startswith("/api-")) as client:
        response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert_matches(example, answer)
    validator.validate(path, method, status, answer)
    if path in ("/media", "/api-media-upload"):
        assert answer["type"] == "video/mp4" and isinstance(answer["size"], int)
    if "status200" in answer:
        ids = answer["status200"]
        target = ids["post_id"] or ids["scheduled_post_id"]
        assert ids["status_url"] == f"{handle.url}/api/v2/posts/{target}"


def test_request_examples_cover_the_file() -> None:
    """The generator finds the file's examples: four posts and the media URL on both addresses."""
    names = {(p, n) for p, _, n, _ in request_examples()}
    assert {n for p, n in names if p == "/posts"} == {
        "instagramReel",
        "scheduledTikTok",
        "linkedinText",
        "dryRun",
    }
    assert ("/media", "schema example") in names
    assert ("/api-media-upload", "schema example") in names


# -- each response example of POST /posts, from the request that produces it ---------------------

NEEDS_MEDIA = {"tiktok", "instagram", "youtube", "pinterest"}


def _published_request(platform: str, example: dict[str, Any]) -> dict[str, Any]:
    data = example["data"]
    post: dict[str, Any] = {"accountId": "@myprofile", "platform": platform, "content": {}}
    post["content"]["text"] = data.get("text") or data.get("title") or "Hello from the API"
    if platform in NEEDS_MEDIA:
        post["content"]["mediaID"] = ["a1b2c3d4-e5f6-7890-abcd-ef1234567890"]
    if platform == "pinterest":
        post["content"]["mediaUrls"] = ["https://example.com/pin.jpg"]
        del post["content"]["mediaID"]
        post["pinterest"] = {"boardId": data["board_id"]}
    if platform == "skool":
        post["skool"] = {"group": "grp_sandbox", "title": "My first post", "groupSlug": "mygroup"}
    if platform == "tiktok":
        post["tiktok"] = {"privacyLevel": "PUBLIC_TO_EVERYONE"}
    return {"post": post}


PUBLISHED = SPEC["components"]["responses"]["Published"]["content"]["application/json"]["examples"]


@pytest.mark.parametrize("platform", sorted(k for k in PUBLISHED if k != "dryRun"))
def test_published_example_of_each_network(
    platform: str, validator: SpecValidator, examples: SandboxHandle
) -> None:
    example = PUBLISHED[platform]["value"]
    with api(examples, EXAMPLES_KEY) as client:
        response = client.post("/posts", json=_published_request(platform, example))
    assert response.status_code == 200, response.text
    assert_matches(example, response.json())
    validator.validate("/posts", "post", 200, response.json())


ACCEPTED = SPEC["components"]["responses"]["Accepted"]["content"]["application/json"]["examples"]


def test_accepted_processing_example_is_every_youtube_upload(
    validator: SpecValidator, examples: SandboxHandle
) -> None:
    body = {
        "post": {
            "accountId": "@myprofile",
            "platform": "youtube",
            "content": {"text": "A video", "mediaID": ["a1b2c3d4-e5f6-7890-abcd-ef1234567890"]},
        }
    }
    with api(examples, EXAMPLES_KEY) as client:
        response = client.post("/posts", json=body)
    assert response.status_code == 202
    assert_matches(ACCEPTED["processing"]["value"], response.json())
    validator.validate("/posts", "post", 202, response.json())


def test_accepted_still_publishing_example(
    validator: SpecValidator, examples: SandboxHandle
) -> None:
    body = {
        "post": {
            "accountId": "@myprofile",
            "platform": "linkedin",
            "content": {"text": "Slow network #sandbox-slow"},
        }
    }
    with api(examples, EXAMPLES_KEY) as client:
        response = client.post("/posts", json=body)
    assert response.status_code == 202
    assert_matches(ACCEPTED["stillPublishing"]["value"], response.json())
    validator.validate("/posts", "post", 202, response.json())


QUEUED_CONFIG = """
accounts:
  - name: beginner
    keys: [rl_beginner]
    plan: {tier: beginner, allowance: daily, limit: 20}
    profiles: [{name: myprofile, networks: all}]
"""


def test_accepted_queued_example_after_twenty_posts(validator: SpecValidator) -> None:
    with (
        running_sandbox(QUEUED_CONFIG, time_scale=1e-6) as handle,
        api(handle, "rl_beginner") as client,
    ):
        platforms = ["x", "linkedin", "threads", "facebook"]
        for index in range(20):
            body = {
                "post": {
                    "accountId": "@myprofile",
                    "platform": platforms[index % 4],
                    "content": {"text": f"post {index}"},
                }
            }
            assert client.post("/posts", json=body).status_code == 200
        handle.advance(1)
        response = client.post(
            "/posts",
            json={"post": {"accountId": "@myprofile", "platform": "x", "content": {"text": "21"}}},
        )
    assert response.status_code == 202, response.text
    answer = response.json()
    expected = dict(ACCEPTED["queued"]["value"])
    expected.pop("scheduled_at")  # the next UTC day from now, not the example's date
    assert_matches(expected, answer)
    validator.validate("/posts", "post", 202, answer)


def test_cancel_result_example(validator: SpecValidator, examples: SandboxHandle) -> None:
    example = _resolve({"$ref": "#/components/schemas/CancelResult"})["example"]
    request = next(body for _, _, name, body in request_examples() if name == "scheduledTikTok")
    with api(examples, EXAMPLES_KEY) as client:
        scheduled = client.post("/posts", json=request).json()
        response = client.delete(f"/posts/{scheduled['scheduled_post_id']}")
    assert response.status_code == 200
    data = response.json()["data"]
    expected = {
        k: v for k, v in example["data"].items() if k not in ("scheduled_post_id", "was_due_at")
    }
    assert_matches(expected, data)
    assert data["was_due_at"] == "2026-10-01T09:00:00.000Z"  # the example's +00:00, written with Z
    validator.validate("/posts/{id}", "delete", 200, response.json())


def test_parameter_examples(examples: SandboxHandle) -> None:
    """The Idempotency-Key example replays; both accountId examples name the profile; both
    scheduledFor examples are read (the Unix one is in the past on the examples' date: now)."""
    key = SPEC["components"]["parameters"]["IdempotencyKey"]["example"]
    post_schema = SPEC["components"]["schemas"]["Post"]["properties"]
    by_handle, by_id = post_schema["accountId"]["examples"]
    iso_form, unix_form = post_schema["scheduledFor"]["examples"]

    def body(account: str, platform: str, **more: Any) -> dict[str, Any]:
        return {
            "post": {"accountId": account, "platform": platform, "content": {"text": "hi"}, **more}
        }

    with api(examples, EXAMPLES_KEY) as client:
        first = client.post("/posts", json=body(by_handle, "x"), headers={"Idempotency-Key": key})
        replay = client.post("/posts", json=body(by_handle, "x"), headers={"Idempotency-Key": key})
        other_key = client.post(
            "/posts", json=body(by_handle, "x"), headers={"Idempotency-Key": "k2"}
        )
        by_uuid = client.post("/posts", json=body(by_id, "linkedin"))
        scheduled = client.post("/posts", json=body(by_id, "threads", scheduledFor=iso_form))
        past = client.post("/posts", json=body(by_id, "facebook", scheduledFor=unix_form))
    assert first.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true" and replay.content == first.content
    assert other_key.status_code == 429  # a new key is a new post: the 20-second throttle applies
    assert by_uuid.status_code == 200
    assert first.json()["status200"]["post_id"] != by_uuid.json()["status200"]["post_id"]
    assert scheduled.status_code == 202 and scheduled.json()["code"] == "scheduled"
    assert past.status_code == 200 and past.json()["status200"]["post_id"]
