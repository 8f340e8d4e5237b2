"""Answers as the API writes them: exact bytes, the three error envelopes, the shared headers.

An `Answer` is plain data (status, bytes, headers) so the idempotency store can keep it and replay
it byte for byte, and the fault layer can decide to cut the connection instead of sending it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CACHE_CONTROL = ("cache-control", "private, no-store")
VARY = ("vary", "Authorization")
STATUS_URL_PATH = "/api/v2/posts/"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"

    def with_headers(self, *extra: tuple[str, str]) -> Answer:
        return Answer(self.status, self.body, self.headers + extra, self.content_type)

    def json(self) -> Any:
        return json.loads(self.body)


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_answer(status: int, value: Any, *headers: tuple[str, str]) -> Answer:
    return Answer(status, encode(value), tuple(headers))


def retry_after_headers(seconds: int | None) -> tuple[tuple[str, str], ...]:
    """Retry-After is sent only for a wait of an hour or less (longer ones stay in the body)."""
    if seconds is None or seconds > 3600:
        return ()
    return (("retry-after", str(seconds)),)


def status200_ids(base_url: str, post_id: str | None, scheduled_id: str | None) -> dict[str, Any]:
    """Status200Ids. status_url points at this sandbox, which is the service being emulated."""
    target = post_id or scheduled_id
    return {
        "post_id": post_id,
        "scheduled_post_id": scheduled_id,
        "status_url": f"{base_url}{STATUS_URL_PATH}{target}",
    }


class Refusal(Exception):
    """A refusal of the posts engine; `answer(shape)` writes it for one address."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        extras: Mapping[str, Any] | None = None,
        retry_after: int | None = None,
        status200: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extras = dict(extras or {})
        self.retry_after = retry_after
        self.status200 = dict(status200) if status200 else None

    def error_object(self) -> dict[str, Any]:
        error: dict[str, Any] = {}
        if self.code is not None:
            error["code"] = self.code
        error["message"] = self.message
        error.update(self.extras)
        if self.retry_after is not None and "retry_after_seconds" not in error:
            error["retry_after_seconds"] = self.retry_after
        return error

    def answer(self) -> Answer:
        body: dict[str, Any] = {"error": self.error_object()}
        if self.status200 is not None:
            body["status200"] = self.status200
        return json_answer(self.status, body, *retry_after_headers(self.retry_after))


def error_answer(
    status: int, code: str, message: str, *headers: tuple[str, str], **extras: Any
) -> Answer:
    """An ErrorResponse ({"error": {"code", "message", ...}})."""
    return json_answer(status, {"error": {"code": code, "message": message, **extras}}, *headers)


def read_error(status: int, code: str, message: str, **extras: Any) -> Answer:
    """An error of a read: it carries Cache-Control like every read answer."""
    retry = extras.get("retry_after_seconds")
    headers = (CACHE_CONTROL, *retry_after_headers(retry if status == 429 else None))
    return error_answer(status, code, message, *headers, **extras)


def read_ok(value: Any) -> Answer:
    return json_answer(200, value, CACHE_CONTROL, VARY)


def media_error(status: int, sentence: str, *headers: tuple[str, str], **extras: Any) -> Answer:
    """The media endpoints' MediaError shape: {"error": "sentence", "code"?, ...}."""
    return json_answer(status, {"error": sentence, **extras}, *headers)


def gateway_timeout() -> Answer:
    """A gateway's page when the function behind it did not answer in time: not JSON."""
    page = (
        b"<!DOCTYPE html><html><head><title>504 Gateway Timeout</title></head>"
        b"<body><h1>504 Gateway Timeout</h1>"
        b"<p>The function did not answer in time.</p></body></html>"
    )
    return Answer(504, page, (), "text/html")


def read_api_key(headers: Mapping[str, str]) -> str | None:
    """The key of `Authorization: Bearer rl_...` ("Bearer" in any capital letters), or None."""
    value = headers.get("authorization", "").strip()
    scheme, _, key = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    key = key.strip()
    return key or None
