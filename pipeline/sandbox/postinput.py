"""Reading a PostRequest body: the dry-run flag, the post, its fields, and the warnings for fields
the API does not read (unknown fields never refuse a post, they come back as warnings)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from pipeline.model import PLATFORMS
from pipeline.sandbox.answers import Refusal

TOP_FIELDS = {"post", "dryRun", "dry_run", "validate"}
POST_FIELDS = {"accountId", "platform", "scheduledFor", "content", "dryRun", "dry_run", *PLATFORMS}
CONTENT_FIELDS = {"text", "mediaUrls", "mediaID", "mediaIds"}
OPTION_FIELDS: dict[str, set[str]] = {
    "tiktok": {
        "privacyLevel",
        "disabledComments",
        "disabledDuet",
        "disabledStitch",
        "isBrandedContent",
        "isYourBrand",
        "isAiGenerated",
        "autoAddMusic",
        "title",
        "description",
    },
    "instagram": {
        "postType",
        "shareToFeed",
        "coverUrl",
        "thumbOffset",
        "collaborators",
        "locationId",
    },
    "facebook": {"postType", "videoTitle", "url"},
    "youtube": {
        "title",
        "description",
        "privacyStatus",
        "tags",
        "categoryId",
        "madeForKids",
        "embeddable",
        "license",
        "publicStatsViewable",
        "notifySubscribers",
        "defaultLanguage",
    },
    "x": {"text", "whoCanReply", "community", "madeWithAi", "paidPartnership"},
    "linkedin": {"text", "carousel", "carouselName"},
    "pinterest": {
        "boardId",
        "board_id",
        "title",
        "description",
        "link",
        "altText",
        "dominantColor",
    },
    "threads": {"text"},
    "skool": {"group", "groupSlug", "label", "title"},
}
#: Accepted but not used: named in warnings (x-status200-not-used).
NOT_USED = {
    ("x", "madeWithAi"),
    ("x", "paidPartnership"),
    ("linkedin", "carousel"),
    ("linkedin", "carouselName"),
    ("tiktok", "privacyStatus"),
}
YOUTUBE_TAGS_MAX = 500


def warning(code: str, message: str, where: str | None = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message}
    if where:
        item["field"] = where
    item.update(extra)
    return item


@dataclass(frozen=True)
class PostInput:
    post: dict[str, Any]
    platform: str
    account_ref: Any
    scheduled_for: Any
    scheduled_given: bool
    text: str | None
    media_ids: tuple[str, ...] | None
    media_urls: tuple[str, ...] | None
    media_field_present: bool
    media_field_empty: bool
    options: dict[str, Any]
    dry_run: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def network_text(self) -> str | None:
        """The text a network gets: its own `text` (X, LinkedIn, Threads) or content.text."""
        own = self.options.get("text") if self.platform in ("x", "linkedin", "threads") else None
        return own if isinstance(own, str) else self.text


def _refuse(older: bool, message: str, **extras: Any) -> Refusal:
    return Refusal(400, "api_error" if older else "bad_request", message, extras=extras)


def read_dry_run(body: dict[str, Any], *, older: bool) -> tuple[bool, dict[str, Any] | None]:
    """Step 4: the dry-run flag (dryRun or dry_run, at the top or inside post). Returns the flag
    and the post object (a dry run may send it as `validate`)."""
    values = [body[name] for name in ("dryRun", "dry_run") if name in body]
    post = body.get("post")
    if post is None and True in values:
        post = body.get("validate")
    if isinstance(post, dict):
        values += [post[name] for name in ("dryRun", "dry_run") if name in post]
    for value in values:
        if not isinstance(value, bool):
            raise _refuse(
                older, "dryRun must be true or false. Nothing was published.", field="dryRun"
            )
    if True in values and False in values:
        raise _refuse(
            older,
            "dryRun is true in one place and false in another. Nothing was published.",
            field="dryRun",
        )
    return (True in values), (post if isinstance(post, dict) else None)


def read_post(body: dict[str, Any], *, older: bool) -> PostInput:
    """Steps 4 to 6 (dry-run flag, post, platform) and the warnings. accountId is checked later
    on /api/v2 (step 10) and here on the older address, which reads it with post and platform."""
    dry, post = read_dry_run(body, older=older)
    if post is None:
        raise _refuse(older, 'The body needs a post object: {"post": {...}}.', field="post")
    platform = post.get("platform")
    if older and not (isinstance(post.get("accountId"), str) and post.get("accountId")):
        raise _refuse(older, "post.accountId is required (a profile id or @name).")
    if not isinstance(platform, str) or platform not in PLATFORMS:
        raise _refuse(
            older,
            f"post.platform must be one of {', '.join(PLATFORMS)}.",
            field="post.platform",
        )
    warnings: list[dict[str, Any]] = []
    outside = [name for name in PLATFORMS if name in body]
    if platform in outside:
        raise Refusal(
            400,
            "options_outside_post",
            f"The {platform} options were sent outside post: move them into post.{platform}.",
            extras={"field": platform},
        )
    for name in outside:
        warnings.append(
            warning("options_outside_post", f"{name} options belong inside post; not used.", name)
        )
    for name in sorted(set(body) - TOP_FIELDS - set(PLATFORMS)):
        warnings.append(_unknown(name, name, TOP_FIELDS))
    for name in sorted(set(post) - POST_FIELDS):
        warnings.append(_unknown(name, f"post.{name}", POST_FIELDS))
    for name in PLATFORMS:
        if name != platform and name in post:
            warnings.append(
                warning(
                    "field_not_used", f"Only post.{platform} is read for this post.", f"post.{name}"
                )
            )
    raw_content = post.get("content")
    content: dict[str, Any] = raw_content if isinstance(raw_content, dict) else {}
    for name in sorted(set(content) - CONTENT_FIELDS):
        warnings.append(_unknown(name, f"post.content.{name}", CONTENT_FIELDS))
    raw_options = post.get(platform)
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    for name in sorted(options):
        where = f"post.{platform}.{name}"
        if (platform, name) in NOT_USED:
            warnings.append(warning("field_not_used", f"{name} is accepted but not used.", where))
        elif name not in OPTION_FIELDS[platform]:
            warnings.append(_unknown(name, where, OPTION_FIELDS[platform]))
    ids_field = (
        "mediaID" if "mediaID" in content else ("mediaIds" if "mediaIds" in content else None)
    )
    media_present = ids_field is not None or "mediaUrls" in content
    raw_ids = content.get(ids_field) if ids_field else None
    raw_urls = content.get("mediaUrls")
    text = content.get("text")
    return PostInput(
        post=post,
        platform=platform,
        account_ref=post.get("accountId"),
        scheduled_for=post.get("scheduledFor"),
        scheduled_given="scheduledFor" in post,
        text=text if isinstance(text, str) else None,
        media_ids=_strings(raw_ids, older, f"post.content.{ids_field}") if ids_field else None,
        media_urls=_strings(raw_urls, older, "post.content.mediaUrls")
        if "mediaUrls" in content
        else None,
        media_field_present=media_present,
        media_field_empty=media_present and not (raw_ids or raw_urls),
        options=dict(options),
        dry_run=dry,
        warnings=warnings,
    )


def _strings(value: Any, older: bool, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse(older, f"{where} must be a list of strings, not text.", field=where)
    return tuple(value)


def _unknown(name: str, where: str, known: set[str]) -> dict[str, Any]:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    extra = {"did_you_mean": close[0]} if close else {}
    return warning(
        "unknown_field", f"{where} is not a field this API reads; not used.", where, **extra
    )


def youtube_tags(post: PostInput) -> None:
    """Step 7: YouTube counts 500 characters of tags its own way (a tag with a space is quoted,
    and tags are joined by commas); a longer list is 400 before the upload."""
    if post.platform != "youtube":
        return
    tags = post.options.get("tags")
    if not isinstance(tags, list):
        return
    lengths = [len(str(t)) + (2 if " " in str(t) else 0) for t in tags]
    total = sum(lengths) + max(0, len(lengths) - 1)
    if total <= YOUTUBE_TAGS_MAX:
        return
    remove, running = 0, total
    while running > YOUTUBE_TAGS_MAX and lengths:
        running -= lengths.pop() + (1 if lengths else 0)
        remove += 1
    raise Refusal(
        400,
        "youtube_tags_too_long",
        f"The tags are {total} characters as YouTube counts them; it allows {YOUTUBE_TAGS_MAX}. "
        f"Remove {remove} tag(s).",
        extras={
            "platform": "youtube",
            "tags_length": total,
            "max_tags_length": YOUTUBE_TAGS_MAX,
            "remove_tags": remove,
        },
    )
