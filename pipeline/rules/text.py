"""Checks on captions, titles, hashtags and the options that carry text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.model import Diagnostic
from pipeline.rules.context import PostView
from pipeline.rules.table import PINTEREST_LINK_MAX, YOUTUBE_TAGS_MAX
from pipeline.rules.xtext import weighted_length

_HASHTAG = re.compile(r"(?:^|(?<=[^\w&]))#(\w+)")


def measure(text: str, how: str) -> int:
    if how == "x-weighted":
        return weighted_length(text)
    if how == "utf8-bytes":
        return len(text.encode("utf-8")) if not text.isascii() else len(text)
    return len(text)


_UNITS = {"chars": "characters", "x-weighted": "weighted characters", "utf8-bytes": "bytes"}


def caption(post: PostView) -> Iterator[Diagnostic]:
    """E201 caption-too-long, E202 text-required."""
    text = post.caption
    limits = post.limits
    if not (text and text.strip()):
        if not post.entry.media and post.entry.clip is None:
            yield post.diag(
                "E202",
                f"{post.platform}: no text and no media; the API needs one or the other",
                "add text: or media:",
            )
        return
    if limits.text_max is not None:
        size = measure(text, limits.text_count)
        if size > limits.text_max:
            unit = _UNITS[limits.text_count]
            hint = f"shorten it by {size - limits.text_max}"
            if post.platform not in post.entry.captions and len(post.entry.platforms) > 1:
                hint += f", or add a shorter captions: {{{post.platform}: ...}} for {post.platform}"
            yield post.diag(
                "E201",
                f"caption is {size:,} {unit}; {post.platform} allows {limits.text_max:,}",
                hint,
            )


def hashtags(post: PostView) -> Iterator[Diagnostic]:
    """E203 too-many-hashtags."""
    text = post.caption
    limit = post.limits.hashtags_max
    if limit is None or not text or "#" not in text:
        return
    count = len(_HASHTAG.findall(text))
    if count > limit:
        yield post.diag(
            "E203", f"{count} hashtags; {post.platform} allows {limit}", "remove some hashtags"
        )


def title(post: PostView) -> Iterator[Diagnostic]:
    """E204 title-required, E205 title-too-long, W203 title-will-be-cut, W204 title-from-caption."""
    limits = post.limits
    value = post.title
    if not (value and value.strip()):
        if limits.title_required:
            yield post.diag("E204", f"{post.platform} needs a title", "add title: to the post")
        elif post.platform == "youtube":
            yield post.diag(
                "W204",
                "no title: the API takes the first 100 characters of the caption as the title",
                "add title: to choose it",
            )
        return
    if limits.title_max is not None and len(value) > limits.title_max:
        if limits.title_cut:
            yield post.diag(
                "W203",
                f"title is {len(value)} characters; the API cuts it to {limits.title_max} "
                "at the end of a word",
                "shorten it to choose where it ends",
            )
        else:
            yield post.diag(
                "E205",
                f"title is {len(value)} characters; {post.platform} allows {limits.title_max}",
            )


def youtube_tags_length(tags: list[str]) -> int:
    """YouTube counts a tag with a space as if quoted, and the commas between tags."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


def platform_text_options(post: PostView) -> Iterator[Diagnostic]:
    """E207 tags-too-long, E208 link-too-long."""
    options = post.options
    if post.platform == "youtube" and isinstance(options.get("tags"), list):
        size = youtube_tags_length(options["tags"])
        if size > YOUTUBE_TAGS_MAX:
            yield post.diag(
                "E207",
                f"tags take {size} characters counted YouTube's way; YouTube allows "
                f"{YOUTUBE_TAGS_MAX}",
                "tags with spaces count 2 more (quotes), and each comma between tags counts 1",
            )
    if post.platform == "pinterest":
        link = options.get("link")
        if isinstance(link, str) and len(link) > PINTEREST_LINK_MAX:
            yield post.diag(
                "E208", f"link is {len(link):,} characters; Pinterest allows {PINTEREST_LINK_MAX:,}"
            )


def options(post: PostView) -> Iterator[Diagnostic]:
    """E113 option-required, W201/W202 private-by-default surprises."""
    for name in post.limits.required_options:
        if not post.options.get(name):
            hint = {
                "boardId": "add pinterest: {boardId: ...}; `pipeline accounts` lists the boards",
                "group": "add skool: {group: ...}; `pipeline accounts` lists the groups",
            }.get(name, "")
            yield post.diag("E113", f"{post.platform} needs {post.platform}.{name}", hint)
    if post.platform == "tiktok" and "privacyLevel" not in post.options:
        yield post.diag(
            "W201",
            "no tiktok.privacyLevel: the API posts it SELF_ONLY (visible only to you)",
            "add tiktok: {privacyLevel: PUBLIC_TO_EVERYONE} to the post or defaults",
        )
    if post.platform == "youtube" and "privacyStatus" not in post.options:
        yield post.diag(
            "W202",
            "no youtube.privacyStatus: the API uploads the video as private",
            "add youtube: {privacyStatus: public} to the post or defaults",
        )
