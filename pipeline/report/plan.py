"""The plan as people read it (terraform-style) and as programs read it (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pipeline.model import Entry
from pipeline.plan.diff import Plan, Step
from pipeline.report.console import paint
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


def render_plan_text(
    plan: Plan,
    *,
    header: str,
    skipped: Sequence[Entry] = (),
    show_unchanged: bool = False,
    color: bool = False,
) -> str:
    """Plain string work, a line or two per step (see report.console: no markup, no rich)."""
    lines = [printable(header), ""]
    shown = [s for s in plan.steps if show_unchanged or s.action != "unchanged"]
    if not shown:
        lines.append("  No changes. The service is in step with the calendar.")
    lines += [_line(step, color) for step in shown]
    for entry in skipped:
        lines.append(
            f"  {paint('✖ skipped  ', 'red', color=color)} {printable(entry.label)}  "
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


def render_plan_json(plan: Plan, skipped: Sequence[Entry] = ()) -> str:
    return json.dumps(plan_as_dict(plan, skipped), indent=2, ensure_ascii=False) + "\n"
