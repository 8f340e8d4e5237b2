"""The plan as people read it (terraform-style) and as programs read it (JSON)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pipeline.calendar.times import zone
from pipeline.model import Entry
from pipeline.plan import Plan, Step
from pipeline.report.console import markup_safe, text_console

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


def _line(step: Step) -> str:
    symbol, style = SYMBOLS[step.action]
    when = step.scheduled_for
    utc = f"{when:%Y-%m-%d %H:%M} UTC" if when else "?"
    if step.post is not None:
        post = step.post
        media = ", ".join(m.value.rsplit("/", 1)[-1] for m in post.media)
        if post.entry.clip is not None:
            media = f"clip {post.entry.clip.job}#{post.entry.clip.index}"
        caption = preview(post.entry.caption_for(post.platform))
        text = (
            f"  [{style}]{symbol} {step.action:<9}[/] {utc}  "
            f"[dim]({markup_safe(_local(step))})[/]  "
            f"[bold]{markup_safe(post.platform):<9}[/] {markup_safe(post.account):<14} "
            f"{markup_safe(repr(caption)) if caption else ''}"
            + (f"  [dim]\\[{markup_safe(media)}][/]" if media else "")
            + f"  [dim]{markup_safe(str(post.source))}[/]"
        )
    else:
        rec = step.recorded
        platform = rec.platform if rec else ""
        account = rec.account if rec else ""
        text = (
            f"  [{style}]{symbol} {step.action:<9}[/] {utc}  [bold]{markup_safe(platform):<9}[/] "
            f"{markup_safe(account):<14} {markup_safe(step.identity)}"
        )
    if step.reason and step.action not in ("create",):
        text += f"\n      [dim]{markup_safe(step.reason)}[/]"
    if step.late:
        text += (
            "\n      [yellow]would be submitted after its time (throttles): it may go out late[/]"
        )
    return text


def render_plan_text(
    plan: Plan,
    *,
    header: str,
    skipped: Sequence[Entry] = (),
    show_unchanged: bool = False,
    color: bool = False,
) -> str:
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=160)
    console.print(markup_safe(header))
    console.print()
    shown = [s for s in plan.steps if show_unchanged or s.action != "unchanged"]
    if not shown:
        console.print("  No changes. The service is in step with the calendar.")
    for step in shown:
        console.print(_line(step))
    for entry in skipped:
        console.print(
            f"  [red]✖ skipped  [/] {markup_safe(entry.label)}  "
            "[dim](invalid; see the diagnostics)[/]"
        )
    console.print()
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
    console.print(f"[bold]Plan:[/] {', '.join(parts)}.")
    fc = plan.forecast
    if plan.sends:
        lane = f"busiest lane: {fc.busiest_lane}, {fc.busiest_count} posts × {fc.post_interval:g} s"
        media = (
            f"; {fc.media_imports} media imports × {fc.media_interval:g} s"
            if fc.media_imports
            else ""
        )
        console.print(
            f"Submitting takes about {duration(fc.duration)} under the API's throttles "
            f"({lane}{media})."
        )
    late = [s for s in plan.steps if s.late]
    if late:
        console.print(f"[yellow]{len(late)} post(s) would be submitted after their time.[/]")
    return buffer.getvalue()


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
            "post_interval": fc.post_interval,
            "media_interval": fc.media_interval,
        },
    }


def render_plan_json(plan: Plan, skipped: Sequence[Entry] = ()) -> str:
    return json.dumps(plan_as_dict(plan, skipped), indent=2, ensure_ascii=False) + "\n"
