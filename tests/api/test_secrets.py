"""The API key appears in no exception message, repr or log record: not even when an answer or
a library error quotes it back."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from pipeline.api import (
    NotJsonAnswer,
    ResendOnceWithKey,
    Status200Error,
    TransportFailure,
    Unauthorized,
)
from tests.api.conftest import KEY, V2, Script

POST = {"post": {"accountId": "@me", "platform": "x", "content": {"text": "hi"}}}


def everything_shown(exc: BaseException) -> str:
    """Every text a log, a traceback or a report could show for an exception."""
    shown = ["".join(traceback.format_exception(exc)), repr(exc)]
    for attr in ("message", "body", "code", "request"):
        shown.append(repr(getattr(exc, attr, None)))
    return "\n".join(shown)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text}" for r in caplog.records)


def test_a_401_that_echoes_the_key_does_not_leak_it(make_client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"error": {"code": "unauthorized", "message": f"Invalid or inactive API key {KEY}"}}
    script = Script().on("GET", f"{V2}/accounts", httpx.Response(401, json=echo))
    client = make_client(script)
    with pytest.raises(Unauthorized) as caught:
        client.list_accounts()
    assert script.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent
    shown = everything_shown(caught.value)
    assert KEY not in shown and "[redacted]" in shown
    assert KEY not in log_text(caplog)
    assert KEY not in repr(client) and KEY not in repr(client.settings)


def test_a_media_401_sentence_and_a_resent_500_do_not_leak_it(make_client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    script = (
        Script()
        .on("POST", f"{V2}/media", httpx.Response(401, json={"error": f"Bad key {KEY}"}))
        .on(
            "POST",
            f"{V2}/posts",
            httpx.Response(500, json={"error": {"code": "server_error", "message": KEY}}),
        )
    )
    client = make_client(script)
    with pytest.raises(Status200Error) as media:
        client.import_media("https://example.com/a.jpg", "m")
    with pytest.raises(ResendOnceWithKey) as post:
        client.create_post(POST, "k")  # resent once: the resend is logged with the error
    for exc in (media.value, post.value):
        assert KEY not in everything_shown(exc)
    assert "resending" in log_text(caplog) and KEY not in log_text(caplog)


def test_a_gateway_page_that_quotes_the_key_does_not_leak_it(make_client) -> None:
    page = httpx.Response(502, text=f"<h1>Bad gateway</h1><pre>Authorization: Bearer {KEY}</pre>")
    script = Script().on("GET", f"{V2}/posts", page)
    with pytest.raises(NotJsonAnswer) as caught:
        make_client(script, max_attempts=2).list_posts()
    assert KEY not in everything_shown(caught.value)


def test_a_library_error_that_quotes_the_key_does_not_leak_it(make_client) -> None:
    failure = httpx.ReadTimeout(f"timed out sending Bearer {KEY}")
    script = Script().on("POST", f"{V2}/posts", failure)
    with pytest.raises(TransportFailure) as caught:
        make_client(script).create_post(POST, None)
    assert KEY not in everything_shown(caught.value)  # the quoting error is not chained
    assert "[redacted]" in str(caught.value)


def test_a_library_error_is_otherwise_chained_for_debugging(make_client) -> None:
    script = Script().on("POST", f"{V2}/posts", httpx.ReadTimeout("timed out"))
    with pytest.raises(TransportFailure) as caught:
        make_client(script).create_post(POST, None)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
