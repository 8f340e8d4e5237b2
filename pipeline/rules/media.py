"""Checks on media: presence, counts, kinds, and what each file really is.

File-level facts (missing, unreadable, not a supported format) do not depend on the platform, so
they are reported once per entry; limits that differ by platform are reported per platform.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.model import Diagnostic, Entry
from pipeline.rules.codes import make
from pipeline.rules.context import CheckContext, PostView

SUPPORTED = "JPEG, PNG, WebP, MP4, MOV or WebM"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size < 1024**3 else f"{size / 1024**3:,.2f} GB"


def files(entry: Entry, ctx: CheckContext) -> Iterator[Diagnostic]:
    """E302 media-not-found, E313 media-unreadable, E304 media-type-unsupported (once per entry)."""
    for ref in entry.media:
        if ref.kind != "file":
            continue
        facts = ctx.facts(ref)
        where = (entry.source.file, entry.source.line)
        if not facts.exists:
            yield make(
                "E302",
                *where,
                f"media file {ref.value!r} does not exist",
                hint="paths are relative to the calendar file",
                entry=entry.id,
            )
        elif facts.error:
            yield make("E313", *where, f"media {ref.value!r}: {facts.error}", entry=entry.id)
        elif facts.kind == "unknown":
            yield make(
                "E304",
                *where,
                f"media {ref.value!r} is not a {SUPPORTED} file (checked by content, not name)",
                hint="convert it; the file's extension does not decide its type",
                entry=entry.id,
            )


def counts(post: PostView) -> Iterator[Diagnostic]:
    """E301 media-required, E308/E309 counts, E310 media-mixed, E311 media-kind-not-allowed."""
    limits = post.limits
    n = len(post.entry.media) + (1 if post.entry.clip is not None else 0)
    kind_of_post = "" if post.post_type == "*" else f" {post.post_type}"
    if n == 0:
        if limits.media_required or limits.media_min > 0:
            yield post.diag(
                "E301", f"a {post.platform}{kind_of_post} post needs media", "add media: [...]"
            )
        return
    kinds = [k for k in post.kinds if k != "unknown"]
    images, videos = kinds.count("image"), kinds.count("video")
    if limits.media_max is not None and n > limits.media_max:
        yield post.diag(
            "E308",
            f"{n} media items; a {post.platform}{kind_of_post} post takes at most "
            f"{limits.media_max}",
        )
    elif n < limits.media_min:
        yield post.diag(
            "E309",
            f"{n} media item(s); a {post.platform}{kind_of_post} post needs at least "
            f"{limits.media_min}",
        )
    elif limits.images_max is not None and images > limits.images_max:
        yield post.diag(
            "E308", f"{images} images; {post.platform} takes at most {limits.images_max}"
        )
    elif limits.videos_max is not None and videos > limits.videos_max:
        yield post.diag(
            "E308", f"{videos} videos; {post.platform} takes at most {limits.videos_max}"
        )
    if not limits.mixed_media and images and videos:
        yield post.diag(
            "E310",
            f"{post.platform} does not mix images and videos in one post",
            "split it into two posts",
        )
    for kind in sorted(set(kinds) - limits.kinds):
        wanted = " or ".join(sorted(limits.kinds))
        yield post.diag(
            "E311", f"a {post.platform}{kind_of_post} post takes {wanted}, not {kind} media"
        )


def limits(post: PostView) -> Iterator[Diagnostic]:
    """E305 media-too-large, E306/E307 video duration, E312 image-dimensions, W301 conversions."""
    lim = post.limits
    for ref, facts in zip(post.entry.media, post.facts, strict=True):
        if not facts.exists or facts.error or facts.kind == "unknown":
            continue
        size = facts.size_bytes
        cap = lim.image_max_bytes if facts.kind == "image" else lim.video_max_bytes
        if size is not None and size > cap:
            yield post.diag(
                "E305",
                f"{ref.value}: {_mb(size)}; {post.platform} takes {facts.kind}s up to {_mb(cap)}",
            )
        if facts.kind == "video" and facts.duration_s is not None:
            d = facts.duration_s
            if lim.video_min_s is not None and d < lim.video_min_s:
                yield post.diag(
                    "E306",
                    f"{ref.value}: {d:.1f} s; {post.platform} needs at least {lim.video_min_s:g} s",
                )
            if lim.video_max_s is not None and d > lim.video_max_s:
                yield post.diag(
                    "E307",
                    f"{ref.value}: {d:.1f} s; {post.platform} allows at most {lim.video_max_s:g} s",
                )
        if facts.kind == "image" and facts.width and facts.height:
            ratio = facts.width / facts.height
            low, high = lim.aspect_min, lim.aspect_max
            if (low is not None and ratio < low - 0.005) or (
                high is not None and ratio > high + 0.005
            ):
                yield post.diag(
                    "E312",
                    f"{ref.value}: {facts.width}x{facts.height} (ratio {ratio:.2f}); "
                    f"{post.platform} {post.post_type} images need a width/height ratio of "
                    f"{low:g} to {high:g}",
                    "crop it, e.g. to 1080x1350 (4:5) or 1080x1080",
                )
        if post.platform == "tiktok" and facts.mime in ("image/png",):
            yield post.diag(
                "W301",
                f"{ref.value}: TikTok photo posts take JPEG or WebP; the API converts this PNG",
                "export it as JPEG to control the quality",
            )
