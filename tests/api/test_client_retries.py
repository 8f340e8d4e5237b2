"""Resends follow the retry table and nothing else: each rule, the Retry-After forms, the caps,
the same bytes and key on every resend, transport failures with and without a key, and an
observer that sees every attempt."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from pipeline.api import (
    Accepted,
    ApiError,
    KeyReused,
    NotFound,
    NotJsonAnswer,
    OutcomeUnknown,
    PublishResult,
    RateLimited,
    ResendOnceWithKey,
    Terminal,
    TransportFailure,
    Unauthorized,
    WaitAndResend,
)
from tests.api.conftest import SPEC, V2, Recorder, Script, error, example, statuses_of

POSTS = f"{V2}/posts"
BODY = {"post": {"accountId": "@myprofile", "platform": "linkedin", "content": {"text": "Hi"}}}
TABLE = SPEC["components"]["x-status200-retry"]["by_code"]
SCHEDULED = httpx.Response(202, json=example("Accepted", "scheduled"))
REPLAYED = httpx.Response(
    202, json=example("Accepted", "scheduled"), headers={"Idempotent-Replayed": "true"}
)
SID = "c3d4e5f6-a7b8-9012-cdef-123456789012"


def codes(rule: str) -> list[str]:
    return sorted(code for code, r in TABLE.items() if r == rule)


def status_for(code: str) -> int:
    return statuses_of(code)[0]


def assert_identical(requests: list[httpx.Request], key: str | None) -> None:
    assert len({r.content for r in requests}) == 1
    assert {r.headers.get("idempotency-key") for r in requests} == {key}


# --- wait_and_resend -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", codes("wait_and_resend"))
def test_wait_and_resend_waits_as_asked_then_resends_the_identical_request(
    code, fake_time, make_client
) -> None:
    script = Script().on(
        "POST", POSTS, error(status_for(code), code, "later", retry_after_seconds=7), SCHEDULED
    )
    recorder = Recorder()
    result = make_client(script).create_post(BODY, "key-1", observer=recorder)
    assert isinstance(result, Accepted)
    assert fake_time.sleeps == [7.0]
    assert len(script.requests) == 2
    assert_identical(script.requests, "key-1")
    assert [(e[0], e[1]) for e in recorder.events] == [
        ("before", 1),
        ("after", 1),
        ("before", 2),
        ("after", 2),
    ]
    assert isinstance(recorder.events[1][2], WaitAndResend)
    assert recorder.events[1][2].code == code
    assert recorder.events[3][2] is result


def test_wait_and_resend_without_a_key_still_resends(fake_time, make_client) -> None:
    script = Script().on(
        "POST", POSTS, error(429, "rate_limited", retry_after_seconds=20), SCHEDULED
    )
    assert isinstance(make_client(script).create_post(BODY, None), Accepted)
    assert fake_time.sleeps == [20.0]
    assert_identical(script.requests, None)


def test_rate_limited_is_its_own_class(make_client) -> None:
    script = Script().on("POST", POSTS, error(429, "rate_limited", retry_after_seconds=900))
    with pytest.raises(RateLimited) as caught:
        make_client(script, max_total_wait=60.0).create_post(BODY, "k")
    assert isinstance(caught.value, WaitAndResend)
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")


# --- Retry-After -----------------------------------------------------------------------------------


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "extra", "top_level", "expected"),
    [
        ({"Retry-After": "12"}, {"retry_after_seconds": 30}, {}, 12.0),  # the header first
        ({"Retry-After": "1"}, {"retry_after_seconds": 0.25}, {}, 0.25),  # a finer body wins
        ({"Retry-After": "1"}, {}, {"retry_after_seconds": 0.4}, 0.4),  # the media shape too
        ({}, {"retry_after_seconds": 30}, {}, 30.0),  # then error.retry_after_seconds
        ({}, {}, {"retry_after_seconds": 9}, 9.0),  # then the media shape's top level
        ({}, {}, {}, 5.0),  # else 5 seconds
        ({"Retry-After": "soon"}, {"retry_after_seconds": 30}, {}, 30.0),  # unreadable header
        ({"Retry-After": "-4"}, {}, {}, 5.0),
        (
            {"Retry-After": http_date(1_790_000_045), "Date": http_date(1_790_000_000)},
            {"retry_after_seconds": 99},
            {},
            45.0,  # an HTTP date, measured from the answer's own Date
        ),
        ({"Retry-After": http_date(1_790_000_000 + 25)}, {}, {}, 25.0),  # from our wall clock
        ({"Retry-After": http_date(1_780_000_000)}, {}, {}, 0.0),  # a date already past
    ],
)
def test_the_wait_comes_from_retry_after_then_the_body_then_five_seconds(
    headers, extra, top_level, expected, fake_time, make_client
) -> None:
    first = httpx.Response(
        503,
        json={
            "error": {"code": "idempotency_unavailable", "message": "later", **extra},
            **top_level,
        },
        headers=headers,
    )
    script = Script().on("POST", POSTS, first, SCHEDULED)
    make_client(script).create_post(BODY, "k")
    assert fake_time.sleeps == [pytest.approx(expected)]


def test_the_default_wait_is_a_setting(fake_time, make_client) -> None:
    script = Script().on("POST", POSTS, error(503, "schedule_check_unavailable"), SCHEDULED)
    make_client(script, default_retry_after=0.05).create_post(BODY, "k")
    assert fake_time.sleeps == [0.05]


# --- caps ------------------------------------------------------------------------------------------


def test_attempts_are_capped(fake_time, make_client) -> None:
    script = Script().on("POST", POSTS, error(429, "rate_limited", retry_after_seconds=20))
    recorder = Recorder()
    with pytest.raises(RateLimited):
        make_client(script, max_attempts=4).create_post(BODY, "k", observer=recorder)
    assert len(script.requests) == 4
    assert fake_time.sleeps == [20.0, 20.0, 20.0]
    assert [e[1] for e in recorder.events if e[0] == "after"] == [1, 2, 3, 4]


def test_the_total_wait_is_capped(fake_time, make_client) -> None:
    script = Script().on("POST", POSTS, error(409, "media_processing", retry_after_seconds=200))
    with pytest.raises(WaitAndResend) as caught:
        make_client(script, max_total_wait=300.0).create_post(BODY, "k")
    assert fake_time.sleeps == [200.0]  # a second 200 s would pass 300 s: raised instead
    assert len(script.requests) == 2
    assert caught.value.retry_after_seconds == 200.0


def test_a_wait_longer_than_the_cap_is_not_waited_at_all(fake_time, make_client) -> None:
    script = Script().on("POST", POSTS, error(429, "rate_limited", retry_after_seconds=7200))
    with pytest.raises(RateLimited) as caught:
        make_client(script).create_post(BODY, "k")
    assert (fake_time.sleeps, len(script.requests)) == ([], 1)
    assert caught.value.retry_after_seconds == 7200.0


# --- resend_once_with_key --------------------------------------------------------------------------


@pytest.mark.parametrize("code", codes("resend_once_with_key"))
def test_an_unknown_outcome_is_resent_once_with_the_same_key(code, fake_time, make_client) -> None:
    script = Script().on("POST", POSTS, error(status_for(code), code, "unknown"), REPLAYED)
    result = make_client(script).create_post(BODY, "key-7")
    assert isinstance(result, Accepted) and result.replayed
    assert len(script.requests) == 2
    assert_identical(script.requests, "key-7")
    assert fake_time.sleeps == [1.0]  # settings.resend_delay


@pytest.mark.parametrize("code", codes("resend_once_with_key"))
def test_an_unknown_outcome_is_resent_only_once(code, make_client) -> None:
    script = Script().on("POST", POSTS, error(status_for(code), code, "unknown"))
    with pytest.raises(ResendOnceWithKey) as caught:
        make_client(script).create_post(BODY, "key-7")
    assert caught.value.code == code
    assert len(script.requests) == 2


@pytest.mark.parametrize("code", codes("resend_once_with_key"))
def test_an_unknown_outcome_without_a_key_is_raised_for_the_caller_to_reconcile(
    code, fake_time, make_client
) -> None:
    script = Script().on("POST", POSTS, error(status_for(code), code, "unknown"))
    with pytest.raises(ResendOnceWithKey):
        make_client(script).create_post(BODY, None)
    assert (len(script.requests), fake_time.sleeps) == (1, [])


def test_a_failure_that_recorded_a_post_keeps_its_ids(make_client) -> None:
    ids = example("Published", "linkedin")["status200"]
    body = {"error": {"code": "platform_error", "message": "Duplicate post"}, "status200": ids}
    script = Script().on(
        "POST", POSTS, httpx.Response(500, json=body, headers={"Idempotent-Replayed": "true"})
    )
    with pytest.raises(ResendOnceWithKey) as caught:
        make_client(script).create_post(BODY, None)
    assert caught.value.ids is not None and caught.value.ids.post_id == ids["post_id"]
    assert caught.value.replayed


def test_resend_then_in_progress_then_the_replay(fake_time, make_client) -> None:
    """A lost answer: resent once with the key, the first request is still running (wait as
    asked), then the stored first answer comes back. Nothing is posted twice."""
    script = Script().on(
        "POST",
        POSTS,
        httpx.ReadTimeout("no answer"),
        error(409, "idempotency_in_progress", retry_after_seconds=5, headers={"Retry-After": "5"}),
        httpx.Response(
            200, json=example("Published", "linkedin"), headers={"Idempotent-Replayed": "true"}
        ),
    )
    recorder = Recorder()
    result = make_client(script).create_post(BODY, "key-9", observer=recorder)
    assert isinstance(result, PublishResult) and result.replayed
    assert_identical(script.requests, "key-9")
    assert fake_time.sleeps == [1.0, 5.0]
    outcomes = [e[2] for e in recorder.events if e[0] == "after"]
    assert isinstance(outcomes[0], TransportFailure) and outcomes[0].may_have_reached
    assert isinstance(outcomes[1], WaitAndResend)
    assert outcomes[2] is result


# --- never -----------------------------------------------------------------------------------------


EXPECTED_CLASS = {
    "idempotency_outcome_unknown": OutcomeUnknown,
    "idempotency_key_reused": KeyReused,
}


@pytest.mark.parametrize("code", codes("never"))
def test_never_raises_a_terminal_error_with_the_apis_code_and_message(
    code, fake_time, make_client
) -> None:
    status = status_for(code)
    script = Script().on(
        "POST", POSTS, error(status, code, f"The API says {code}", retry_after_seconds=3600)
    )
    with pytest.raises(Terminal) as caught:
        make_client(script).create_post(BODY, "k")
    assert isinstance(caught.value, EXPECTED_CLASS.get(code, Terminal))
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.message == f"The API says {code}"
    assert code in str(caught.value) and f"The API says {code}" in str(caught.value)
    assert (len(script.requests), fake_time.sleeps) == (1, [])


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (404, "media_not_found", NotFound),
        (409, "scheduled_queue_full", Terminal),
        (413, "MEDIA_TOO_LARGE", Terminal),
        (429, "pinterest_rejected", Terminal),  # Pinterest's own 429 is not our throttle
        (401, "unauthorized", Unauthorized),
        (401, "TOKEN_REFRESH_FAILED", Terminal),  # a network's sign-in, not our key
        (403, "account_not_found", Terminal),
        (400, "scheduled_for_invalid", Terminal),
    ],
)
def test_unlisted_4xx_codes_are_never_resent(status, code, cls, make_client) -> None:
    script = Script().on("POST", POSTS, error(status, code))
    with pytest.raises(Terminal) as caught:
        make_client(script).create_post(BODY, "k")
    assert type(caught.value) is cls
    assert len(script.requests) == 1


def test_an_unlisted_5xx_code_is_resent_once_with_the_key(make_client) -> None:
    script = Script().on("POST", POSTS, error(500, "api_error", "Could not queue"), SCHEDULED)
    assert isinstance(make_client(script).create_post(BODY, "k"), Accepted)
    assert len(script.requests) == 2


def test_media_errors_in_the_sentence_shape(fake_time, make_client) -> None:
    script = Script().on(
        "POST",
        f"{V2}/media",
        httpx.Response(415, json={"error": "The URL does not return an image or a video"}),
    )
    with pytest.raises(Terminal) as caught:
        make_client(script).import_media("https://example.com/page.html", "m")
    assert caught.value.code is None
    assert caught.value.message == "The URL does not return an image or a video"
    script = Script().on(
        "POST",
        f"{V2}/media",
        httpx.Response(
            429, json={"error": "Too fast", "code": "rate_limited", "retry_after_seconds": 14}
        ),
        httpx.Response(
            200, json={"success": True, "file_id": SID, "status": "ready", "type": "image/png"}
        ),
    )
    assert make_client(script).import_media("https://example.com/a.png", "m").ready
    assert fake_time.sleeps == [14.0]


def test_the_import_budget_error_object_is_never_resent(make_client) -> None:
    budget = {
        "code": "import_budget_exhausted",
        "message": "Daily import budget used",
        "retry_after_seconds": 80000,
    }
    script = Script().on("POST", f"{V2}/media", httpx.Response(429, json={"error": budget}))
    with pytest.raises(Terminal) as caught:
        make_client(script).import_media("https://example.com/a.png", "m")
    assert caught.value.code == "import_budget_exhausted"
    assert len(script.requests) == 1


# --- not JSON --------------------------------------------------------------------------------------

GATEWAY_PAGE = httpx.Response(
    504, text="<html><body>Inactivity Timeout</body></html>", headers={"Content-Type": "text/html"}
)


def test_a_gateway_page_is_resent_once_with_the_key(make_client) -> None:
    script = Script().on("POST", POSTS, GATEWAY_PAGE, REPLAYED)
    assert isinstance(make_client(script).create_post(BODY, "k"), Accepted)
    assert_identical(script.requests, "k")


def test_a_gateway_page_without_a_key_is_raised(make_client) -> None:
    script = Script().on("POST", POSTS, GATEWAY_PAGE)
    with pytest.raises(NotJsonAnswer) as caught:
        make_client(script).create_post(BODY, None)
    assert caught.value.status == 504 and caught.value.may_have_reached
    assert "Inactivity Timeout" in str(caught.value)
    assert len(script.requests) == 1


def test_a_supabase_546_in_plain_text_is_not_json(make_client) -> None:
    script = Script().on("POST", "/functions/v1/api-posts", httpx.Response(546, text="timeout"))
    with pytest.raises(NotJsonAnswer):
        make_client(
            script, older_base_url="https://app.status200uploads.com/functions/v1"
        ).create_post(BODY, None)


# --- transport failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_a_request_that_never_left_is_resent_even_without_a_key(
    failure, fake_time, make_client
) -> None:
    script = Script().on("POST", POSTS, failure, SCHEDULED)
    assert isinstance(make_client(script).create_post(BODY, None), Accepted)
    assert len(script.requests) == 2 and fake_time.sleeps == [1.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.WriteTimeout("half sent"),
    ],
)
def test_a_lost_answer_with_a_key_is_resent_once_and_replayed(failure, make_client) -> None:
    script = Script().on("POST", POSTS, failure, REPLAYED)
    result = make_client(script).create_post(BODY, "key-3")
    assert isinstance(result, Accepted) and result.replayed
    assert_identical(script.requests, "key-3")


def test_a_lost_answer_without_a_key_is_an_unknown_outcome(make_client) -> None:
    script = Script().on("POST", POSTS, httpx.ReadTimeout("no answer"))
    with pytest.raises(TransportFailure) as caught:
        make_client(script).create_post(BODY, None)
    assert caught.value.may_have_reached
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(script.requests) == 1


def test_two_lost_answers_with_a_key_are_raised(make_client) -> None:
    script = Script().on("POST", POSTS, httpx.ReadTimeout("no answer"))
    with pytest.raises(TransportFailure):
        make_client(script).create_post(BODY, "k")
    assert len(script.requests) == 2


def test_a_dry_run_may_always_be_resent(make_client) -> None:
    report = httpx.Response(200, json=example("Published", "dryRun"))
    script = Script().on("POST", POSTS, httpx.ReadTimeout("x"), error(500, "server_error"), report)
    make_client(script).create_post({"dryRun": True, **BODY}, None)
    assert len(script.requests) == 3


def test_reads_are_resent_on_transient_failures(fake_time, make_client) -> None:
    page = httpx.Response(200, json={"data": [], "next_cursor": None, "next_url": None})
    script = Script().on(
        "GET",
        POSTS,
        httpx.ReadTimeout("x"),
        error(500, "server_error", "Try again in a minute"),
        GATEWAY_PAGE,
        page,
    )
    make_client(script).list_posts()
    assert len(script.requests) == 4
    assert fake_time.sleeps == [1.0, 5.0, 1.0]


def test_a_cancel_is_resent_on_5xx_and_cancel_unconfirmed(fake_time, make_client) -> None:
    done = {
        "data": {
            "scheduled_post_id": SID,
            "status": "cancelled",
            "platforms": ["x"],
            "was_due_at": None,
            "message": "ok",
            "already_cancelled": True,
        }
    }
    script = Script().on(
        "DELETE",
        f"{POSTS}/{SID}",
        error(500, "server_error"),
        error(502, "upstream_unavailable"),
        error(504, "cancel_unconfirmed", retry_after_seconds=5, headers={"Retry-After": "5"}),
        httpx.Response(200, json=done),
    )
    recorder = Recorder()
    result = make_client(script).cancel_post(SID, observer=recorder)
    assert result.already_cancelled
    assert fake_time.sleeps == [5.0, 5.0, 5.0]
    assert [e[1] for e in recorder.events if e[0] == "before"] == [1, 2, 3, 4]


def test_a_cancel_that_is_not_cancellable_is_terminal(make_client) -> None:
    script = Script().on(
        "DELETE", f"{POSTS}/{SID}", error(409, "not_cancellable", status="published")
    )
    with pytest.raises(Terminal) as caught:
        make_client(script).cancel_post(SID)
    assert caught.value.body["error"]["status"] == "published"


# --- the observer ----------------------------------------------------------------------------------


def test_an_observer_that_fails_before_an_attempt_stops_it_being_sent(make_client) -> None:
    class Failing(Recorder):
        def before_attempt(self, attempt: int) -> None:
            raise OSError("ledger disk full")

    script = Script().on("POST", POSTS, SCHEDULED)
    with pytest.raises(OSError, match="ledger"):
        make_client(script).create_post(BODY, "k", observer=Failing())
    assert script.requests == []


def test_the_observer_sees_each_attempt_before_it_is_sent(make_client) -> None:
    recorder = Recorder()
    sent_before: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_before.append(len(recorder.events))
        return error(503, "caller_check_unavailable") if len(sent_before) < 3 else SCHEDULED

    script = Script().on("POST", POSTS, answer)
    make_client(script).create_post(BODY, "k", observer=recorder)
    # Each request arrived right after its own before_attempt and before its after_attempt.
    assert sent_before == [1, 3, 5]
    assert [(e[0], e[1]) for e in recorder.events] == [
        ("before", 1),
        ("after", 1),
        ("before", 2),
        ("after", 2),
        ("before", 3),
        ("after", 3),
    ]
    assert all(isinstance(e[2], ApiError) for e in recorder.events[1:4:2])


def test_media_imports_report_their_attempts_too(make_client) -> None:
    ready = {"success": True, "file_id": SID, "status": "ready", "type": "image/png", "size": 1}
    script = Script().on(
        "POST",
        f"{V2}/media",
        httpx.Response(429, json={"error": "Too fast", "code": "rate_limited"}),
        httpx.Response(200, json=ready),
    )
    recorder = Recorder()
    result = make_client(script).import_media("https://example.com/a.png", "m", observer=recorder)
    assert [(e[0], e[1]) for e in recorder.events] == [
        ("before", 1),
        ("after", 1),
        ("before", 2),
        ("after", 2),
    ]
    assert isinstance(recorder.events[1][2], RateLimited) and recorder.events[3][2] is result
