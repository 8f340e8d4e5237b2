"""Error answers of the clip server -> the exception that says what to do next.

The page's table: 404 job or video not found, 400 result not available or missing fields, 401
invalid key, 500 Upload-Post API error. The server is a FastAPI app, so errors come as
`{"detail": "..."}` (422 with a list of field errors for a malformed body), and a handler that
wraps everything in `except Exception` may turn an inner 404 or 401 into a 500 whose detail begins
with the inner status ("401: Vendor API Error: ..."): that status is read back, so a refused key is
never resent as if the service had failed.
"""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from pipeline.backends.clips.errors import (
    ClipApiError,
    ClipBadRequest,
    ClipJobNotFound,
    ClipNoAnswer,
    ClipNotReady,
    ClipServerError,
    ClipUnauthorized,
    ClipUpstreamError,
    ClipVideoNotFound,
)

_WRAPPED = re.compile(r"^\s*(\d{3})\s*:\s*(.*)$", re.DOTALL)
#: Words in a 500's detail meaning the clip server lost its own request to Upload-Post midway.
_LOST_UPSTREAM = ("timed out", "timeout", "disconnected", "connection reset", "remoteprotocol")
_MAX_DETAIL = 500


def detail_of(response: httpx.Response) -> tuple[str, bool]:
    """The answer's detail as one line of text, and whether the answer was JSON at all."""
    try:
        data: Any = json.loads(response.content)
    except ValueError:
        text = re.sub(r"<[^>]+>", " ", response.text)
        return " ".join(text.split())[:_MAX_DETAIL], False
    detail = (
        data.get("detail", data.get("error", data.get("message")))
        if isinstance(data, dict)
        else data
    )
    if isinstance(detail, list):  # FastAPI's 422: [{"loc": [...], "msg": "...", ...}]
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{where}: {item.get('msg', '')}".strip(": "))
            else:
                parts.append(str(item))
        detail = "; ".join(parts)
    text = detail if isinstance(detail, str) else json.dumps(detail)
    return " ".join(text.split())[:_MAX_DETAIL], True


def retry_after_of(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), or None."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    date = response.headers.get("date")
    now = parsedate_to_datetime(date) if date else None
    return max(0.0, (when - now).total_seconds()) if now else None


def _client_error(what: str, status: int, detail: str, *, relayed: bool = False) -> ClipApiError:
    """`relayed`: Upload-Post's refusal, passed on by the clip server inside a 500."""
    lowered = detail.lower()
    shown = f" ({detail})" if detail else ""
    head = f"{what}: {status}" + (" (Upload-Post's answer, relayed in a 500)" if relayed else "")
    if status == 401:
        return ClipUnauthorized(
            f"{head} the Upload-Post API key was refused (UPLOAD_POST_API_KEY){shown}",
            status=status,
            detail=detail,
        )
    if status == 404:
        if any(w in lowered for w in ("video", "clip", "file", "index out of range")):
            return ClipVideoNotFound(
                f"{head} the clip's video file was not found on the clip server{shown}",
                status=status,
                detail=detail,
            )
        if "job" in lowered:
            return ClipJobNotFound(
                f"{head} no such job on the clip server{shown}", status=status, detail=detail
            )
        error = ClipApiError(
            f"{head} not served here: is CLIP_SERVER_URL the clip server?{shown}",
            status=status,
            detail=detail,
        )
        error.code = "not_found"
        return error
    if status == 400 and any(w in lowered for w in ("not available", "processing", "not ready")):
        return ClipNotReady(
            f"{head} the job has no result yet (still processing, or failed){shown}",
            status=status,
            detail=detail,
        )
    missing = status == 422 or "missing" in lowered or "required" in lowered
    error = ClipBadRequest(
        f"{head} "
        + ("missing or malformed fields" if missing else "the request was refused")
        + shown,
        status=status,
        detail=detail,
    )
    error.code = "missing_fields" if missing else "bad_request"
    return error


def error_for(what: str, response: httpx.Response, *, write: bool) -> ClipServerError:
    """The exception for an error answer. `write` (a post) turns "maybe done" into ClipNoAnswer."""
    status = response.status_code
    detail, was_json = detail_of(response)
    if status < 500:
        if status == 404 and not was_json:
            detail = detail or "Not Found"
        return _client_error(what, status, detail)
    wrapped = _WRAPPED.match(detail)
    if status == 500 and wrapped and 400 <= int(wrapped.group(1)) < 500:
        return _client_error(what, int(wrapped.group(1)), wrapped.group(2).strip(), relayed=True)
    if status == 500 and "index out of range" in detail.lower():
        return _client_error(what, 404, f"clip index out of range ({detail})")
    if write and (not was_json or status in (502, 504)):
        return ClipNoAnswer(
            f"{what}: {status} from a gateway, not the clip server's own answer; the upload may "
            f"or may not have started ({detail[:120]})"
        )
    lost = status == 500 and any(w in detail.lower() for w in _LOST_UPSTREAM)
    if lost and write:
        return ClipUpstreamError(
            f"{what}: 500 the clip server lost its connection to Upload-Post; the upload may "
            f"have gone through, so it is not resent ({detail})",
            status=status,
            detail=detail,
            retryable=False,
        )
    return ClipUpstreamError(
        f"{what}: {status} Upload-Post API error ({detail or 'no details'})",
        status=status,
        detail=detail,
        retry_after=retry_after_of(response),
    )
