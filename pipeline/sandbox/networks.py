"""The nine networks as the sandbox plays them: what each takes, what it answers, how it fails.

TikTok, Instagram and YouTube finish after the answer (History shows "processing", then success or
failed); the other six answer at once, so their refusals are HTTP refusals with the network's own
status and code. Which posts fail is decided by rules (config.Rule): markers in the text such as
"#sandbox-fail", or media a network refuses (Instagram and WebM by default).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

from pipeline.sandbox.answers import Refusal
from pipeline.sandbox.config import NetworkConfig, Rule
from pipeline.sandbox.ids import IdSource
from pipeline.sandbox.postinput import PostInput

ASYNC_NETWORKS = ("tiktok", "instagram", "youtube")
TEXT_ONLY_OK = ("x", "linkedin", "threads", "skool", "facebook")
LIMITS_URL = "https://status200uploads.com/docs/api#media-limits"
IMAGE_EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
VIDEO_EXTENSIONS = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".m4v": "video/mp4",
}
#: (most files, images and videos may be mixed)
FILE_COUNTS: dict[str, tuple[int, bool]] = {
    "tiktok": (35, False),
    "instagram": (10, True),
    "facebook": (10, False),
    "youtube": (1, False),
    "x": (4, False),
    "linkedin": (9, False),
    "pinterest": (1, False),
    "threads": (20, True),
    "skool": (10, True),
}
#: Figures each network does not report (their metrics are null, never 0).
NOT_REPORTED: dict[str, tuple[str, ...]] = {
    "tiktok": ("impressions", "reach", "clicks"),
    "instagram": ("clicks", "watch_time_seconds"),
    "facebook": ("saves", "watch_time_seconds"),
    "youtube": ("saves", "reach", "clicks"),
    "x": ("saves", "reach", "watch_time_seconds"),
    "linkedin": ("saves", "reach", "watch_time_seconds"),
    "pinterest": ("shares", "reach", "watch_time_seconds"),
    "threads": ("saves", "impressions", "reach", "clicks", "watch_time_seconds"),
    "skool": ("views", "shares", "saves", "impressions", "reach", "clicks", "watch_time_seconds"),
}
METRICS = (
    "views",
    "likes",
    "comments",
    "shares",
    "impressions",
    "reach",
    "saves",
    "clicks",
    "watch_time_seconds",
)


@dataclass(frozen=True)
class MediaItem:
    kind: str  # image | video
    type: str  # MIME type
    size: int | None


def kind_from_url(url: str) -> MediaItem | None:
    path = re.sub(r"[?#].*$", "", url).lower()
    for table, kind in ((IMAGE_EXTENSIONS, "image"), (VIDEO_EXTENSIONS, "video")):
        for extension, mime in table.items():
            if path.endswith(extension):
                return MediaItem(kind, mime, None)
    return None


def media_type_of(items: list[MediaItem]) -> str | None:
    kinds = {m.kind for m in items}
    if not kinds:
        return None
    if len(kinds) > 1:
        return "mixed"
    return "carousel" if len(items) > 1 and kinds == {"image"} else kinds.pop()


def guards(post: PostInput, items: list[MediaItem], network: NetworkConfig, *, older: bool) -> None:
    """Step 17, the pre-post guards: nothing has been sent to the network yet."""
    platform, code = post.platform, ("api_error" if older else "bad_request")
    text = post.network_text
    if not items:
        if platform not in TEXT_ONLY_OK:
            hint = (
                ""
                if older
                else " (a Facebook text post needs no media: leave the media fields out)"
            )
            raise Refusal(
                400, code, f"No media provided. {platform} needs an image or a video{hint}."
            )
        if platform == "facebook" and post.media_field_empty and "postType" not in post.options:
            raise Refusal(400, code, "A media field was sent empty: leave it out for a text post.")
        if not (text or "").strip():
            raise Refusal(400, code, "content.text is required when the post has no media.")
    most, mixed_ok = FILE_COUNTS[platform]
    if len(items) > most:
        raise Refusal(400, code, f"{platform} takes at most {most} file(s) in one post.")
    kinds = {m.kind for m in items}
    wrong = None
    if len(kinds) > 1 and not mixed_ok:
        wrong = f"{platform} cannot mix images and videos in one post"
    elif platform == "youtube" and items and kinds != {"video"}:
        wrong = "YouTube takes one video"
    elif platform == "pinterest" and "video" in kinds:
        wrong = "Pinterest pins here are images"
    elif platform in ("instagram", "facebook"):
        post_type = post.options.get("postType")
        if post_type == "reel" and (len(items) != 1 or kinds != {"video"}):
            wrong = f"a {platform} reel is one video"
        elif post_type in ("feed_image", "photo") and "video" in kinds:
            wrong = f"a {platform} {post_type} post takes images"
        elif post_type == "video" and kinds != {"video"}:
            wrong = "a Facebook video post takes a video"
    elif platform in ("tiktok", "x") and "video" in kinds and len(items) > 1:
        wrong = f"{platform} takes one video, or images only"
    if wrong:
        raise Refusal(400, "media_wrong_for_post_type", f"The media does not fit: {wrong}.")
    if platform == "pinterest" and not (
        post.options.get("boardId") or post.options.get("board_id")
    ):
        raise Refusal(
            400, "pinterest_board_required", "A pin needs post.pinterest.boardId (see the options)."
        )
    if platform == "skool" and not (post.options.get("group") and post.options.get("title")):
        raise Refusal(400, code, "A Skool post needs post.skool.group and post.skool.title.")
    if platform == "threads" and text is not None and len(text) > 500:
        raise Refusal(400, code, "Threads takes at most 500 characters of text.")
    for item in items:
        limit = network.max_video_bytes if item.kind == "video" else network.max_image_bytes
        if item.size is not None and limit is not None and item.size > limit:
            raise Refusal(
                413,
                "MEDIA_TOO_LARGE",
                f"The {item.kind} is {item.size} bytes; {platform} takes at most {limit} here.",
                extras={
                    "platform": platform,
                    "size_bytes": item.size,
                    "limits_url": LIMITS_URL,
                    "max_video_bytes": network.max_video_bytes,
                    "max_image_bytes": network.max_image_bytes,
                },
            )


def matching_rule(rules: tuple[Rule, ...], post: PostInput, items: list[MediaItem]) -> Rule | None:
    text = post.network_text or ""
    for rule in rules:
        if rule.platform and rule.platform != post.platform:
            continue
        if rule.text_contains and rule.text_contains not in text:
            continue
        if rule.media_type and rule.media_type not in {m.type for m in items}:
            continue
        if rule.text_contains or rule.media_type:
            return rule
    return None


def network_refusal(post: PostInput, network: NetworkConfig) -> tuple[int, str, str] | None:
    """A refusal the network itself gives at send time, from its own options (a board that does
    not exist, a Skool group the profile is not in). (status, code, message) or None."""
    if post.platform == "pinterest":
        board = str(post.options.get("boardId") or post.options.get("board_id"))
        boards = {str(b.get("id")) for b in network.options.get("boards", [])}
        if board not in boards:
            return 404, "pinterest_rejected", f"Pinterest: board {board} not found."
    if post.platform == "skool":
        groups = {str(g.get("id")) for g in network.options.get("groups", [])}
        if str(post.options.get("group")) not in groups:
            return 400, "skool_rejected", "Skool: you are not a member of that group."
    return None


def async_failure(post: PostInput, network: NetworkConfig) -> str | None:
    """A refusal TikTok reports after the answer (History shows it as failed)."""
    if post.platform == "tiktok":
        level = post.options.get("privacyLevel", "SELF_ONLY")
        allowed = network.options.get("privacy_level_options", [])
        if level not in allowed:
            return (
                f"TikTok refused privacy_level {level}: this account allows {', '.join(allowed)}."
            )
    return None


def sync_refusal_code(platform: str) -> tuple[int, str]:
    """The status and code a network that answers at once refuses with."""
    return {
        "x": (403, "x_rejected"),
        "pinterest": (400, "pinterest_rejected"),
        "skool": (400, "skool_rejected"),
    }.get(platform, (500, "platform_error"))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "post"


def network_answer(
    ids: IdSource, post: PostInput, network: NetworkConfig, post_id: str
) -> tuple[dict[str, Any], str | None, str | None]:
    """The `data` of a 200/202 for this network, its own id, and the permalink once known."""
    data: dict[str, Any]
    username = network.username or "profile"
    text = post.network_text or ""
    if post.platform == "tiktok":
        publish_id = f"v_pub_url~v2-1.{ids.digits(19)}"
        data = {
            "status": "processing",
            "post_id": post_id,
            "publish_id": publish_id,
            "message": "Post is being processed. Check post history for updates.",
        }
        return data, publish_id, f"https://www.tiktok.com/@{username}/video/{ids.digits(19)}"
    if post.platform == "instagram":
        container = ids.digits(17)
        data = {
            "status": "processing",
            "post_id": post_id,
            "container_id": container,
            "message": "Post is being processed. Check post history for updates.",
        }
        return data, container, f"https://www.instagram.com/p/{ids.token(11)}/"
    if post.platform == "youtube":
        video = ids.token(11)
        data = {
            "status": "processing",
            "post_id": post_id,
            "job_id": ids.uuid(),
            "message": "YouTube upload is processing in the background. Check post history "
            "for updates.",
        }
        return data, video, f"https://www.youtube.com/watch?v={video}"
    if post.platform == "x":
        tweet = ids.digits(19)
        url = f"https://x.com/i/status/{tweet}"
        return {"tweet_id": tweet, "text": text, "url": url}, tweet, url
    if post.platform == "linkedin":
        urn = f"urn:li:share:{ids.digits(19)}"
        url = f"https://www.linkedin.com/feed/update/{urn}"
        return {"post_id": urn, "url": url}, urn, url
    if post.platform == "pinterest":
        pin = ids.digits(19)
        url = f"https://www.pinterest.com/pin/{pin}/"
        title = str(post.options.get("title") or text)[:100]
        board = str(post.options.get("boardId") or post.options.get("board_id"))
        return {"pin_id": pin, "url": url, "title": title, "board_id": board}, pin, url
    if post.platform == "threads":
        thread = ids.digits(17)
        url = f"https://www.threads.net/@{username}/post/{ids.token(10)}"
        return {"thread_id": thread, "permalink": url}, thread, url
    if post.platform == "skool":
        own = ids.hex(32)
        group = str(post.options.get("groupSlug") or _skool_slug(network, post))
        url = f"https://www.skool.com/{group}/{slug(str(post.options.get('title') or text))}"
        return {"post_id": own, "url": url}, own, url
    page = str(network.options.get("page_id") or ids.digits(15))
    story = ids.digits(15)
    url = f"https://www.facebook.com/{page}/posts/{story}"
    data = {"id": f"{page}_{story}", "permalink": url}
    return data, data["id"], url


def _skool_slug(network: NetworkConfig, post: PostInput) -> str:
    for group in network.options.get("groups", []):
        if str(group.get("id")) == str(post.options.get("group")):
            return str(group.get("slug") or "group")
    return "group"


def figures(platform: str, post_id: str, media_type: str | None, hours: float) -> dict[str, Any]:
    """Figures that grow with (scaled) time since the post went out, the same for the same post:
    quick growth in the first day, then slower, as engagement curves do."""
    seed = int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16)
    reach = 200 + seed % 5000
    growth = 1 - math.exp(-max(hours, 0.0) / 12.0)
    views = int(reach * 3 * growth)
    values = {
        "views": views,
        "likes": int(views * (0.04 + (seed % 7) / 100)),
        "comments": int(views * 0.004),
        "shares": int(views * 0.006),
        "impressions": int(views * 1.6),
        "reach": int(views * 0.9),
        "saves": int(views * 0.01),
        "clicks": int(views * 0.02),
        "watch_time_seconds": int(views * 7) if media_type == "video" else None,
    }
    hidden = NOT_REPORTED.get(platform, ())
    metrics = {name: (None if name in hidden else values[name]) for name in METRICS}
    not_reported = [name for name in METRICS if metrics[name] is None]
    base = metrics["views"] or metrics["impressions"]
    acted = sum(metrics[n] or 0 for n in ("likes", "comments", "shares", "saves"))
    return {
        "metrics": metrics,
        "not_reported": not_reported,
        "engagement": round(acted / base, 4) if base else None,
    }
