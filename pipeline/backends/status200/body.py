"""The POST /posts body for one planned post: the calendar's words in the API's fields.

Pure and deterministic: the same post and file ids give the same bytes, which the API's
Idempotency-Key replay depends on (another body under the same key is 422 key reused).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from pipeline.model import PlannedPost


def scheduled_for(post: PlannedPost) -> str:
    return post.scheduled_for.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def options_for(post: PlannedPost, kinds: Sequence[str] = ()) -> dict[str, Any]:
    """The platform's option block, with the calendar's `title` and caption mapped where the API
    expects them (YouTube/Pinterest/Skool titles; a pin's caption is its description)."""
    entry = post.entry
    options = dict(entry.options.get(post.platform, {}))
    title = entry.title
    caption = entry.caption_for(post.platform)
    if title:
        photo_post = post.platform == "tiktok" and kinds and all(k == "image" for k in kinds)
        if post.platform in ("youtube", "pinterest", "skool") or photo_post:
            options.setdefault("title", title)
        elif post.platform == "facebook" and kinds == ["video"]:
            options.setdefault("videoTitle", title)
    if post.platform == "pinterest" and caption:
        options.setdefault("description", caption)
    return options


def build_body(
    post: PlannedPost,
    file_ids: Sequence[str],
    *,
    account_id: str | None = None,
    kinds: Sequence[str] = (),
    media_urls: Sequence[str] = (),
    dry_run: bool = False,
) -> dict[str, Any]:
    """`account_id` is the profile's UUID when preflight resolved it (exact, unlike a name)."""
    content: dict[str, Any] = {}
    caption = post.entry.caption_for(post.platform)
    if caption:
        content["text"] = caption
    if file_ids:
        content["mediaID"] = list(file_ids)
    elif media_urls:
        content["mediaUrls"] = list(media_urls)
    body_post: dict[str, Any] = {
        "accountId": account_id or post.account,
        "platform": post.platform,
        "scheduledFor": scheduled_for(post),
        "content": content,
    }
    options = options_for(post, kinds)
    if options:
        body_post[post.platform] = options
    body: dict[str, Any] = {"post": body_post}
    if dry_run:
        body["dryRun"] = True
    return body
