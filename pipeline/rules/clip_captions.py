"""Which caption and title a clip post really gets, and the limits they must fit. Pure.

The calendar's words come first (they are sent as the request's `description` and `title`, which
override the AI's); without them the clip server uses the clip's own fields, as its page says:

- TikTok caption: the calendar's text (or `captions: {tiktok: ...}`), then the clip's
  `tiktok_title`, `video_description_for_tiktok`, `description`;
- Instagram caption: the calendar's text, then `instagram_title`,
  `video_description_for_instagram`, `description`;
- YouTube title: the calendar's `title:`, then `youtube_title`, `video_title_for_youtube_short`
  (the AI short title), `title`;
- YouTube description: the calendar's text, then `youtube_description`, `video_description`,
  `description`.

Limits (the page): TikTok and Instagram captions 2,200 characters, YouTube titles 100, counted
on the text that will really be used (Python characters, i.e. code points).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.model import Entry

#: The platforms the clip server posts to (its page lists no others).
CLIP_PLATFORMS: tuple[str, ...] = ("tiktok", "instagram", "youtube")
CAPTION_MAX: Mapping[str, int] = {"tiktok": 2200, "instagram": 2200}
YOUTUBE_TITLE_MAX = 100

#: The clip's fields each shown text falls back to, in order.
CAPTION_FIELDS: Mapping[str, tuple[str, ...]] = {
    "tiktok": ("tiktok_title", "video_description_for_tiktok", "description"),
    "instagram": ("instagram_title", "video_description_for_instagram", "description"),
    "youtube": ("youtube_description", "video_description", "description"),
}
YOUTUBE_TITLE_FIELDS: tuple[str, ...] = ("youtube_title", "video_title_for_youtube_short", "title")

CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class ClipText:
    """What one platform shows. `*_source` names where it came from: "calendar", "clip.<field>",
    or None when nothing is known (the clip has none of the fields, or was not looked up)."""

    platform: str
    caption: str | None
    caption_source: str | None
    title: str | None = None  # YouTube only
    title_source: str | None = None

    @property
    def caption_max(self) -> int | None:
        return CAPTION_MAX.get(self.platform)

    @property
    def title_max(self) -> int | None:
        return YOUTUBE_TITLE_MAX if self.platform == "youtube" else None


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def calendar_description(entry: Entry, platform: str) -> str | None:
    """The calendar's caption for a platform (its override, else the shared text), or None."""
    text = entry.caption_for(platform)
    return None if _blank(text) else text


def calendar_title(entry: Entry) -> str | None:
    return None if _blank(entry.title) else entry.title


def _first(fields: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str | None, str | None]:
    for name in names:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return value, f"clip.{name}"
    return None, None


def resolve(entry: Entry, platform: str, clip: Mapping[str, Any] | None = None) -> ClipText:
    """The text `platform` will show for this entry; `clip` is the clip's JSON (None: unknown)."""
    fields = clip or {}
    caption: str | None = calendar_description(entry, platform)
    caption_source: str | None = CALENDAR
    if caption is None:
        caption, caption_source = _first(fields, CAPTION_FIELDS.get(platform, ("description",)))
    if platform != "youtube":
        return ClipText(platform, caption, caption_source)
    title = calendar_title(entry)
    title_source: str | None = CALENDAR
    if title is None:
        title, title_source = _first(fields, YOUTUBE_TITLE_FIELDS)
    return ClipText(platform, caption, caption_source, title, title_source)


@dataclass(frozen=True, slots=True)
class Excess:
    """A text over its limit: `what` is "caption" or "title"."""

    platform: str
    what: str
    size: int
    limit: int
    source: str | None


def over_limits(text: ClipText) -> list[Excess]:
    found = []
    caption, title = text.caption, text.title
    if caption is not None and text.caption_max is not None and len(caption) > text.caption_max:
        found.append(
            Excess(text.platform, "caption", len(caption), text.caption_max, text.caption_source)
        )
    if title is not None and text.title_max is not None and len(title) > text.title_max:
        found.append(Excess(text.platform, "title", len(title), text.title_max, text.title_source))
    return found
