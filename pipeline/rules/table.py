"""The platform rules table: one row per platform and post type, with the source of each number.

Networks change their limits, so the table is data, overridable per project in `pipeline.yaml`:

    rules:
      instagram:            # every post type of the platform
        text_max: 2000
      instagram.reel:       # one post type
        video_max_s: 90

`docs/rules.md` is generated from this table (`python -m pipeline.rules.docs`), so it never drifts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TextCount = Literal["chars", "x-weighted", "utf8-bytes"]

MB = 1024 * 1024
GB = 1024 * MB

API = "Status 200 OpenAPI 2026-09-28"
IMPORT = f"{API}, POST /media (images 20 MB, videos 5 GB)"


@dataclass(frozen=True, slots=True)
class Limits:
    """What one platform (and post type) accepts. None means "no limit of ours"."""

    platform: str
    post_type: str = "*"
    text_max: int | None = None
    text_count: TextCount = "chars"
    hashtags_max: int | None = None
    title_required: bool = False
    title_max: int | None = None
    title_cut: bool = False  # the API shortens an over-long title instead of refusing it
    media_required: bool = False
    media_min: int = 0
    media_max: int | None = None
    images_max: int | None = None
    videos_max: int | None = None
    mixed_media: bool = True
    kinds: frozenset[str] = frozenset({"image", "video"})
    image_max_bytes: int = 20 * MB
    video_max_bytes: int = 5 * GB
    video_min_s: float | None = None
    video_max_s: float | None = None
    aspect_min: float | None = None  # width / height
    aspect_max: float | None = None
    required_options: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        return self.platform if self.post_type == "*" else f"{self.platform}.{self.post_type}"


_IG = "Instagram Graph API, content publishing"
_IG_TEXT = {"text_max": f"{_IG}: caption 2,200 characters", "hashtags_max": f"{_IG}: 30 hashtags"}
_IG_ASPECT = f"{_IG}: aspect ratio 4:5 to 1.91:1"
_FB_TEXT = {"text_max": "Facebook: 63,206 characters per post"}
_TT = "TikTok Content Posting API"

ROWS: tuple[Limits, ...] = (
    Limits(
        "x",
        text_max=280,
        text_count="x-weighted",
        media_max=4,
        images_max=4,
        videos_max=1,
        mixed_media=False,
        image_max_bytes=5 * MB,
        video_max_bytes=512 * MB,
        video_max_s=140,
        sources={
            "text_max": "twitter-text v3 (280 weighted units)",
            "media_max": "X API media upload: up to 4 images or 1 video",
            "image_max_bytes": "X API media best practices: images 5 MB",
            "video_max_bytes": "X API media best practices: videos 512 MB",
            "video_max_s": "X API media best practices: 0.5-140 s",
        },
    ),
    Limits(
        "instagram",
        "feed_image",
        text_max=2200,
        hashtags_max=30,
        media_required=True,
        media_min=1,
        media_max=1,
        kinds=frozenset({"image"}),
        image_max_bytes=8 * MB,
        aspect_min=0.8,
        aspect_max=1.91,
        sources={
            **_IG_TEXT,
            "image_max_bytes": f"{_IG}: images 8 MB",
            "aspect_min": _IG_ASPECT,
        },
    ),
    Limits(
        "instagram",
        "reel",
        text_max=2200,
        hashtags_max=30,
        media_required=True,
        media_min=1,
        media_max=1,
        kinds=frozenset({"video"}),
        video_min_s=3,
        video_max_s=900,
        video_max_bytes=300 * MB,
        sources={
            **_IG_TEXT,
            "video_min_s": f"{_IG}: reels 3 s to 15 min",
            "video_max_bytes": f"{_IG}: reels 300 MB",
        },
    ),
    Limits(
        "instagram",
        "story",
        text_max=2200,
        hashtags_max=30,
        media_required=True,
        media_min=1,
        media_max=1,
        image_max_bytes=8 * MB,
        video_max_s=60,
        sources={**_IG_TEXT, "video_max_s": f"{_IG}: stories up to 60 s"},
    ),
    Limits(
        "instagram",
        "carousel",
        text_max=2200,
        hashtags_max=30,
        media_required=True,
        media_min=2,
        media_max=10,
        image_max_bytes=8 * MB,
        aspect_min=0.8,
        aspect_max=1.91,
        sources={
            **_IG_TEXT,
            "media_min": f"{_IG}: carousels of 2-10 items",
            "aspect_min": _IG_ASPECT,
        },
    ),
    Limits("facebook", "text", text_max=63206, media_max=0, sources=_FB_TEXT),
    Limits(
        "facebook",
        "photo",
        text_max=63206,
        media_min=1,
        kinds=frozenset({"image"}),
        sources=_FB_TEXT,
    ),
    Limits(
        "facebook",
        "video",
        text_max=63206,
        media_min=1,
        media_max=1,
        kinds=frozenset({"video"}),
        sources=_FB_TEXT,
    ),
    Limits(
        "facebook",
        "reel",
        text_max=63206,
        media_min=1,
        media_max=1,
        kinds=frozenset({"video"}),
        video_min_s=3,
        video_max_s=90,
        sources={**_FB_TEXT, "video_min_s": "Facebook Reels Publishing API: 3-90 s"},
    ),
    Limits(
        "youtube",
        text_max=5000,
        text_count="utf8-bytes",
        title_max=100,
        title_cut=True,
        media_required=True,
        media_min=1,
        media_max=1,
        kinds=frozenset({"video"}),
        sources={
            "text_max": f"{API}, YouTubeOptions.description: 5,000 bytes",
            "title_max": f"{API}, YouTubeOptions.title: 100 characters, cut at a word end",
            "media_min": "YouTube Data API: one video per upload",
        },
    ),
    Limits(
        "tiktok",
        "video",
        text_max=2200,
        media_required=True,
        media_min=1,
        media_max=1,
        mixed_media=False,
        kinds=frozenset({"video"}),
        video_min_s=3,
        video_max_s=600,
        video_max_bytes=4 * GB,
        sources={
            "text_max": f"{API}, TikTokOptions.title: video caption 2,200 characters",
            "video_min_s": f"{_TT}: videos 3 s to 10 min",
            "video_max_bytes": f"{_TT}: videos up to 4 GB",
        },
    ),
    Limits(
        "tiktok",
        "photo",
        text_max=4000,
        title_max=90,
        title_cut=True,
        media_required=True,
        media_min=1,
        media_max=35,
        mixed_media=False,
        kinds=frozenset({"image"}),
        sources={
            "text_max": f"{API}, TikTokOptions.description: photo description 4,000 characters",
            "title_max": f"{API}, TikTokOptions.title: photo title 90 characters",
            "media_max": f"{_TT}: up to 35 photos",
        },
    ),
    Limits(
        "linkedin",
        text_max=3000,
        media_max=20,
        images_max=20,
        videos_max=1,
        mixed_media=False,
        sources={
            "text_max": "LinkedIn Posts API: commentary 3,000 characters",
            "media_max": "LinkedIn MultiImage API: up to 20 images; a video is the only item",
        },
    ),
    Limits(
        "pinterest",
        text_max=800,
        title_max=100,
        title_cut=True,
        media_required=True,
        media_min=1,
        media_max=1,
        kinds=frozenset({"image"}),
        required_options=("boardId",),
        sources={
            "text_max": f"{API}, PinterestOptions.description: 800 characters",
            "title_max": f"{API}, PinterestOptions.title: cut to 100 characters",
            "required_options": f"{API}: 400 pinterest_board_required",
        },
    ),
    Limits(
        "threads",
        text_max=500,
        media_max=20,
        sources={"text_max": f"{API}, ThreadsOptions: 500 characters and 20 files"},
    ),
    Limits(
        "skool",
        title_required=True,
        required_options=("group",),
        sources={"required_options": f"{API}, SkoolOptions: group and title required"},
    ),
)

#: Options that only some post types read (the rest are accepted, so no diagnostic is needed).
PINTEREST_LINK_MAX = 2048
YOUTUBE_TAGS_MAX = 500
INSTAGRAM_TYPES = ("feed_image", "reel", "story", "carousel")

_FIELDS = {f.name for f in dataclasses.fields(Limits)} - {"platform", "post_type", "sources"}


class RulesTable:
    """Rows by platform and post type, with project overrides applied once."""

    def __init__(self, rows: tuple[Limits, ...] = ROWS) -> None:
        self.rows = rows
        self._by_key = {r.key: r for r in rows}
        self._by_pair: dict[tuple[str, str], Limits] = {}

    def for_post(self, platform: str, post_type: str) -> Limits:
        found = self._by_pair.get((platform, post_type))
        if found is None:
            found = self._by_key.get(f"{platform}.{post_type}") or self._by_key[platform]
            self._by_pair[(platform, post_type)] = found
        return found

    def post_types(self, platform: str) -> list[str]:
        return [r.post_type for r in self.rows if r.platform == platform]

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> RulesTable:
        """Apply `pipeline.yaml`'s `rules:`; unknown keys raise ValueError with a clear message."""
        rows = []
        for row in self.rows:
            changes: dict[str, Any] = {}
            for key in (row.platform, row.key):
                for name, value in (overrides.get(key) or {}).items():
                    changes[name] = value
            if changes:
                sources = dict(row.sources)
                for name in changes:
                    sources[name] = "pipeline.yaml (project override)"
                row = dataclasses.replace(row, **changes, sources=sources)
            rows.append(row)
        return RulesTable(tuple(rows))

    @staticmethod
    def check_overrides(overrides: Mapping[str, Any], platforms: tuple[str, ...]) -> list[str]:
        """Problems in a `rules:` section, as sentences (empty when it is fine)."""
        problems = []
        known_keys = {r.key for r in ROWS} | set(platforms)
        for key, values in overrides.items():
            if key not in known_keys:
                problems.append(f"rules: unknown platform or post type {key!r}")
                continue
            if not isinstance(values, Mapping):
                problems.append(f"rules.{key}: expected a mapping of limit names to numbers")
                continue
            for name, value in values.items():
                if name not in _FIELDS:
                    problems.append(f"rules.{key}.{name}: unknown limit")
                elif not isinstance(value, int | float | bool | None):
                    problems.append(f"rules.{key}.{name}: expected a number, got {value!r}")
        return problems
