"""Platform rules: a table of limits per platform and one small check per concern.

As in yamllint, each check is a plain function yielding diagnostics and a registry lists them;
the engine opens no files and prints nothing (media facts come in through the context).

    >>> diagnostics = check_entries(entries, CheckContext(table=RulesTable(), now=now))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipeline.model import Diagnostic, Entry
from pipeline.rules import forecast, media, schedule, text
from pipeline.rules.context import CheckContext, PostView, view
from pipeline.rules.table import RulesTable

__all__ = ["ENTRY_CHECKS", "POST_CHECKS", "CheckContext", "RulesTable", "check_entries"]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    func: Callable[..., Iterator[Diagnostic]]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


#: Checks of an entry as a whole (its time, its files).
ENTRY_CHECKS: tuple[Check, ...] = (
    Check("schedule", schedule.when),
    Check("media-files", media.files),
)
#: Checks of an entry on one platform.
POST_CHECKS: tuple[Check, ...] = (
    Check("caption", text.caption),
    Check("hashtags", text.hashtags),
    Check("title", text.title),
    Check("platform-options", text.options),
    Check("text-options", text.platform_text_options),
    Check("media-counts", media.counts),
    Check("media-limits", media.limits),
)


def check_post(post: PostView) -> Iterator[Diagnostic]:
    for check in POST_CHECKS:
        yield from check.func(post)


def check_entries(entries: Iterable[Entry], ctx: CheckContext) -> list[Diagnostic]:
    """Every diagnostic for these entries, including the calendar-wide forecasts."""
    entries = list(entries)
    found: list[Diagnostic] = []
    for entry in entries:
        for check in ENTRY_CHECKS:
            found.extend(check.func(entry, ctx))
        for platform in entry.platforms:
            found.extend(check_post(view(entry, platform, ctx)))
    planned = forecast.slots(entries, ctx)
    found.extend(forecast.allowance(planned, ctx))
    found.extend(forecast.waiting_cap(planned, ctx))
    return found
