"""The clip server's answers and the post request, as frozen values that keep the raw JSON.

Shapes follow the clip server's social API page: `GET /api/status/{job_id}` answers
`{"status", "logs", "result": {"clips": [...]}}`, each clip a free-form object of AI fields
(`title`, `video_title_for_youtube_short`, `video_description_for_tiktok`, ...); only the fields
the caption fallbacks read are looked at, and `raw` keeps everything for reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pipeline.backends.clips.errors import ClipApiError, ClipUnexpectedAnswer

# The clip server's platforms are rules knowledge (validation checks them); named here too.
from pipeline.rules.clip_captions import CLIP_PLATFORMS as CLIP_PLATFORMS

URL_VARIABLE: Final = "CLIP_SERVER_URL"
KEY_VARIABLE: Final = "UPLOAD_POST_API_KEY"
#: The networks the clip server's Upload-Post proxy posts to.
#: Job statuses of a finished job (the server says "completed"; "finished"/"done" are tolerated).
FINISHED = frozenset({"completed", "finished", "done", "success", "succeeded"})


@dataclass(frozen=True, slots=True)
class Clip:
    index: int
    fields: Mapping[str, Any] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        """A non-blank text field of the clip, or None."""
        value = self.fields.get(name)
        return value if isinstance(value, str) and value.strip() else None

    @property
    def title(self) -> str | None:
        return self.text("title")


@dataclass(frozen=True, slots=True)
class ClipJob:
    job_id: str
    status: str
    clips: tuple[Clip, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        return self.status.lower() in FINISHED

    def clip(self, index: int) -> Clip | None:
        return self.clips[index] if 0 <= index < len(self.clips) else None

    @classmethod
    def from_json(cls, job_id: str, data: Any, *, status: int = 200) -> ClipJob:
        if not isinstance(data, Mapping) or not isinstance(data.get("status"), str):
            raise ClipUnexpectedAnswer(
                f"GET /api/status/{job_id}: the answer has no job status", status=status
            )
        result = data.get("result")
        raw_clips = result.get("clips") if isinstance(result, Mapping) else None
        clips: list[Clip] = []
        if isinstance(raw_clips, list):
            for i, item in enumerate(raw_clips):
                clips.append(Clip(i, dict(item) if isinstance(item, Mapping) else {}))
        return cls(job_id, data["status"], tuple(clips), dict(data))


@dataclass(frozen=True, slots=True)
class Profile:
    username: str
    connected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Profiles:
    profiles: tuple[Profile, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def get(self, username: str) -> Profile | None:
        return next((p for p in self.profiles if p.username == username), None)

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(p.username for p in self.profiles)

    @classmethod
    def from_json(cls, data: Any, *, status: int = 200) -> Profiles:
        items = data.get("profiles") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise ClipUnexpectedAnswer("GET /api/social/user: no profiles list", status=status)
        profiles = []
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("username"), str):
                continue
            connected = item.get("connected")
            names = [str(c).lower() for c in connected] if isinstance(connected, list) else []
            profiles.append(Profile(item["username"], tuple(names)))
        return cls(tuple(profiles), dict(data))


@dataclass(frozen=True, slots=True)
class ClipPostRequest:
    """One POST /api/social/post, without the key (the client adds it to the body it sends).

    `scheduled_date` is a local ISO time without offset (2026-03-15T14:30:00) in `timezone` (an
    IANA name); both None posts at once. `title`/`description` are None to let the clip server
    use the clip's AI title and per-platform descriptions.
    """

    job_id: str
    clip_index: int
    user_id: str
    platforms: tuple[str, ...]
    title: str | None = None
    description: str | None = None
    scheduled_date: str | None = None
    timezone: str | None = None

    def summary(self) -> dict[str, Any]:
        """The body without api_key: what the ledger records as the request."""
        body: dict[str, Any] = {
            "job_id": self.job_id,
            "clip_index": self.clip_index,
            "user_id": self.user_id,
            "platforms": list(self.platforms),
        }
        for name in ("title", "description", "scheduled_date", "timezone"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body

    def body(self, api_key: str) -> dict[str, Any]:
        return {**self.summary(), "api_key": api_key}


def is_clip_request(request: Mapping[str, Any]) -> bool:
    """Whether a ledger request summary is a clip post's (the main API's body has "post")."""
    return "job_id" in request and "clip_index" in request and "post" not in request


@dataclass(frozen=True, slots=True)
class ClipPostAccepted:
    """The answer to a post: the upload started (asynchronously; there is no status endpoint)."""

    upload_id: str | None
    status: str
    platforms: tuple[str, ...]
    message: str | None
    http_status: int
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any, requested: Sequence[str], *, status: int) -> ClipPostAccepted:
        if not isinstance(data, Mapping):
            raise ClipUnexpectedAnswer(
                "POST /api/social/post: the answer is not an object", status=status
            )
        if data.get("success") is False:
            message = data.get("message") or data.get("error") or data.get("detail")
            text = " ".join(str(message).split())[:300] if message else "no reason given"
            error = ClipApiError(
                f"POST /api/social/post: Upload-Post answered success: false ({text})",
                status=status,
                detail=text,
            )
            error.code = "rejected"
            raise error
        upload = data.get("uploadId", data.get("upload_id"))
        platforms = data.get("platforms")
        return cls(
            upload_id=str(upload) if upload not in (None, "") else None,
            status=str(data.get("status") or "submitted"),
            platforms=(
                tuple(str(p).lower() for p in platforms)
                if isinstance(platforms, list)
                else tuple(requested)
            ),
            message=data.get("message") if isinstance(data.get("message"), str) else None,
            http_status=status,
            raw=dict(data),
        )
