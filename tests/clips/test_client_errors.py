"""The clip client against precise faults (httpx.MockTransport): every error code of the page
mapped to its exception, resends only when nothing can have been done, back-off waits computed
and injected, a lost answer to a post never resent."""

from __future__ import annotations

import httpx
import pytest

from pipeline.backends.clips import (
    ClipApiError,
    ClipBadRequest,
    ClipConfigError,
    ClipJobNotFound,
    ClipNoAnswer,
    ClipNotReady,
    ClipPostRequest,
    ClipServerUnreachable,
    ClipSettings,
    ClipUnauthorized,
    ClipUnexpectedAnswer,
    ClipUpstreamError,
    ClipVideoNotFound,
)
from tests.clips.conftest import DEMO_JOB, KEY, Recorder, Sleeps, detail, mock_client

REQUEST = ClipPostRequest(DEMO_JOB, 0, "acme", ("tiktok", "instagram"))
ACCEPTED = httpx.Response(
    200,
    json={
        "success": True,
        "uploadId": "up_abc123xyz",
        "status": "processing",
        "platforms": ["tiktok", "instagram"],
        "message": "Video upload initiated",
    },
)


@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [
        (detail(404, "Job not found"), ClipJobNotFound, "job_not_found"),
        (
            detail(404, f"Video file not found: output/{DEMO_JOB}/clip_1.mp4"),
            ClipVideoNotFound,
            "video_not_found",
        ),
        (detail(400, "Job result not available"), ClipNotReady, "clip_not_ready"),
        (
            detail(400, "Missing required fields: api_key, user_id, platforms"),
            ClipBadRequest,
            "missing_fields",
        ),
        (
            detail(422, [{"loc": ["body", "user_id"], "msg": "Field required"}]),
            ClipBadRequest,
            "missing_fields",
        ),
        (detail(401, "Invalid Upload-Post API key"), ClipUnauthorized, "invalid_key"),
        # A handler wrapping everything in `except Exception` relays inner statuses in a 500.
        (detail(500, "401: Vendor API Error: unauthorized"), ClipUnauthorized, "invalid_key"),
        (detail(500, "404: Video file not found: x.mp4"), ClipVideoNotFound, "video_not_found"),
        (detail(500, "list index out of range"), ClipVideoNotFound, "video_not_found"),
    ],
)
def test_each_error_code_is_mapped_and_never_resent(
    answer: httpx.Response, error: type[Exception], code: str
) -> None:
    recorder = Recorder([answer])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps) as client, pytest.raises(error) as caught:
        client.post(REQUEST)
    assert getattr(caught.value, "code", None) == code
    assert len(recorder.requests) == 1 and sleeps == []  # a refusal is not resent


def test_a_post_body_carries_the_key_the_header_of_reads_too() -> None:
    recorder = Recorder([ACCEPTED])
    with mock_client(recorder) as client:
        accepted = client.post(
            ClipPostRequest(
                DEMO_JOB,
                2,
                "acme",
                ("tiktok", "instagram", "youtube"),
                title="T",
                description="D",
                scheduled_date="2026-12-01T10:00:00",
                timezone="Europe/Berlin",
            )
        )
    assert recorder.bodies() == [
        {
            "job_id": DEMO_JOB,
            "clip_index": 2,
            "api_key": KEY,
            "user_id": "acme",
            "platforms": ["tiktok", "instagram", "youtube"],
            "title": "T",
            "description": "D",
            "scheduled_date": "2026-12-01T10:00:00",
            "timezone": "Europe/Berlin",
        }
    ]
    assert (accepted.upload_id, accepted.status) == ("up_abc123xyz", "processing")
    profiles = Recorder([httpx.Response(200, json={"profiles": []})])
    with mock_client(profiles) as client:
        client.profiles()
    assert profiles.requests[0].headers["x-upload-post-key"] == KEY
    assert profiles.requests[0].url.path == "/api/social/user"


def test_500_is_resent_with_exponential_back_off_then_succeeds() -> None:
    recorder = Recorder([detail(500, "Upload-Post API error"), detail(500, "again"), ACCEPTED])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps, backoff=0.5, attempts=3) as client:
        accepted = client.post(REQUEST)
    assert accepted.upload_id == "up_abc123xyz"
    assert len(recorder.requests) == 3 and sleeps == [0.5, 1.0]


def test_500_every_time_ends_in_upstream_error_after_the_attempts() -> None:
    recorder = Recorder([detail(500, "Upload-Post API error: quota")])
    sleeps = Sleeps()
    with (
        mock_client(recorder, sleeps, backoff=1.0, max_backoff=1.5, attempts=4) as client,
        pytest.raises(ClipUpstreamError) as caught,
    ):
        client.post(REQUEST)
    assert len(recorder.requests) == 4
    assert sleeps == [1.0, 1.5, 1.5]  # doubling, capped
    assert caught.value.status == 500 and "quota" in caught.value.message


def test_503_waits_as_long_as_retry_after_asks() -> None:
    recorder = Recorder([detail(503, "Service Unavailable", **{"retry-after": "7"}), ACCEPTED])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps, backoff=1.0) as client:
        client.post(REQUEST)
    assert sleeps == [7.0]


def test_a_500_saying_upload_post_timed_out_is_not_resent() -> None:
    """The clip server's own request to Upload-Post timed out: the upload may have arrived."""
    recorder = Recorder([detail(500, "ReadTimeout: The read operation timed out")])
    with mock_client(recorder) as client, pytest.raises(ClipUpstreamError) as caught:
        client.post(REQUEST)
    assert not caught.value.retryable and len(recorder.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.Response(504, text="<html><body><h1>504 Gateway Timeout</h1></body></html>"),
        httpx.Response(502, json={"detail": "Bad Gateway"}),
        httpx.Response(200, text="not json"),
    ],
)
def test_a_lost_answer_to_a_post_is_never_resent(failure: Exception | httpx.Response) -> None:
    recorder = Recorder([failure, ACCEPTED])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps) as client, pytest.raises(ClipNoAnswer) as caught:
        client.post(REQUEST)
    assert caught.value.may_have_reached
    assert len(recorder.requests) == 1 and sleeps == []


def test_a_refused_connection_is_resent_then_reported_unreachable() -> None:
    recorder = Recorder([httpx.ConnectError("refused")])
    sleeps = Sleeps()
    with (
        mock_client(recorder, sleeps, attempts=3) as client,
        pytest.raises(ClipServerUnreachable) as caught,
    ):
        client.post(REQUEST)
    assert len(recorder.requests) == 3 and len(sleeps) == 2
    assert not caught.value.may_have_reached and "CLIP_SERVER_URL" in caught.value.message


@pytest.mark.parametrize(
    "never_sent",
    [httpx.ConnectError("refused"), httpx.LocalProtocolError("bad header"), httpx.ProxyError("no")],
)
def test_both_clients_share_one_list_of_failures_that_prove_nothing_was_sent(
    never_sent: Exception,
) -> None:
    """A post that never left may be resent: the clip client and the Status 200 client decide
    this from the same list (they had drifted: LocalProtocolError made a clip post unknown)."""
    from pipeline.api import sending
    from pipeline.backends.clips import client as clips_client
    from pipeline.httpbase import NEVER_SENT

    assert vars(sending)["NEVER_SENT"] is vars(clips_client)["NEVER_SENT"] is NEVER_SENT
    assert isinstance(never_sent, NEVER_SENT)
    recorder = Recorder([never_sent, ACCEPTED])
    with mock_client(recorder, Sleeps(), attempts=3) as client:
        accepted = client.post(REQUEST)
    assert len(recorder.requests) == 2 and accepted is not None


def test_reads_are_resent_after_any_transport_failure() -> None:
    status = httpx.Response(200, json={"status": "completed", "result": {"clips": [{}]}})
    recorder = Recorder([httpx.ReadTimeout("slow"), detail(502, "Bad Gateway"), status])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps) as client:
        job = client.job(DEMO_JOB)
    assert job.finished and len(job.clips) == 1 and len(recorder.requests) == 3


def test_success_false_is_a_refusal_and_a_strange_2xx_is_unexpected() -> None:
    refused = Recorder([httpx.Response(200, json={"success": False, "message": "quota used"})])
    with mock_client(refused) as client, pytest.raises(ClipApiError) as caught:
        client.post(REQUEST)
    assert getattr(caught.value, "code", None) == "rejected" and "quota used" in str(caught.value)
    strange = Recorder([httpx.Response(200, json={"profiles": "none"})])
    with mock_client(strange) as client, pytest.raises(ClipUnexpectedAnswer):
        client.profiles()


def test_a_missing_key_is_named_before_anything_is_sent() -> None:
    recorder = Recorder([ACCEPTED])
    with mock_client(recorder, key=None) as client:
        with pytest.raises(ClipConfigError, match="UPLOAD_POST_API_KEY"):
            client.post(REQUEST)
        with pytest.raises(ClipConfigError, match="UPLOAD_POST_API_KEY"):
            client.profiles()
    assert recorder.requests == []


def test_the_key_never_shows_in_a_repr_or_an_error_message() -> None:
    echoed = detail(500, f"401: Vendor API Error: key {KEY} is not valid")
    recorder = Recorder([echoed])
    with mock_client(recorder) as client:
        assert KEY not in repr(client) and KEY not in repr(client.settings)
        with pytest.raises(ClipUnauthorized) as caught:
            client.post(REQUEST)
    error = caught.value
    assert KEY not in str(error) and KEY not in error.detail and KEY not in repr(error)
    assert "[redacted]" in error.detail
    assert KEY not in repr(REQUEST) and "api_key" not in REQUEST.summary()


def test_settings_come_from_the_environment() -> None:
    default = ClipSettings.from_env({})
    assert default.base_url == "http://localhost:8000" and default.api_key is None
    assert default.timeout == 120.0
    custom = ClipSettings.from_env(
        {"CLIP_SERVER_URL": "http://clips.local:9000/", "UPLOAD_POST_API_KEY": KEY}
    )
    assert custom.base_url == "http://clips.local:9000" and custom.key().reveal() == KEY
    with pytest.raises(ClipConfigError) as caught:
        ClipSettings.from_env({"UPLOAD_POST_API_KEY": "has space é"})
    assert "space é" not in str(caught.value)
    with pytest.raises(ClipConfigError, match="CLIP_SERVER_URL"):
        ClipSettings.from_env({"CLIP_SERVER_URL": "localhost:8000"})


def test_a_long_retry_after_is_capped_at_a_minute() -> None:
    recorder = Recorder([detail(503, "busy", **{"retry-after": "3600"}), ACCEPTED])
    sleeps = Sleeps()
    with mock_client(recorder, sleeps) as client:
        client.post(REQUEST)
    assert sleeps == [60.0]
