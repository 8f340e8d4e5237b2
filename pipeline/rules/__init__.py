"""Platform rules: a table of limits per platform and one small check per concern.

As in yamllint, each check is a plain function yielding diagnostics and a registry lists them;
the engine opens no files and prints nothing (media facts come in through the context).

    >>> diagnostics = check_entries(entries, CheckContext(table=RulesTable(), now=now))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipeline.model import Diagnostic, Entry
from pipeline.rules import clips, forecast, media, schedule, text
from pipeline.rules.context import CheckContext, PostView, entry_facts, view
from pipeline.rules.table import Limits, RulesTable

__all__ = [
    "ENTRY_CHECKS",
    "POST_CHECKS",
    "CheckContext",
    "RulesTable",
    "check_calendar",
    "check_each",
    "check_entries",
]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    func: Callable[..., Iterator[Diagnostic]]
    #: Whether the check can find anything for a platform with these limits (skipping the
    #: others keeps 100,000-post calendars fast; a project override of a limit is respected).
    applies: Callable[[Limits, str], bool] = lambda _limits, _platform: True

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


def _clip(entry: Entry, ctx: CheckContext) -> Iterator[Diagnostic]:
    """E5xx/W5xx: a clip post's platforms (tiktok, instagram, youtube), media and captions."""
    return clips.check_entry(entry, ctx)


#: Checks of an entry as a whole (its time, its files; a clip post's platforms and captions).
ENTRY_CHECKS: tuple[Check, ...] = (
    Check("schedule", schedule.when),
    Check("media-files", media.files),
    Check("clip", _clip),
)
#: A clip post goes through the clip server: the Status 200 platform rules do not apply to it.
CLIP_ENTRY_CHECKS: tuple[Check, ...] = (ENTRY_CHECKS[0], ENTRY_CHECKS[2])
#: Checks of an entry on one platform.
POST_CHECKS: tuple[Check, ...] = (
    Check("caption", text.caption),
    Check("hashtags", text.hashtags, lambda lim, _p: lim.hashtags_max is not None),
    Check(
        "title",
        text.title,
        lambda lim, p: lim.title_required or lim.title_max is not None or p == "youtube",
    ),
    Check(
        "platform-options",
        text.options,
        lambda lim, p: bool(lim.required_options) or p in ("tiktok", "youtube"),
    ),
    Check(
        "text-options", text.platform_text_options, lambda _lim, p: p in ("youtube", "pinterest")
    ),
    Check("media-counts", media.counts),
    Check("media-limits", media.limits),
)


def checks_for(limits: Limits, platform: str) -> tuple[Check, ...]:
    return tuple(c for c in POST_CHECKS if c.applies(limits, platform))


def check_post(post: PostView, checks: tuple[Check, ...] | None = None) -> Iterator[Diagnostic]:
    for check in checks if checks is not None else checks_for(post.limits, post.platform):
        if check.func is media.limits and not post.facts:
            continue
        yield from check.func(post)


def check_entries(entries: Iterable[Entry], ctx: CheckContext) -> list[Diagnostic]:
    """Every diagnostic for these entries, including the calendar-wide forecasts."""
    entries = list(entries)
    return [*check_each(entries, ctx), *check_calendar(entries, ctx)]


def check_calendar(entries: list[Entry], ctx: CheckContext) -> list[Diagnostic]:
    """The forecasts that need every entry at once (allowance, the 500 waiting cap)."""
    planned = forecast.slots(entries, ctx)
    return forecast.forecasts(forecast.Outlook.of(planned, ctx), ctx, lambda: planned)


def check_each(entries: Iterable[Entry], ctx: CheckContext) -> list[Diagnostic]:
    """The checks of each entry on its own (any slice of a calendar can be checked apart)."""
    found: list[Diagnostic] = []
    applicable: dict[tuple[int, str], tuple[Check, ...]] = {}  # this call's table rows stay alive
    for entry in entries:
        if entry.clip is not None:
            for check in CLIP_ENTRY_CHECKS:
                found.extend(check.func(entry, ctx))
            continue
        for check in ENTRY_CHECKS[:2]:
            found.extend(check.func(entry, ctx))
        shared = entry_facts(entry, ctx)
        for platform in entry.platforms:
            post = view(entry, platform, ctx, shared)
            key = (id(post.limits), platform)
            checks = applicable.get(key)
            if checks is None:
                checks = applicable[key] = checks_for(post.limits, platform)
            found.extend(check_post(post, checks))
    return found
