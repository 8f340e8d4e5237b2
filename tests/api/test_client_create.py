"""POST /posts and the other writes: every 2xx told apart, parsed from the OpenAPI file's own
examples, and never sent twice; what goes on the wire; the older address when configured."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from pipeline.api import Accepted, AcceptedKind, CancelResult, DryRunReport, PublishResult
from tests.api.conftest import KEY, SPEC, V2, Script, example, schema_example

POST = {"post": {"accountId": "@myprofile", "platform": "x", "content": {"text": "Hello"}}}
PUBLISHED = SPEC["components"]["responses"]["Published"]["content"]["application/json"]

#: Where each network's `data` keeps its own id (OpenAPI PublishResult's description).
NETWORK_ID_KEY = {
    "tiktok": "publish_id",
    "instagram": "container_id",
    "x": "tweet_id",
    "linkedin": "post_id",
    "pinterest": "pin_id",
    "threads": "thread_id",
    "skool": "post_id",
    "facebook": "id",
}


def one_answer(response: httpx.Response) -> Script:
    return Script().on("POST", f"{V2}/posts", response)


@pytest.mark.parametrize("network", sorted(NETWORK_ID_KEY))
def test_a_published_answer_takes_our_id_from_status200(network: str, make_client) -> None:
    body = example("Published", network)
    script = one_answer(httpx.Response(200, json=body))
    result = make_client(script).create_post(POST, "key-1")
    assert isinstance(result, PublishResult)
    assert result.post_id == body["status200"]["post_id"]
    assert result.platform_post_id == body["data"][NETWORK_ID_KEY[network]]
    assert result.post_id != result.platform_post_id
    assert result.processing is (body["data"].get("status") == "processing")
    assert result.url == body["data"].get("url", body["data"].get("permalink"))
    assert result.raw == body and not result.replayed
    assert len(script.requests) == 1


def test_the_published_examples_are_all_covered() -> None:
    assert set(PUBLISHED["examples"]) == {*NETWORK_ID_KEY, "dryRun"}


def test_a_dry_run_answer_is_a_report(make_client) -> None:
    body = example("Published", "dryRun")
    script = one_answer(httpx.Response(200, json=body))
    result = make_client(script).create_post({"dryRun": True, **POST}, None)
    assert isinstance(result, DryRunReport)
    assert (result.outcome, result.would_publish) == (body["outcome"], body["would_publish"])
    assert result.reason_code is None
    assert [c["name"] for c in result.checks] == [c["name"] for c in body["checks"]]


def test_a_refused_dry_run_is_still_a_200_report(make_client) -> None:
    body = {
        **example("Published", "dryRun"),
        "outcome": "refuse",
        "would_publish": False,
        "reason": {"code": "pinterest_board_required", "message": "Add a board", "status": 400},
        "warnings": [{"code": "media_url_not_kept", "message": "later", "also_blocking": True}],
    }
    result = make_client(one_answer(httpx.Response(200, json=body))).create_post(POST, None)
    assert isinstance(result, DryRunReport)
    assert (result.reason_code, result.reason_status) == ("pinterest_board_required", 400)
    assert result.warnings[0].also_blocking


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("scheduled", AcceptedKind.SCHEDULED),
        ("queued", AcceptedKind.QUEUED_FOR_NEXT_DAY),
        ("stillPublishing", AcceptedKind.STILL_PUBLISHING),
        ("processing", AcceptedKind.PROCESSING),
    ],
)
def test_each_202_example_is_accepted_and_never_resent(name, kind, make_client) -> None:
    body = example("Accepted", name)
    script = one_answer(httpx.Response(202, json=body, headers={"Idempotent-Replayed": "true"}))
    result = make_client(script).create_post(POST, "key-1")
    assert isinstance(result, Accepted)
    assert result.kind is kind and result.code == body.get("code")
    assert result.ids is not None
    assert result.scheduled_post_id == body["status200"]["scheduled_post_id"]
    assert result.post_id == body["status200"]["post_id"]
    assert result.status_url == body["status200"]["status_url"]
    assert result.replayed
    if "scheduled_at" in body:
        assert result.scheduled_at == datetime.fromisoformat(body["scheduled_at"])
        assert result.scheduled_at is not None and result.scheduled_at.tzinfo is not None
    assert len(script.requests) == 1


def test_the_accepted_examples_are_all_covered() -> None:
    examples = SPEC["components"]["responses"]["Accepted"]["content"]["application/json"]
    assert set(examples["examples"]) == {"scheduled", "queued", "stillPublishing", "processing"}


def test_schedule_unconfirmed_has_no_example_so_it_is_built_from_its_required_fields(
    make_client,
) -> None:
    required = SPEC["components"]["schemas"]["Accepted"]["x-status200-required-by-code"]
    body = {
        "success": False,
        "status": "unknown",
        "code": "schedule_unconfirmed",
        "retry": False,
        "message": "The schedule could not be confirmed in time.",
    }
    assert set(body) == set(required["schedule_unconfirmed"])
    result = make_client(one_answer(httpx.Response(202, json=body))).create_post(POST, "k")
    assert isinstance(result, Accepted)
    assert result.kind is AcceptedKind.SCHEDULE_UNCONFIRMED
    assert (result.ids, result.scheduled_post_id) == (None, None)


def test_a_202_with_a_code_we_do_not_know_is_still_accepted(make_client) -> None:
    body = {"code": "held_for_review", "message": "A person will look at it."}
    script = one_answer(httpx.Response(202, json=body))
    result = make_client(script).create_post(POST, "k")
    assert isinstance(result, Accepted) and result.kind is AcceptedKind.OTHER
    assert len(script.requests) == 1


def test_warnings_are_kept(make_client) -> None:
    body = {
        **example("Published", "x"),
        "warnings": [
            {
                "code": "unknown_field",
                "message": "Not read",
                "field": "post.x.colour",
                "did_you_mean": "post.x.community",
            }
        ],
    }
    result = make_client(one_answer(httpx.Response(200, json=body))).create_post(POST, "k")
    assert result.warnings[0].code == "unknown_field"
    assert result.warnings[0].field == "post.x.colour"
    assert result.warnings[0].did_you_mean == "post.x.community"


def test_the_request_on_the_wire(make_client) -> None:
    script = one_answer(httpx.Response(200, json=example("Published", "x")))
    body = {"post": {**POST["post"], "content": {"text": "Grüße ✓"}}}
    make_client(script).create_post(body, "cal-2026-10-01-x-abc123")
    (request,) = script.requests
    assert request.url == "https://status200uploads.com/api/v2/posts"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"] == "cal-2026-10-01-x-abc123"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == body


def test_without_a_key_no_idempotency_header_is_sent(make_client) -> None:
    script = one_answer(httpx.Response(200, json=example("Published", "x")))
    make_client(script).create_post(POST, None)
    assert "idempotency-key" not in script.requests[0].headers


@pytest.mark.parametrize("key", ["", " padded", "padded ", '"quoted"', "x" * 256, "caf\u00e9"])
def test_a_key_the_api_would_refuse_or_change_is_refused_before_sending(key, make_client) -> None:
    script = one_answer(httpx.Response(200, json=example("Published", "x")))
    with pytest.raises(ValueError, match="Idempotency-Key"):
        make_client(script).create_post(POST, key)
    assert script.requests == []


def test_the_older_address_takes_posts_and_cancels_but_not_reads(make_client) -> None:
    older = "https://app.status200uploads.com/functions/v1"
    sid = "c3d4e5f6-a7b8-9012-cdef-123456789012"
    script = (
        Script()
        .on(
            "POST",
            "/functions/v1/api-posts",
            httpx.Response(202, json=example("Accepted", "scheduled")),
        )
        .on(
            "DELETE",
            f"/functions/v1/api-posts/{sid}",
            httpx.Response(200, json=schema_example("CancelResult")),
        )
        .on("GET", f"{V2}/posts", httpx.Response(200, json={"data": [], "next_cursor": None}))
        .on("POST", f"{V2}/media", httpx.Response(200, json=schema_example("MediaImportReady")))
    )
    client = make_client(script, older_base_url=older)
    assert isinstance(client.create_post(POST, "k"), Accepted)
    assert client.cancel_post(sid).scheduled_post_id == sid
    client.list_posts()
    client.import_media("https://example.com/a.jpg", "m-1")
    hosts = [(r.method, r.url.host) for r in script.requests]
    assert hosts == [
        ("POST", "app.status200uploads.com"),
        ("DELETE", "app.status200uploads.com"),
        ("GET", "status200uploads.com"),
        ("POST", "status200uploads.com"),
    ]


def test_cancel_parses_the_example_and_a_repeat(make_client) -> None:
    body = schema_example("CancelResult")
    sid = body["data"]["scheduled_post_id"]
    repeat = {"data": {**body["data"], "already_cancelled": True}}
    script = Script().on(
        "DELETE",
        f"{V2}/posts/{sid}",
        httpx.Response(200, json=body),
        httpx.Response(200, json=repeat),
    )
    client = make_client(script)
    first, second = client.cancel_post(sid), client.cancel_post(sid)
    assert isinstance(first, CancelResult)
    assert (first.already_cancelled, second.already_cancelled) == (False, True)
    assert first.platforms == tuple(body["data"]["platforms"])
    assert first.was_due_at == datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    assert script.requests[0].content == b""


def test_media_import_ready_and_processing(fake_time, make_client) -> None:
    ready = schema_example("MediaImportReady")
    started = {**ready, "status": "processing", "message": "Poll GET /media"}
    script = Script().on(
        "POST",
        f"{V2}/media",
        httpx.Response(200, json=ready),
        httpx.Response(202, json=started, headers={"Idempotent-Replayed": "true"}),
    )
    client = make_client(script)
    first = client.import_media("https://example.com/video.mp4", "media-sha256-1")
    second = client.import_media("https://example.com/video.mp4", "media-sha256-1")
    assert (first.file_id, first.ready, first.size, first.type) == (
        ready["file_id"],
        True,
        ready["size"],
        ready["type"],
    )
    assert (second.ready, second.http_status, second.replayed) == (False, 202, True)
    assert json.loads(script.requests[0].content) == {"url": "https://example.com/video.mp4"}


def media_status(status: str, **extra: object) -> httpx.Response:
    body = {
        "success": status == "ready",
        "file_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "status": status,
        "size": None,
        "type": "video/mp4",
        "public_url": None,
        "error": None,
        **extra,
    }
    return httpx.Response(200, json=body)


def test_wait_for_media_polls_until_ready(fake_time, make_client) -> None:
    script = Script().on(
        "GET",
        f"{V2}/media",
        media_status("processing", progress=10),
        media_status("processing", progress=60),
        media_status("ready", public_url="https://cdn.example/v.mp4"),
    )
    status = make_client(script).wait_for_media(
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890", poll_every=2.0
    )
    assert status.ready and status.public_url == "https://cdn.example/v.mp4"
    assert fake_time.sleeps == [2.0, 2.0]
    assert all(r.url.params["file_id"] == status.file_id for r in script.requests)


def test_wait_for_media_returns_a_failure_with_its_reason(make_client) -> None:
    script = Script().on("GET", f"{V2}/media", media_status("failed", error="Not a video"))
    status = make_client(script).wait_for_media("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    assert status.failed and status.error == "Not a video"


def test_wait_for_media_gives_up_after_the_deadline(fake_time, make_client) -> None:
    script = Script().on("GET", f"{V2}/media", media_status("processing"))
    status = make_client(script).wait_for_media(
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890", poll_every=5.0, give_up_after=60.0
    )
    assert status.status == "processing"
    assert sum(fake_time.sleeps) == 60.0  # never past the deadline
    assert len(script.requests) == 13  # at 0, 5, ..., 60 s
