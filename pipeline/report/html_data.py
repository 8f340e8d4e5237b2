"""What the HTML report shows, as pandas tables: posts, diagnostics, posts per day, figures.

Built once from the validation result, the ledger's state and the plan, so the renderer only
lays out tables it is given (and tests can assert on the tables without parsing HTML).

    data = build_report_data(result, Ledger("ledger").state(), plan, datetime.now(UTC))
    html = render_html(data)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

import pandas as pd

from pipeline.ledger.records import LedgerState
from pipeline.ledger.schema import METRICS
from pipeline.ledger.views import engagement_rows
from pipeline.model import Entry, LedgerPost
from pipeline.plan.diff import Plan, planned_posts
from pipeline.report.free_slots import FreeSlot
from pipeline.report.origin import Origin, origin_of, origin_of_id
from pipeline.report.plan import preview
from pipeline.rules.context import PlanSettings
from pipeline.times import TimeProblem, zone
from pipeline.validate.check import ValidationResult

POST_COLUMNS: Final = (
    "identity",
    "entry_id",
    "platform",
    "account",
    "at_utc",  # datetime, UTC
    "utc_day",  # date: the day the plan's daily allowance counts it on
    "local_day",  # date: where the calendar grid places it (the post's own zone)
    "local_time",  # "09:00"
    "tz",  # "CET", "UTC+02:00"...
    "caption",  # the full caption the platform gets ("" when none)
    "preview",  # one line, at most 60 characters
    "status",  # the ledger's status, or "planned"
    "action",  # the plan's action for it, "" without a plan
    "source",  # "file:line"
    "invalid",  # the entry has errors (publishing skips or refuses it)
    "in_calendar",  # False: only the ledger knows it (removed from the calendar)
    "origin",  # "series", "queue", "pool" or "" (report.origin)
    "badge",  # the origin's short mark ("↻ weekly-tip", "⇥ weekdays 08:30", "♻ tips #3")
    "origin_label",  # the origin in words, for the tooltip
)
DIAGNOSTIC_COLUMNS: Final = (
    "severity",
    "code",
    "name",
    "file",
    "line",
    "where",
    "entry",
    "platform",
    "message",
    "hint",
)
FREE_SLOT_COLUMNS: Final = (
    "slots",
    "account",
    "platform",
    "at_utc",
    "local_day",
    "local_time",
    "tz",
)
DAILY_COLUMNS: Final = ("account", "utc_day", "platform", "posts")
FIGURES_COLUMNS: Final = ("identity", "platform", "account", "post_id", "polled_at", *METRICS)


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything the page shows; each DataFrame has the matching *_COLUMNS, in that order."""

    title: str
    generated_at: datetime
    now: datetime  # the validation's "now": posts after it count against the allowance
    posts: pd.DataFrame
    diagnostics: pd.DataFrame
    daily: pd.DataFrame  # future calendar posts per account, UTC day and platform
    figures: pd.DataFrame  # every reading, by post then time; None = not reported
    plan_settings: PlanSettings | None
    summary: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    has_ledger: bool = False
    permalinks: Mapping[str, str] = field(default_factory=dict)  # identity -> http(s) URL
    #: Posting slots no post takes yet (FREE_SLOT_COLUMNS), shown in the grids.
    free_slots: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(FREE_SLOT_COLUMNS), dtype=object)
    )


def _zone(entry: Entry | None) -> tzinfo:
    if entry is None or not entry.tz:
        return UTC
    try:
        return zone(entry.tz)
    except TimeProblem:
        return UTC


def _when(at: datetime, entry: Entry | None) -> dict[str, Any]:
    local = at.astimezone(_zone(entry))
    return {
        "at_utc": at.astimezone(UTC),
        "utc_day": at.astimezone(UTC).date(),
        "local_day": local.date(),
        "local_time": f"{local:%H:%M}",
        "tz": local.tzname() or "",
    }


def _origin(origin: Origin | None) -> dict[str, str]:
    if origin is None:
        return {"origin": "", "badge": "", "origin_label": ""}
    return {"origin": origin.kind, "badge": origin.badge, "origin_label": origin.label}


def _record_row(record: LedgerPost, action: str) -> dict[str, Any] | None:
    """A post only the ledger knows (removed from the calendar since it was sent, or an
    occurrence the calendar no longer produces: past the rolling horizon's start, or edited
    out of its series)."""
    if record.scheduled_for is None:
        return None
    origin = origin_of_id(record.entry_id)
    return {
        "identity": record.identity,
        "entry_id": record.entry_id,
        "platform": record.platform,
        "account": record.account,
        **_when(record.scheduled_for, None),
        "caption": "",
        # An occurrence is no longer produced once past (or edited out of its series).
        "preview": "(not produced by the calendar now)"
        if origin
        else "(not in the calendar any more)",
        "status": record.status,
        "action": action,
        "source": record.source,
        "invalid": False,
        "in_calendar": False,
        **_origin(origin),
    }


def posts_frame(
    result: ValidationResult, ledger: Mapping[str, LedgerPost], plan: Plan | None
) -> pd.DataFrame:
    """Every post of the calendar (valid or not) and every post only the ledger knows."""
    actions = {s.identity: s.action for s in plan.steps} if plan is not None else {}
    invalid = result.invalid_entries()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Digests only change fingerprints, which the report does not show.
    for post in planned_posts(result.entries, {}):
        seen.add(post.identity)
        record = ledger.get(post.identity)
        caption = post.caption or ""
        shown = preview(caption, 60) or preview(post.entry.title, 60) or "(media only)"
        rows.append(
            {
                "identity": post.identity,
                "entry_id": post.entry.id,
                "platform": post.platform,
                "account": post.account,
                **_when(post.scheduled_for, post.entry),
                "caption": caption,
                "preview": shown,
                "status": record.status if record is not None else "planned",
                "action": actions.get(post.identity, ""),
                "source": str(post.source),
                "invalid": (post.source.file, post.source.line) in invalid,
                "in_calendar": True,
                **_origin(origin_of(post.entry)),
            }
        )
    for identity in sorted(set(ledger) - seen):
        row = _record_row(ledger[identity], actions.get(identity, ""))
        if row is not None:
            rows.append(row)
    # Object dtype throughout: None stays None (pandas 3 would make missing text NaN).
    frame = pd.DataFrame(rows, columns=list(POST_COLUMNS), dtype=object)
    if frame.empty:
        return frame
    return frame.sort_values(["at_utc", "platform", "identity"], kind="stable").reset_index(
        drop=True
    )


def free_slots_frame(free: Sequence[FreeSlot]) -> pd.DataFrame:
    """Free slots placed as the grids place posts: on the local day of the slots' own zone."""
    rows = [
        {
            "slots": slot.slots,
            "account": slot.account,
            "platform": slot.platform,
            "at_utc": slot.at.astimezone(UTC),
            "local_day": slot.at.date(),
            "local_time": f"{slot.at:%H:%M}",
            "tz": slot.at.tzname() or "",
        }
        for slot in free
    ]
    return pd.DataFrame(rows, columns=list(FREE_SLOT_COLUMNS), dtype=object)


def diagnostics_frame(result: ValidationResult) -> pd.DataFrame:
    rows = [
        {
            **{k: v for k, v in d.as_dict().items() if k in DIAGNOSTIC_COLUMNS},
            "where": f"{d.file}:{d.line}" if d.line else d.file,
        }
        for d in result.diagnostics
    ]
    return pd.DataFrame(rows, columns=list(DIAGNOSTIC_COLUMNS), dtype=object)


def daily_frame(posts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Future calendar posts per account, UTC day and platform: what the daily allowance counts.

    The same posts the validator's allowance forecast (W401) counts, so a day over the cap
    here is a day with W401 warnings there.
    """
    if posts.empty:
        return pd.DataFrame(columns=list(DAILY_COLUMNS), dtype=object)
    future = posts[posts["in_calendar"] & posts["at_utc"].map(lambda t: t > now)]
    if future.empty:
        return pd.DataFrame(columns=list(DAILY_COLUMNS), dtype=object)
    counted = future.groupby(["account", "utc_day", "platform"]).size().rename("posts")
    return counted.reset_index()[list(DAILY_COLUMNS)]


def figures_frame(state: LedgerState | None) -> pd.DataFrame:
    """Every figures reading. Object dtype keeps None as None (not reported), never NaN or 0."""
    rows = list(engagement_rows(state, lambda t: t.astimezone(UTC))) if state else []
    return pd.DataFrame(rows, columns=list(FIGURES_COLUMNS), dtype=object)


def _permalinks(state: LedgerState | None) -> dict[str, str]:
    """Only http(s) links are kept: a `javascript:` permalink must never become a link."""
    if state is None:
        return {}
    return {
        identity: post.permalink
        for identity, post in state.posts.items()
        if post.permalink and post.permalink.lower().startswith(("https://", "http://"))
    }


def _summary(
    result: ValidationResult, posts: pd.DataFrame, state: LedgerState | None, plan: Plan | None
) -> dict[str, Any]:
    summary = result.summary()
    statuses = posts["status"].value_counts().to_dict() if not posts.empty else {}
    summary["statuses"] = {str(k): int(v) for k, v in sorted(statuses.items())}
    summary["ledger_events"] = state.event_count if state is not None else None
    summary["plan"] = dict(plan.counts) if plan is not None else None
    summary["unplaced"] = sum(1 for e in result.entries if e.at_utc is None)
    return summary


def build_report_data(
    result: ValidationResult,
    ledger_state: LedgerState | None,
    plan: Plan | None,
    generated_at: datetime,
    *,
    title: str = "Content calendar report",
    free_slots: Sequence[FreeSlot] = (),
) -> ReportData:
    """The report's tables. `ledger_state` None: no ledger (every post shows as planned).
    `free_slots`: the posting slots still free (report.free_slots), shown in the grids."""
    ledger = ledger_state.posts if ledger_state is not None else {}
    posts = posts_frame(result, ledger, plan)
    notes = list(result.notes)
    summary = _summary(result, posts, ledger_state, plan)
    if summary["unplaced"]:
        notes.append(
            f"{summary['unplaced']} entries have no usable time and are not in the calendar "
            "grids (see the diagnostics)"
        )
    return ReportData(
        title=title,
        generated_at=generated_at,
        now=result.now,
        posts=posts,
        diagnostics=diagnostics_frame(result),
        daily=daily_frame(posts, result.now),
        figures=figures_frame(ledger_state),
        plan_settings=result.config.plan,
        summary=summary,
        notes=tuple(notes),
        has_ledger=ledger_state is not None,
        permalinks=_permalinks(ledger_state),
        free_slots=free_slots_frame(free_slots),
    )
