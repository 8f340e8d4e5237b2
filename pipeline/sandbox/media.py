"""POST /media (import a file from a URL) and GET /media?file_id= (follow it), both addresses.

Loopback URLs are really fetched (so a demo can serve files from a local static server) and their
type is read from the content's first bytes (JPEG, PNG, WebP, MP4, MOV, WebM). Other hosts cannot
be reached from a sandbox: their files are accepted by extension with a stand-in size (the config's
stand_in_size, or a `sandbox_size=N` query parameter on the URL to rehearse a large file). Unlike
the real service, loopback URLs on any port are allowed: the real one refuses them as blocked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from pipeline.sandbox.answers import (
    Answer,
    json_answer,
    media_error,
    read_api_key,
    retry_after_headers,
)
from pipeline.sandbox.clients import async_client
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.idempotency import KeyInvalid, body_hash, normalize_key, scope_for
from pipeline.sandbox.ids import is_uuid
from pipeline.sandbox.networks import kind_from_url
from pipeline.sandbox.records import MediaRecord

IMAGE_MAX = 20 * 1024 * 1024
VIDEO_MAX = 5 * 1024 * 1024 * 1024
ANSWER_WITHIN = 22.0
SNIFF_BYTES = 64
FETCH_TIMEOUT = 8.0


def sniff(head: bytes) -> str | None:
    """The MIME type from a file's first bytes, for the six formats the API takes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video/quicktime"
    return None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ImportRefused(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


def _unauthorized() -> Answer:
    return media_error(401, "Missing or invalid Authorization header")


async def import_media(sb: Sandbox, ctx: Ctx) -> Answer:
    account = sb.account_for_key(read_api_key(ctx.headers))
    if account is None:
        return _unauthorized()
    try:
        body = json.loads(ctx.body)
    except (ValueError, UnicodeDecodeError):
        return media_error(400, "Invalid JSON body")
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.strip():
        return media_error(400, "URL is required")
    try:
        key = normalize_key(ctx.headers.get("idempotency-key"))
    except KeyInvalid as exc:
        return media_error(400, str(exc), code="idempotency_key_invalid")
    scope = scope_for("media", read_api_key(ctx.headers) or "")
    if key is not None:
        begun = sb.idempotency.begin(scope, key, body_hash(ctx.body))
        if begun.kind == "replay" and begun.answer is not None:
            return begun.answer
        if begun.kind == "reused":
            return media_error(
                422,
                "This Idempotency-Key was used for another body in the last 24 hours.",
                code="idempotency_key_reused",
                first_used_at=begun.started_at,
            )
        if begun.kind == "in_progress":
            wait = sb.clock.wait_header(begun.retry_after)
            return media_error(
                409,
                "The first import with this Idempotency-Key is still running.",
                *retry_after_headers(wait),
                code="idempotency_in_progress",
                retry_after_seconds=wait,
                started_at=begun.started_at,
            )
        if begun.kind == "outcome_unknown":
            return media_error(
                409,
                "The first import with this Idempotency-Key never answered.",
                code="idempotency_outcome_unknown",
                started_at=begun.started_at,
            )
    await ctx.pause()
    try:
        answer = await _import(sb, ctx, account.name, url.strip())
    except ImportRefused as refused:
        answer = refused.answer
    if key is not None and ctx.decision.action != "commit_then_die":
        keep = answer.status in (200, 202) or answer.status >= 500
        sb.idempotency.finish(scope, key, answer, keep=keep)
    return answer


async def _import(sb: Sandbox, ctx: Ctx, account: str, url: str) -> Answer:
    at = sb.throttles.moment(ctx.arrived)
    wait = sb.throttles.media_wait(account, at)
    if wait > 0:
        seconds = sb.clock.wait_header(wait)
        sb.state.count(f"throttled|{account}|media")
        return media_error(
            429,
            f"One import every 20 seconds: wait {seconds} s.",
            *retry_after_headers(seconds),
            code="rate_limited",
            retry_after_seconds=sb.throttles.retry_after_seconds(wait),
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return media_error(400, "The URL must be a public http or https URL.")
    if is_loopback(parts.hostname):
        mime, size = await _fetch(url)
    else:
        mime, size = _stand_in(sb, url, parts.hostname, parts.port, parts.query)
    limit = VIDEO_MAX if mime.startswith("video/") else IMAGE_MAX
    if size > limit:
        what = "Video larger than 5 GB" if mime.startswith("video/") else "Image larger than 20 MB"
        return media_error(413, f"{what}.", size=size)
    latency = sb.clock.scaled(sb.config.throttles.import_latency)
    if latency > 0 and at is None:  # stamped just before answering: after the import's time
        at = sb.clock.now() + latency  # the moment it is due, whenever the event loop wakes
        await asyncio.sleep(latency)
        latency = 0.0
    now = sb.clock.now()
    import_seconds = size / max(sb.config.import_bytes_per_second, 1)
    file_id = sb.ids.uuid()
    slow = import_seconds > ANSWER_WITHIN
    record = MediaRecord(
        file_id=file_id,
        account=account,
        url=url,
        type=mime,
        size=size,
        status="processing" if slow else "ready",
        created_at=now,
        ready_at=now + sb.clock.scaled(import_seconds),
    )
    sb.state.save(record)
    sb.throttles.note_media(account, at)
    sb.state.count(f"media_imports|{account}")
    if latency > 0:  # stamped on arrival: the import's time comes after
        await asyncio.sleep(latency)
    if slow:
        return json_answer(
            202,
            {
                "success": True,
                "file_id": file_id,
                "status": "processing",
                "message": "The import continues in the background: follow it "
                f"with GET /media?file_id={file_id}.",
                "size": size,
                "type": mime,
            },
        )
    await asyncio.sleep(min(sb.clock.scaled(import_seconds), ANSWER_WITHIN))
    return json_answer(
        200, {"success": True, "file_id": file_id, "size": size, "type": mime, "status": "ready"}
    )


def _stand_in(sb: Sandbox, url: str, host: str, port: int | None, query: str) -> tuple[str, int]:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if (address is not None and not address.is_global) or port not in (None, 80, 443):
        raise ImportRefused(
            media_error(
                400, "The URL is blocked: use a public http or https URL on port 80 or 443."
            )
        )
    item = kind_from_url(url)
    if item is None:
        raise ImportRefused(
            media_error(
                415, "The URL does not return an image or a video (JPG, PNG, WebP, MP4, MOV, WebM)."
            )
        )
    declared = parse_qs(query).get("sandbox_size")
    if declared and declared[0].isdigit():
        return item.type, int(declared[0])
    size = (
        sb.config.stand_in_video_bytes if item.kind == "video" else sb.config.stand_in_image_bytes
    )
    return item.type, size


async def _fetch(url: str) -> tuple[str, int]:
    """Downloads a loopback file, reading its type from its first bytes."""
    try:
        async with (
            async_client(FETCH_TIMEOUT) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise ImportRefused(
                    media_error(400, f"Failed to download file: HTTP {response.status_code}")
                )
            declared = response.headers.get("content-length")
            head, size = b"", 0
            mime: str | None = None
            async for chunk in response.aiter_bytes():
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                size += len(chunk)
                if mime is None and len(head) >= 16:
                    mime = sniff(head)
                    if mime is None:
                        raise ImportRefused(_not_media())
                    if declared and declared.isdigit():
                        _check_size(mime, int(declared))
                if mime is not None:
                    _check_size(mime, size)
    except httpx.HTTPError as exc:
        raise ImportRefused(
            media_error(400, f"Failed to download file: {type(exc).__name__}")
        ) from exc
    mime = mime or sniff(head)
    if mime is None:
        raise ImportRefused(_not_media())
    return mime, size


def _not_media() -> Answer:
    return media_error(
        415, "The URL does not return an image or a video (JPG, PNG, WebP, MP4, MOV, WebM)."
    )


def _check_size(mime: str, size: int) -> None:
    video = mime.startswith("video/")
    if size > (VIDEO_MAX if video else IMAGE_MAX):
        what = "Video larger than 5 GB" if video else "Image larger than 20 MB"
        raise ImportRefused(media_error(413, f"{what}.", size=size))


def media_status(sb: Sandbox, ctx: Ctx) -> Answer:
    account = sb.account_for_key(read_api_key(ctx.headers))
    if account is None:
        return _unauthorized()
    values = [v for k, v in ctx.query if k == "file_id"]
    if not values or not is_uuid(values[0].lower()):
        return media_error(400, "file_id is required (a UUID from POST /media).")
    record = sb.media(account, values[0])
    if record is None:
        return media_error(404, "No media with this file_id on your account.")
    record = sb.settle_media(record)
    body: dict[str, Any] = {
        "success": record.status == "ready",
        "file_id": record.file_id,
        "status": record.status,
        "size": record.size,
        "type": record.type,
        # The sandbox keeps no copy of the file: its stored copy is the source itself.
        "public_url": record.url if record.status == "ready" else None,
        "error": record.error,
    }
    if record.size is not None:
        progress = sb.media_progress(record)
        body["progress"] = progress
        body["bytes_uploaded"] = record.size * progress // 100
    return json_answer(200, body)
