"""The plan as people read it (terraform-style) and as programs read it (JSON)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pipeline.model import Entry, is_pool_repeat, series_of
from pipeline.plan.diff import Plan, Step
from pipeline.report.console import paint
from pipeline.schedule.slots import describe
from pipeline.textsafe import megabytes, printable
from pipeline.times import zone

SYMBOLS = {
    "create": ("+", "green"),
    "replace": ("~", "yellow"),
    "cancel": ("-", "red"),
    "reconcile": ("?", "magenta"),
    "defer": ("»", "cyan"),
    "locked": ("!", "yellow"),
    "orphan": ("!", "yellow"),
    "failed": ("✖", "red"),
    "unchanged": ("=", "dim"),
}
ORDER = (
    "create",
    "replace",
    "cancel",
    "reconcile",
    "defer",
    "locked",
    "orphan",
    "failed",
    "unchanged",
)


def preview(text: str | None, width: int = 48) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def duration(delta: timedelta) -> str:
    seconds = round(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _local(step: Step) -> str:
    post = step.post
    if post is None or post.entry.tz is None:
        return ""
    local = post.scheduled_for.astimezone(zone(post.entry.tz))
    return f"{local:%a %d %b %H:%M} {post.entry.tz}"


def _line(step: Step, color: bool) -> str:
    """One step (two or three lines with its reason and lateness); user values printable."""
    symbol, style = SYMBOLS[step.action]
    when = step.scheduled_for
    utc = f"{when:%Y-%m-%d %H:%M} UTC" if when else "?"
    text = f"  {paint(f'{symbol} {step.action:<9}', style, color=color)} {utc}  "
    if step.post is not None:
        post = step.post
        media = ", ".join(m.value.rsplit("/", 1)[-1] for m in post.media)
        if post.entry.clip is not None:
            media = f"clip {post.entry.clip.job}#{post.entry.clip.index}"
        caption = preview(post.entry.caption_for(post.platform))
        text += (
            f"{paint(f'({printable(_local(step))})', 'dim', color=color)}  "
            f"{paint(f'{printable(post.platform):<9}', 'bold', color=color)} "
            f"{printable(post.account):<14} "
            f"{printable(repr(caption)) if caption else ''}"
            + (f"  {paint(f'[{printable(media)}]', 'dim', color=color)}" if media else "")
            + f"  {paint(printable(post.source), 'dim', color=color)}"
            + (f"  ({printable(describe(post.entry))})" if post.entry.queue else "")
        )
    else:
        rec = step.recorded
        platform = rec.platform if rec else ""
        account = rec.account if rec else ""
        text += (
            f"{paint(f'{printable(platform):<9}', 'bold', color=color)} "
            f"{printable(account):<14} {printable(step.identity)}"
        )
    if step.reason and step.action not in ("create",):
        text += f"\n      {paint(printable(step.reason), 'dim', color=color)}"
    if step.late:
        late = "would be submitted after its time (throttles): it may go out late"
        text += f"\n      {paint(late, 'yellow', color=color)}"
    return text


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _rows(steps: Sequence[Step], show_all: bool) -> list[list[Step]]:
    """The steps to show, in plan order: each alone, except that a series' steps of one action
    are one row where its first step is (all of them alone with `--all`)."""
    rows: list[list[Step]] = []
    grouped: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        if not show_all and step.action == "unchanged":
            continue
        # Pool repeats stay one row each: the plan shows each one's slot time.
        series = None if show_all or is_pool_repeat(step.identity) else step.series
        if series is None:
            rows.append([step])
        elif (series, step.action) in grouped:
            grouped[series, step.action].append(step)
        else:
            grouped[series, step.action] = [step]
            rows.append(grouped[series, step.action])
    return rows


def _when_local(step: Step, tz: str | None) -> tuple[datetime, str] | None:
    """A step's wall time and zone: the entry's, or for a cancel (no entry) its recorded time
    in `tz`, the zone of its series' other steps (UTC when none)."""
    post = step.post
    if post is not None and post.entry.at_local is not None and post.entry.tz:
        return post.entry.at_local, post.entry.tz
    when = step.scheduled_for
    if when is None:
        return None
    return when.astimezone(zone(tz or "UTC")).replace(tzinfo=None), tz or "UTC"


def series_summary(steps: Sequence[Step], tz: str | None = None) -> str:
    """`weekly-tip × 52 (Tue, Thu 09:00 Europe/Berlin, 2027-01-05 … 2027-06-29)`: a series'
    steps of one action, counted in occurrences (a post on two platforms is one)."""
    occurrences = {s.identity.rsplit("/", 1)[0] for s in steps}
    times = sorted(w for w in (_when_local(s, tz) for s in steps) if w is not None)
    if not times:
        return f"{steps[0].series} × {len(occurrences)}"
    clock = sorted({f"{t:%H:%M}" for t, _ in times})
    at = ", ".join(clock) if len(clock) <= 3 else f"{len(clock)} times of day"
    zones = ", ".join(dict.fromkeys(z for _, z in times))
    first, last = times[0][0].date(), times[-1][0].date()
    span = f"{first}" if first == last else f"{first} … {last}"
    return f"{steps[0].series} × {len(occurrences)} ({_weekdays(times)}{at} {zones}, {span})"


def _weekdays(times: Sequence[tuple[datetime, str]]) -> str:
    """`Tue, Thu ` for a series that repeats within weeks (at most a week between most of its
    dates), `daily ` when that is every day; nothing for a monthly or yearly one, whose dates
    fall on any weekday."""
    dates = sorted({t.date() for t, _ in times})
    gaps = sorted((b - a).days for a, b in itertools.pairwise(dates))
    if not gaps or gaps[len(gaps) // 2] > 7:
        return ""
    days = sorted({d.weekday() for d in dates})
    return "daily " if len(days) == 7 else ", ".join(_WEEKDAYS[d] for d in days) + " "


def _skipped_labels(skipped: Sequence[Entry], show_all: bool) -> list[str]:
    """Each skipped entry; a series' skipped occurrences as one (all of them with `--all`)."""
    groups: dict[str, list[Entry]] = {}
    for entry in skipped:
        key = entry.label if show_all or entry.series is None else entry.series
        groups.setdefault(key, []).append(entry)
    return [
        g[0].label if len(g) == 1 else f"{key} × {len(g)} occurrences" for key, g in groups.items()
    ]


def _group_line(steps: Sequence[Step], zones: Mapping[str, str], color: bool) -> str:
    """One row for a series' steps of one action; `--all` lists them one by one."""
    first = steps[0]
    symbol, style = SYMBOLS[first.action]
    platforms = ", ".join(
        dict.fromkeys(
            s.post.platform if s.post else (s.recorded.platform if s.recorded else "")
            for s in steps
        )
    )
    where = str(first.post.source) if first.post else ""
    text = (
        f"  {paint(f'{symbol} {first.action:<9}', style, color=color)} "
        f"{printable(series_summary(steps, zones.get(first.series or '')))}  "
        f"{paint(f'{printable(platforms)}', 'bold', color=color)}"
        + (f"  {paint(printable(where), 'dim', color=color)}" if where else "")
    )
    reasons = list(dict.fromkeys(s.reason for s in steps if s.reason))
    if reasons and first.action != "create":
        text += f"\n      {paint(printable('; '.join(reasons)), 'dim', color=color)}"
    late = sum(s.late for s in steps)
    if late:
        note = f"{late} would be submitted after their time (throttles): they may go out late"
        text += f"\n      {paint(note, 'yellow', color=color)}"
    return text


def render_plan_text(
    plan: Plan,
    *,
    header: str,
    skipped: Sequence[Entry] = (),
    show_all: bool = False,
    color: bool = False,
) -> str:
    """Plain string work, a line or two per step (see report.console: no markup, no rich).
    A series shows as one row per action; `show_all` (`--all`) lists every post, unchanged
    ones and each occurrence too."""
    lines = [printable(header), ""]
    rows = _rows(plan.steps, show_all)
    if not rows:
        lines.append("  No changes. The service is in step with the calendar.")
    zones = {
        s.post.entry.series: s.post.entry.tz
        for s in plan.steps
        if s.post is not None and s.post.entry.series and s.post.entry.tz
    }
    lines += [_line(r[0], color) if len(r) == 1 else _group_line(r, zones, color) for r in rows]
    for label in _skipped_labels(skipped, show_all):
        lines.append(
            f"  {paint('✖ skipped  ', 'red', color=color)} {printable(label)}  "
            + paint("(invalid; see the diagnostics)", "dim", color=color)
        )
    lines.append("")
    counts = plan.counts
    parts = [f"{counts.get(a, 0)} to {a}" for a in ("create", "replace", "cancel")]
    parts += [f"{counts.get('unchanged', 0)} unchanged"]
    for action, word in (
        ("defer", "deferred"),
        ("reconcile", "to reconcile"),
        ("failed", "failed"),
        ("locked", "locked"),
        ("orphan", "orphaned"),
    ):
        if counts.get(action):
            parts.append(f"{counts[action]} {word}")
    if skipped:
        parts.append(f"{len(skipped)} skipped")
    lines.append(f"{paint('Plan:', 'bold', color=color)} {', '.join(parts)}.")
    fc = plan.forecast
    if plan.sends:
        lane = f"busiest lane: {fc.busiest_lane}, {fc.busiest_count} posts × {fc.post_interval:g} s"
        media = (
            f"; {fc.media_imports} media imports × {fc.media_interval:g} s"
            if fc.media_imports
            else ""
        )
        if fc.uploads:
            files = "file" if fc.uploads == 1 else "files"
            media = f"; upload {fc.uploads} {files} ({megabytes(fc.upload_bytes)}), {media[2:]}"
        lines.append(
            f"Submitting takes about {duration(fc.duration)} under the API's throttles "
            f"({printable(lane)}{media})."
        )
    late = [s for s in plan.steps if s.late]
    if late:
        lines.append(
            paint(
                f"{len(late)} post(s) would be submitted after their time.", "yellow", color=color
            )
        )
    return "\n".join(lines) + "\n"


def plan_as_dict(plan: Plan, skipped: Sequence[Entry] = ()) -> dict[str, Any]:
    steps = []
    for s in plan.steps:
        post = s.post
        steps.append(
            {
                "action": s.action,
                "identity": s.identity,
                "scheduled_for": s.scheduled_for.isoformat() if s.scheduled_for else None,
                "platform": post.platform
                if post
                else (s.recorded.platform if s.recorded else None),
                "account": post.account if post else (s.recorded.account if s.recorded else None),
                "source": str(post.source) if post else (s.recorded.source if s.recorded else None),
                "caption": post.entry.caption_for(post.platform) if post else None,
                "media": [m.value for m in post.media] if post else [],
                "reason": s.reason or None,
                "submit_after_s": s.submit_at.total_seconds() if s.submit_at is not None else None,
                "late": s.late,
                "series": s.series,
                "occurrence": post.entry.occurrence if post else _occurrence(s.identity),
            }
        )
    fc = plan.forecast
    return {
        "steps": steps,
        "counts": {a: plan.counts.get(a, 0) for a in ORDER},
        "skipped": [str(e.source) for e in skipped],
        "forecast": {
            "seconds": fc.duration.total_seconds(),
            "busiest_lane": fc.busiest_lane,
            "busiest_count": fc.busiest_count,
            "media_imports": fc.media_imports,
            "uploads": fc.uploads,
            "upload_bytes": fc.upload_bytes,
            "post_interval": fc.post_interval,
            "media_interval": fc.media_interval,
        },
    }


def _occurrence(ident: str) -> str | None:
    entry_id = ident.rsplit("/", 1)[0]
    return entry_id.split("@", 1)[1] if series_of(entry_id) else None


def render_plan_json(plan: Plan, skipped: Sequence[Entry] = ()) -> str:
    return json.dumps(plan_as_dict(plan, skipped), indent=2, ensure_ascii=False) + "\n"
