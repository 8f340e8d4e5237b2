"""Checks of calendar entries that post a clip (`clip: {job, index}`), offline and pure.

`check_entry(entry, ctx)` is an ENTRY_CHECK of the rules registry: allowed platforms, no media
beside a clip, option blocks that would be ignored, and the caption/title limits when the calendar
gives the text. The online checks (they ask the clip server) live with that backend,
`pipeline.backends.clips.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.model import Diagnostic, Entry
from pipeline.rules.clip_captions import CALENDAR, CLIP_PLATFORMS, Excess, over_limits, resolve
from pipeline.rules.codes import make

_ALLOWED = ", ".join(CLIP_PLATFORMS)


def clip_platforms(entry: Entry) -> tuple[str, ...]:
    """The entry's platforms the clip server can post to, in calendar order."""
    return tuple(p for p in entry.platforms if p in CLIP_PLATFORMS)


def diagnostic(
    entry: Entry, code: str, message: str, hint: str = "", platform: str | None = None
) -> Diagnostic:
    return make(
        code,
        entry.source.file,
        entry.source.line,
        message,
        hint=hint,
        entry=entry.id,
        platform=platform,
    )


def excess_diagnostic(entry: Entry, excess: Excess) -> Diagnostic:
    where = "the calendar's" if excess.source == CALENDAR else f"the clip's {excess.source}"
    if excess.what == "title":
        return diagnostic(
            entry,
            "E509",
            f"youtube title ({where}) is {excess.size:,} characters; YouTube allows "
            f"{excess.limit:,}",
            "give a shorter title: on the post" if excess.source != CALENDAR else "shorten it",
            excess.platform,
        )
    return diagnostic(
        entry,
        "E508",
        f"{excess.platform} caption ({where}) is {excess.size:,} characters; "
        f"{excess.platform} allows {excess.limit:,}",
        f"give a shorter text: (or captions: {{{excess.platform}: ...}}) on the post",
        excess.platform,
    )


def check_entry(entry: Entry, ctx: object = None) -> Iterator[Diagnostic]:
    """E501 clip-platform-unsupported, E502 clip-with-media, E508/E509 for the calendar's own
    text, W502 clip-options-ignored. Entries without `clip:` are not looked at."""
    if entry.clip is None:
        return
    for platform in entry.platforms:
        if platform not in CLIP_PLATFORMS:
            yield diagnostic(
                entry,
                "E501",
                f"{platform}: a clip post goes through the clip server, which posts to "
                f"{_ALLOWED} only",
                f"remove {platform}, or post to it from a separate entry with media:",
                platform,
            )
    if entry.media:
        yield diagnostic(
            entry,
            "E502",
            "clip: and media: together; a clip post's media is the clip itself",
            "remove media:, or remove clip: to post the files instead",
        )
    for platform in clip_platforms(entry):
        if entry.options.get(platform):
            names = ", ".join(sorted(entry.options[platform]))
            yield diagnostic(
                entry,
                "W502",
                f"{platform} options ({names}) are not sent with a clip post: the clip server "
                "takes none",
                f"remove the {platform}: block",
                platform,
            )
        # Without the clip's fields only the calendar's own text is known here.
        for excess in over_limits(resolve(entry, platform)):
            yield excess_diagnostic(entry, excess)
