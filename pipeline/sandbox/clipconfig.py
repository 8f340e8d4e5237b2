"""The `clips:` section of the sandbox config: the emulated clip server's keys, profiles and jobs.

With no `clips:` section the demo clip server applies: key `up_sandbox_demo`, profiles `acme`
and `demo` (TikTok, Instagram, YouTube) and `mybrand` (TikTok, Instagram), job
`550e8400-e29b-41d4-a716-446655440000` completed with 3 clips, one job still processing and one
failed. A `clips:` section replaces the demo wholly. Format: docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLIP_NETWORKS = ("tiktok", "instagram", "youtube")
JOB_STATUSES = ("queued", "processing", "completed", "failed")
DEMO_UPLOAD_POST_KEY = "up_sandbox_demo"
DEMO_JOB = "550e8400-e29b-41d4-a716-446655440000"
DEMO_PROCESSING_JOB = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
DEMO_FAILED_JOB = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"


class ClipConfigError(ValueError):
    """The `clips:` section cannot be used; the message names the place."""


@dataclass(frozen=True)
class ClipProfileConfig:
    username: str
    connected: tuple[str, ...]


@dataclass(frozen=True)
class ClipJobConfig:
    id: str
    status: str  # queued | processing | completed | failed
    clips: tuple[Mapping[str, Any], ...]  # each clip's JSON as GET /api/status shows it
    missing_videos: frozenset[int] = frozenset()  # clip indexes whose file is gone (404)

    @property
    def has_result(self) -> bool:
        return self.status == "completed" and bool(self.clips)


@dataclass(frozen=True)
class ClipsConfig:
    keys: tuple[str, ...] = field(repr=False)  # Upload-Post keys: never in a repr or a log
    profiles: tuple[ClipProfileConfig, ...] = ()
    jobs: tuple[ClipJobConfig, ...] = ()

    def job(self, job_id: str) -> ClipJobConfig | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def profile(self, username: str) -> ClipProfileConfig | None:
        return next((p for p in self.profiles if p.username == username), None)


DEMO_CLIPS: dict[str, Any] = {
    "keys": [DEMO_UPLOAD_POST_KEY],
    "profiles": [
        {"username": "acme", "connected": list(CLIP_NETWORKS)},
        {"username": "demo", "connected": list(CLIP_NETWORKS)},
        {"username": "mybrand", "connected": ["tiktok", "instagram"]},
    ],
    "jobs": [
        {
            "id": DEMO_JOB,
            "status": "completed",
            "clips": [
                {
                    "start": 12.3,
                    "end": 41.9,
                    "title": "The AI trick nobody talks about",
                    "video_title_for_youtube_short": "This AI Trick Changes Everything",
                    "video_description_for_tiktok": "Wait for the end... #ai #tech #viral",
                    "video_description_for_instagram": "The one AI habit that saves us hours. #ai",
                    "viral_hook_text": "Nobody tells you this",
                },
                {
                    "start": 95.0,
                    "end": 126.5,
                    "title": "Why most demos fail",
                    "video_title_for_youtube_short": "Why Demos Fail (in 30 Seconds)",
                    "video_description_for_tiktok": "Demos fail for one reason #startup",
                    "video_description_for_instagram": "Demos fail for one reason. #startup",
                },
                {
                    "start": 300.0,
                    "end": 329.0,
                    "title": "Ship it on Friday",
                    "tiktok_title": "Ship it on Friday? #devlife",
                    "description": "Shipping on a Friday, the honest version. #devlife",
                },
            ],
        },
        {"id": DEMO_PROCESSING_JOB, "status": "processing"},
        {"id": DEMO_FAILED_JOB, "status": "failed"},
    ],
}


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ClipConfigError(f"{where}: expected a mapping")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ClipConfigError(f"{where}: expected a list")
    return value


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ClipConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")


def _profile(raw: Any, where: str) -> ClipProfileConfig:
    data = _mapping(raw, where)
    _check_keys(data, {"username", "connected"}, where)
    username = str(data.get("username") or "").strip()
    if not username:
        raise ClipConfigError(f"{where}.username: required")
    connected = [str(n).lower() for n in _list(data.get("connected"), f"{where}.connected")]
    for name in connected:
        if name not in CLIP_NETWORKS:
            raise ClipConfigError(f"{where}.connected: {name!r} is not one of {CLIP_NETWORKS}")
    return ClipProfileConfig(username, tuple(dict.fromkeys(connected)))


def _job(raw: Any, where: str) -> ClipJobConfig:
    data = _mapping(raw, where)
    _check_keys(data, {"id", "status", "clips"}, where)
    job_id = str(data.get("id") or "").strip()
    if not job_id:
        raise ClipConfigError(f"{where}.id: required")
    status = str(data.get("status", "completed"))
    if status not in JOB_STATUSES:
        raise ClipConfigError(f"{where}.status: one of {', '.join(JOB_STATUSES)}")
    clips, missing = [], set()
    for i, item in enumerate(_list(data.get("clips"), f"{where}.clips")):
        clip = dict(_mapping(item, f"{where}.clips[{i}]"))
        if clip.pop("missing_video", False):
            missing.add(i)
        clips.append({str(k): v for k, v in clip.items()})
    return ClipJobConfig(job_id, status, tuple(clips), frozenset(missing))


def load_clips(raw: Any) -> ClipsConfig:
    """The `clips:` section (None: the demo clip server)."""
    data = _mapping(DEMO_CLIPS if raw is None else raw, "clips")
    _check_keys(data, {"keys", "profiles", "jobs"}, "clips")
    keys = tuple(str(k) for k in _list(data.get("keys"), "clips.keys"))
    if any(not k or not k.isascii() or not k.isprintable() or " " in k for k in keys):
        raise ClipConfigError("clips.keys: a key is printable ASCII without spaces")
    profiles = tuple(
        _profile(p, f"clips.profiles[{i}]")
        for i, p in enumerate(_list(data.get("profiles"), "clips.profiles"))
    )
    jobs = tuple(
        _job(j, f"clips.jobs[{i}]") for i, j in enumerate(_list(data.get("jobs"), "clips.jobs"))
    )
    if len({p.username for p in profiles}) != len(profiles):
        raise ClipConfigError("clips.profiles: two profiles have the same username")
    if len({j.id for j in jobs}) != len(jobs):
        raise ClipConfigError("clips.jobs: two jobs have the same id")
    return ClipsConfig(keys, profiles, jobs)


def demo_clips() -> ClipsConfig:
    return load_clips(None)
