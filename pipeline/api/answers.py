"""One HTTP answer in, its JSON body or the project's exception out.

This is where the retry table meets the wire: an answer that is not a JSON object is `not_json`,
a JSON answer is ruled by its code, then its status class (`retry_table.rule_for`), and a failure
becomes the matching class of `errors.py`. Everything that goes into an exception passes through
`Secret.redact` first, so an answer that echoes the key cannot leak it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from pipeline.api._json import Json, obj
from pipeline.api.errors import NotJsonAnswer, error_class_for
from pipeline.api.retry_table import RetryRule, rule_for
from pipeline.api.settings import Secret
from pipeline.api.types import Status200Ids


def json_object(response: httpx.Response) -> Json | None:
    """The body as a JSON object, or None for anything else (a gateway page, an empty body)."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return obj(body) if isinstance(body, Mapping) else None


def code_of(body: Json) -> str | None:
    """The API's code: `error.code` (v2, older, import budget), else a top-level `code` (media
    errors, and the 202 answers)."""
    error = body.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("code"), str):
        return str(error["code"])
    code = body.get("code")
    return code if isinstance(code, str) else None


def message_of(body: Json, status: int) -> str:
    """The API's sentence: `error.message`, the media shape's `error` string, or `message`."""
    error = body.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    message = body.get("message")
    return message if isinstance(message, str) else f"HTTP {status} without a message"


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def retry_after(
    response: httpx.Response, body: Json, *, wall_clock: Callable[[], float]
) -> float | None:
    """The wait an answer asks for: the Retry-After header (seconds, or an HTTP date measured
    from the answer's own Date header when it has one, else from `wall_clock`), else
    `error.retry_after_seconds`, else a top-level `retry_after_seconds` (the media shape).

    When both say a number, the smaller wins: the header can only say whole seconds, and a body
    that says less is the finer figure (pacing learns its offset from it; the API sends both
    equal, rounded up)."""
    in_body = _body_seconds(body)
    header = response.headers.get("retry-after", "").strip()
    if header:
        try:
            seconds = _seconds(float(header))
        except ValueError:
            seconds = _from_http_date(header, response.headers.get("date"), wall_clock)
        if seconds is not None:
            return seconds if in_body is None else min(seconds, in_body)
    return in_body


def _body_seconds(body: Json) -> float | None:
    error = body.get("error")
    if isinstance(error, Mapping):
        seconds = _seconds(error.get("retry_after_seconds"))
        if seconds is not None:
            return seconds
    return _seconds(body.get("retry_after_seconds"))


def _from_http_date(value: str, date: str | None, wall_clock: Callable[[], float]) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = wall_clock()
    if date:
        with contextlib.suppress(TypeError, ValueError):
            now = parsedate_to_datetime(date).timestamp()
    return max(0.0, when.timestamp() - now)


def redact_json(value: Any, secret: Secret) -> Any:
    """A deep copy of a JSON value with the secret removed from every string."""
    if isinstance(value, str):
        return secret.redact(value)
    if isinstance(value, Mapping):
        return {secret.redact(str(k)): redact_json(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, secret) for v in value]
    return value


def replayed(response: httpx.Response) -> bool:
    return str(response.headers.get("idempotent-replayed", "")).strip().lower() == "true"


def check_answer(
    response: httpx.Response,
    *,
    secret: Secret,
    request: str,
    wall_clock: Callable[[], float],
) -> Json:
    """The JSON body of an answer the table calls success; raises the mapped error otherwise."""
    status = response.status_code
    body = json_object(response)
    if body is None:
        content_type = response.headers.get("content-type")
        snippet = " ".join(response.content[:160].decode("utf-8", "replace").split())
        raise NotJsonAnswer(
            secret.redact(f"HTTP {status} answer is not JSON ({request}): {snippet!r}"),
            status=status,
            content_type=content_type,
        )
    if secret.reveal().encode() in response.content:  # an answer that echoes the key
        body = obj(redact_json(body, secret))
    code = code_of(body)
    rule = rule_for(status, code, is_json=True)
    if rule is RetryRule.NOT_A_FAILURE:
        return body
    error_class = error_class_for(rule, status, code)
    raise error_class(
        status=status,
        code=code,
        message=secret.redact(message_of(body, status)),
        body=body,
        retry_after_seconds=retry_after(response, body, wall_clock=wall_clock),
        ids=Status200Ids.from_body(body),
        replayed=replayed(response),
        request=request,
    )
