"""What the checks look at: one entry on one platform, with everything derived once.

Checks are small functions over a `PostView`; deriving the caption the API will really use,
the post type and the media facts here keeps every check a few lines long and the same rule
from being computed twice.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from pipeline.model import MAX_AHEAD_DAYS, SCHEDULE_NOW_WITHIN_S, Diagnostic, Entry, MediaRef
from pipeline.rules.codes import make
from pipeline.rules.table import Limits, RulesTable

_URL_KINDS = {
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".webp": "image",
    ".mp4": "video",
    ".mov": "video",
    ".webm": "video",
    ".m4v": "video",
}


class MediaFacts(Protocol):
    """What a probe learned of a file (pipeline.validate.probe.MediaInfo fits this)."""

    @property
    def exists(self) -> bool: ...
    @property
    def kind(self) -> str: ...  # "image", "video" or "unknown"
    @property
    def mime(self) -> str | None: ...
    @property
    def size_bytes(self) -> int | None: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def duration_s(self) -> float | None: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class UrlFacts:
    """A remote file cannot be probed offline: its kind is read from the URL, as the API does."""

    exists: bool = True
    kind: str = "unknown"
    mime: str | None = None
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    error: str | None = None


def url_kind(url: str) -> str:
    extension = posixpath.splitext(urlsplit(url).path)[1].lower()
    return _URL_KINDS.get(extension, "unknown")


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """The customer's plan, from pipeline.yaml `plan:` (None: allowance not forecast)."""

    tier: str
    daily: int | None = None  # paid plans: posts per profile per UTC day, all platforms
    monthly: int | None = None  # Free: posts per month; extra posts are refused


@dataclass(frozen=True, slots=True)
class CheckContext:
    table: RulesTable
    now: datetime  # UTC
    media: Mapping[str, MediaFacts] = field(default_factory=dict)  # MediaRef.key -> facts
    plan: PlanSettings | None = None
    waiting_cap: int = 500
    schedule_now_within_s: int = SCHEDULE_NOW_WITHIN_S
    max_ahead_days: int = MAX_AHEAD_DAYS

    @property
    def now_window(self) -> timedelta:
        return timedelta(seconds=self.schedule_now_within_s)

    @property
    def max_ahead(self) -> timedelta:
        return timedelta(days=self.max_ahead_days)

    def facts(self, ref: MediaRef) -> MediaFacts:
        found = self.media.get(ref.key)
        if found is not None:
            return found
        return UrlFacts(kind=url_kind(ref.url or ref.value))


def post_type(platform: str, options: Mapping[str, Any], kinds: list[str]) -> str:
    """The post type the API will use (its documented defaults when the calendar gives none)."""
    chosen = options.get("postType")
    if platform == "instagram":
        if chosen:
            return str(chosen)
        if len(kinds) >= 2:
            return "carousel"
        return "reel" if kinds == ["video"] else "feed_image"
    if platform == "facebook":
        if chosen:
            return str(chosen)
        if not kinds:
            return "text"
        return "video" if kinds == ["video"] else "photo"
    if platform == "tiktok":
        return "photo" if kinds and all(k == "image" for k in kinds) else "video"
    return "*"


@dataclass(slots=True)  # not frozen: built 100,000s of times per run, and never escapes a check
class PostView:
    """One entry on one platform, as the checks see it (derived values computed once)."""

    entry: Entry
    platform: str
    options: Mapping[str, Any]
    post_type: str
    limits: Limits
    facts: tuple[MediaFacts, ...]
    kinds: list[str]
    caption: str | None
    title: str | None

    def diag(self, code: str, message: str, hint: str = "") -> Diagnostic:
        source = self.entry.source
        return make(
            code,
            source.file,
            source.line,
            message,
            hint=hint,
            entry=self.entry.id,
            platform=self.platform,
        )


def caption_of(entry: Entry, platform: str, options: Mapping[str, Any], chosen: str) -> str | None:
    """The text the network will show as the caption, as the API picks it."""
    override = options.get("text") if platform in ("x", "linkedin", "threads") else None
    if platform == "tiktok":
        override = options.get("title" if chosen == "video" else "description")
    elif platform in ("youtube", "pinterest"):
        override = options.get("description")
    if override is not None:
        return str(override)
    return entry.caption_for(platform)


def title_of(entry: Entry, platform: str, options: Mapping[str, Any], chosen: str) -> str | None:
    if platform == "tiktok" and chosen == "video":
        return None  # a video's tiktok.title is its caption
    value = options.get("title", entry.title)
    return None if value is None else str(value)


def entry_facts(entry: Entry, ctx: CheckContext) -> tuple[tuple[MediaFacts, ...], list[str]]:
    """The entry's media facts and kinds, shared by all its platforms."""
    if not entry.media:
        return (), []
    facts = tuple(ctx.facts(ref) for ref in entry.media)
    return facts, [f.kind for f in facts]


def view(
    entry: Entry,
    platform: str,
    ctx: CheckContext,
    shared: tuple[tuple[MediaFacts, ...], list[str]] | None = None,
) -> PostView:
    facts, kinds = shared if shared is not None else entry_facts(entry, ctx)
    options = entry.options.get(platform, _EMPTY)
    chosen = post_type(platform, options, kinds)
    return PostView(
        entry,
        platform,
        options,
        chosen,
        ctx.table.for_post(platform, chosen),
        facts,
        kinds,
        caption_of(entry, platform, options, chosen),
        title_of(entry, platform, options, chosen),
    )


_EMPTY: Mapping[str, Any] = {}
