"""The clip server's social API, served by the sandbox beside the Status 200 API.

    POST /api/social/post        start an upload of one clip to several networks (asynchronous)
    GET  /api/social/user        the Upload-Post profiles of a key (X-Upload-Post-Key header)
    GET  /api/status/{job_id}    a processing job, its status and clips

The page's error table is followed: 404 job or video not found, 400 result not available or
missing fields, 401 invalid key, 500 Upload-Post API error; errors are FastAPI's
`{"detail": ...}` (422 with a list for a malformed body). Upload-Post's own refusals (an unknown
profile, a network not connected) come back as the clip server relays them: 500 whose detail
begins with Upload-Post's status ("400: Vendor API Error: ..."). Uploads are recorded (admin
`GET /_sandbox/clips`) and counted per network (`clip_posts`) and per profile (`clip_uploads`);
there is no endpoint that lists them, as on the real service.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.sandbox.answers import Answer, json_answer
from pipeline.sandbox.clipconfig import CLIP_NETWORKS, ClipJobConfig
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.routes import Route

POST = "POST /api/social/post"
USER = "GET /api/social/user"
STATUS = "GET /api/status/{job_id}"
ENDPOINTS = (POST, USER, STATUS)
RECORDS = "clip_posts"  # state.meta key: every upload, oldest first (kept with --state)


def _detail(status: int, detail: Any, *headers: tuple[str, str]) -> Answer:
    return json_answer(status, {"detail": detail}, *headers)


def _fixed(answer: Answer) -> Callable[[Ctx], Awaitable[Answer]]:
    async def handler(ctx: Ctx) -> Answer:
        return answer

    return handler


def clip_fault(action: str, retry_after: int) -> Answer:
    """An injected 500, 502 or 503 in the clip server's shape (nothing was done)."""
    if action == "error_500":
        return _detail(
            500, "Upload-Post API error: 500 Internal Server Error (sandbox fault injection)"
        )
    if action == "error_502":
        return _detail(502, "Bad Gateway")
    return _detail(503, "Service Unavailable", ("retry-after", str(retry_after)))


def _job_json(job: ClipJobConfig) -> dict[str, Any]:
    result = None
    if job.clips:
        clips = [
            {**clip, "video_url": f"/videos/{job.id}/clip_{i + 1}.mp4"}
            for i, clip in enumerate(job.clips)
        ]
        result = {"clips": clips, "cost_analysis": None}
    logs = [f"Job {job.id} queued."]
    if job.status != "queued":
        logs.append("Job started by worker.")
    if job.status == "completed":
        logs.append("Process finished successfully.")
    elif job.status == "failed":
        logs.append("Process failed with exit code 1")
    return {
        "status": job.status,
        "logs": logs,
        "result": result if job.status != "failed" else None,
    }


def _field_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """FastAPI's 422 items for fields of the wrong type (missing ones are the page's 400)."""
    errors = []
    if not isinstance(body.get("job_id"), str):
        errors.append({"loc": ["body", "job_id"], "msg": "Field required", "type": "missing"})
    index = body.get("clip_index")
    if not isinstance(index, int) or isinstance(index, bool):
        errors.append(
            {"loc": ["body", "clip_index"], "msg": "Input should be a valid integer", "type": "int"}
        )
    for name in ("title", "description", "scheduled_date", "timezone"):
        if body.get(name) is not None and not isinstance(body[name], str):
            errors.append({"loc": ["body", name], "msg": "Input should be a valid string"})
    platforms = body.get("platforms")
    if platforms is not None and not (
        isinstance(platforms, list) and all(isinstance(p, str) for p in platforms)
    ):
        errors.append({"loc": ["body", "platforms"], "msg": "Input should be a valid list"})
    return errors


def _vendor_refusal(message: str) -> Answer:
    vendor = json.dumps({"success": False, "message": message})
    return _detail(500, f"400: Vendor API Error: {vendor}")


def _schedule_problem(body: dict[str, Any]) -> str | None:
    when, zone = body.get("scheduled_date"), body.get("timezone")
    if when is not None:
        try:
            datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return f"scheduled_date {when!r} is not ISO-8601"
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"timezone {zone!r} is not an IANA time zone"
    return None


class ClipApi:
    """The three endpoints over one Sandbox (its config's `clips:` section)."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    def route(self, method: str, path: str) -> Route | None:
        trimmed = path.rstrip("/")
        not_allowed = Route("", _fixed(_detail(405, "Method Not Allowed")), "clips")
        if trimmed == "/api/social/post":
            return Route(POST, self._post, "clips") if method == "POST" else not_allowed
        if trimmed == "/api/social/user":
            return Route(USER, self._user, "clips") if method == "GET" else not_allowed
        if trimmed.startswith("/api/status/") and trimmed.count("/") == 3:
            job_id = trimmed.rsplit("/", 1)[1]
            if method != "GET":
                return not_allowed
            return Route(STATUS, lambda ctx: self._status(job_id), "clips")
        return None

    async def _status(self, job_id: str) -> Answer:
        job = self.sb.config.clips.job(unquote(job_id))
        if job is None:
            return _detail(404, "Job not found")
        return json_answer(200, _job_json(job))

    async def _user(self, ctx: Ctx) -> Answer:
        key = ctx.headers.get("x-upload-post-key", "").strip()
        clips = self.sb.config.clips
        if not key:
            return _detail(400, "Missing X-Upload-Post-Key header")
        if key not in clips.keys:
            return _detail(401, "Invalid Upload-Post API key")
        profiles = [
            {"username": p.username, "connected": list(p.connected)} for p in clips.profiles
        ]
        return json_answer(200, {"profiles": profiles})

    async def _post(self, ctx: Ctx) -> Answer:
        try:
            body = json.loads(ctx.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _detail(422, [{"loc": ["body"], "msg": "Input should be a valid dictionary"}])
        errors = _field_errors(body)
        if errors:
            return _detail(422, errors)
        missing = [name for name in ("api_key", "user_id", "platforms") if not body.get(name)]
        if missing:
            return _detail(400, f"Missing required fields: {', '.join(missing)}")
        clips = self.sb.config.clips
        job = clips.job(body["job_id"])
        if job is None:
            return _detail(404, "Job not found")
        if not job.has_result:
            return _detail(400, "Job result not available")
        index = body["clip_index"]
        if not 0 <= index < len(job.clips) or index in job.missing_videos:
            return _detail(404, f"Video file not found: output/{job.id}/clip_{index + 1}.mp4")
        if body["api_key"] not in clips.keys:
            return _detail(401, "Invalid Upload-Post API key")
        problem = _schedule_problem(body)
        if problem:
            return _vendor_refusal(problem)
        profile = clips.profile(str(body["user_id"]))
        if profile is None:
            return _vendor_refusal(f"Profile {body['user_id']!r} not found")
        platforms = list(dict.fromkeys(str(p).lower() for p in body["platforms"]))
        for platform in platforms:
            if platform not in CLIP_NETWORKS:
                return _vendor_refusal(f"Unsupported platform {platform!r}")
            if platform not in profile.connected:
                return _vendor_refusal(
                    f"{platform} is not connected to profile {profile.username!r}"
                )
        return self._record(body, platforms)

    def _record(self, body: dict[str, Any], platforms: list[str]) -> Answer:
        sb = self.sb
        upload_id = f"up_{sb.ids.hex(20)}"
        status = "queued" if body.get("scheduled_date") else "processing"
        record = {
            "upload_id": upload_id,
            "status": status,
            "job_id": body["job_id"],
            "clip_index": body["clip_index"],
            "user_id": body["user_id"],
            "platforms": platforms,
            **{k: body.get(k) for k in ("title", "description", "scheduled_date", "timezone")},
            "received_at": sb.now_iso(),
        }
        sb.state.set_meta(RECORDS, [*sb.state.meta.get(RECORDS, []), record])
        for platform in platforms:
            sb.state.count(f"clip_posts|{platform}")
        sb.state.count(f"clip_uploads|{body['user_id']}")
        return json_answer(
            200,
            {
                "success": True,
                "uploadId": upload_id,
                "status": status,
                "platforms": platforms,
                "message": "Video upload initiated",
            },
        )


def clip_posts(sb: Sandbox) -> list[dict[str, Any]]:
    """Every upload the clip server accepted, oldest first (the admin listing)."""
    return list(sb.state.meta.get(RECORDS, []))
