"""The per-platform option blocks the API reads (OpenAPI 2026-09-28, `components.schemas.*Options`).

Used three ways: to reject option names the API would silently ignore (with a "did you mean"),
to check enumerated values, and to turn CSV cells (always text) into the JSON types the API takes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

OptionType = Literal["bool", "str", "number", "list"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    type: OptionType
    choices: tuple[str, ...] = ()
    not_used: bool = False  # x-status200-not-used: accepted by the API, but it has no effect


def _b() -> OptionSpec:
    return OptionSpec("bool")


def _s(*choices: str) -> OptionSpec:
    return OptionSpec("str", choices)


OPTIONS: dict[str, dict[str, OptionSpec]] = {
    "tiktok": {
        "privacyLevel": _s(
            "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"
        ),
        "disabledComments": _b(),
        "disabledDuet": _b(),
        "disabledStitch": _b(),
        "isBrandedContent": _b(),
        "isYourBrand": _b(),
        "isAiGenerated": _b(),
        "autoAddMusic": _b(),
        "title": _s(),
        "description": _s(),
    },
    "instagram": {
        "postType": _s("feed_image", "reel", "story", "carousel"),
        "shareToFeed": _b(),
        "coverUrl": _s(),
        "thumbOffset": OptionSpec("number"),
        "collaborators": OptionSpec("list"),
        "locationId": _s(),
    },
    "facebook": {
        "postType": _s("photo", "video", "reel", "text"),
        "videoTitle": _s(),
        "url": _s(),
    },
    "youtube": {
        "title": _s(),
        "description": _s(),
        "privacyStatus": _s("public", "unlisted", "private"),
        "tags": OptionSpec("list"),
        "categoryId": _s(),
        "madeForKids": _b(),
        "embeddable": _b(),
        "license": _s("youtube", "creativeCommon"),
        "publicStatsViewable": _b(),
        "notifySubscribers": _b(),
        "defaultLanguage": _s(),
    },
    "x": {
        "text": _s(),
        "whoCanReply": _s("everyone", "following", "mentionedUsers", "subscribers", "verified"),
        "community": _s(),
        "madeWithAi": OptionSpec("bool", not_used=True),
        "paidPartnership": OptionSpec("bool", not_used=True),
    },
    "linkedin": {
        "text": _s(),
        "carousel": OptionSpec("bool", not_used=True),
        "carouselName": OptionSpec("str", not_used=True),
    },
    "pinterest": {
        "boardId": _s(),
        "title": _s(),
        "description": _s(),
        "link": _s(),
        "altText": _s(),
        "dominantColor": _s(),
    },
    "threads": {"text": _s()},
    "skool": {"group": _s(), "groupSlug": _s(), "label": _s(), "title": _s()},
}

#: Spellings the API documents as aliases; the calendar accepts them and stores the main name.
ALIASES: dict[str, dict[str, str]] = {"pinterest": {"board_id": "boardId"}}

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off", ""}


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    """The closest known name, compared case-insensitively (`privacylevel` -> `privacyLevel`)."""
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def coerce(spec: OptionSpec, value: Any, *, from_text: bool) -> tuple[Any, str | None]:
    """Turn a value into the option's JSON type; return (value, problem or None).

    CSV cells are text, so `from_text` allows "true"/"no" for booleans, numbers from digits and
    `;`-separated lists. YAML values must already have the right type (no silent guessing).
    """
    if spec.type == "bool":
        if isinstance(value, bool):
            return value, None
        if from_text and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE, None
        return value, "expected true or false"
    if spec.type == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value, None
        if from_text and isinstance(value, str):
            try:
                return float(value) if "." in value else int(value), None
            except ValueError:
                pass
        return value, "expected a number"
    if spec.type == "list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value, None
        if isinstance(value, str):
            return [v.strip() for v in value.split(";") if v.strip()], None
        return value, "expected a list of text values"
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return value, "expected text"
    text = str(value)  # YAML reads `categoryId: 22` as a number; the API wants the text "22"
    if spec.choices and text not in spec.choices:
        return text, "expected one of " + ", ".join(spec.choices)
    return text, None
