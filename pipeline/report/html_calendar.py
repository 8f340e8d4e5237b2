"""The month and week grids: each post a chip coloured by platform, on its local day.

A post sits on the day of its own time zone (what the calendar's author wrote); its chip shows
the local time, the platform, the account, a caption preview and the status, and a mark when a
series (↻), a queue (⇥) or an evergreen pool (♻) made it. Free posting slots show in the week
grid one by one and in the month grid as a count. Months and weeks are pages of a pager (one
shown at a time; the script turns pages), starting at the page of the first post still to come.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from pipeline.report.html_util import esc, records, token

MONTH_CHIPS = 4  # a month cell shows this many posts, then "+N more"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _tooltip(post: dict[str, Any]) -> str:
    lines = [
        f"{post['local_time']} {post['tz']} · {post['platform']} · {post['account']}",
        post["caption"][:300] or post["preview"],
        f"status: {post['status']}"
        + (f" · plan: {post['action']}" if post["action"] else "")
        + (" · INVALID (see the diagnostics)" if post["invalid"] else ""),
        f"{post['identity']} · {post['source']}",
    ]
    if post["origin_label"]:
        lines.append(f"from {post['origin_label']}")
    return "\n".join(lines)


def _badge(post: dict[str, Any]) -> str:
    if not post["origin"]:
        return ""
    return (
        f'<span class="orig or-{token(post["origin"])}" title="{esc(post["origin_label"])}">'
        f"{esc(post['badge'])}</span> "
    )


def chip(post: dict[str, Any]) -> str:
    classes = f"post pf-{token(post['platform'])} st-{token(post['status'])}"
    if post["invalid"]:
        classes += " invalid"
    if post["origin"]:
        classes += f" or-{token(post['origin'])}"
    return (
        f'<li class="{classes}" data-identity="{esc(post["identity"])}" '
        f'data-origin="{esc(post["origin"])}" title="{esc(_tooltip(post))}">'
        f'<div class="l1"><span class="t">{esc(post["local_time"])}</span> '
        f'<span class="pf">{esc(post["platform"])}</span> '
        f'<span class="st">{esc(post["status"])}</span></div>'
        f'<div class="l2">{_badge(post)}<span class="acct">{esc(post["account"])}</span> '
        f'<span class="cap">{esc(post["preview"])}</span></div></li>'
    )


def _free_title(slot: dict[str, Any]) -> str:
    return (
        f"free slot {slot['local_time']} {slot['tz']} · {slot['platform']} · {slot['account']}"
        f" · slots: {slot['slots']}"
    )


def free_chip(slot: dict[str, Any]) -> str:
    """A posting slot no post takes yet (week grid): where the next queue entry would go."""
    return (
        f'<li class="free pf-{token(slot["platform"])}" data-platform="{esc(slot["platform"])}" '
        f'data-account="{esc(slot["account"])}" data-slots="{esc(slot["slots"])}" '
        f'data-at="{slot["at_utc"]:%Y-%m-%dT%H:%M:%SZ}" title="{esc(_free_title(slot))}">'
        f'<span class="t">{esc(slot["local_time"])}</span> free · '
        f'<span class="pf">{esc(slot["platform"])}</span> '
        f'<span class="acct">{esc(slot["account"])}</span> '
        f'<span class="slots">{esc(slot["slots"])}</span></li>'
    )


def _free_count(slots: list[dict[str, Any]]) -> str:
    """The month grid's line for a day's free slots (the week grid lists them)."""
    if not slots:
        return ""
    title = "\n".join(_free_title(s) for s in slots)
    plural = "s" * (len(slots) != 1)
    return f'<li class="free-count" title="{esc(title)}">{len(slots)} free slot{plural}</li>'


def _by_day(posts: pd.DataFrame) -> dict[date, list[dict[str, Any]]]:
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for post in records(posts):
        days[post["local_day"]].append(post)
    return days


def _start(
    pages: Sequence[Sequence[date]], days: dict[date, list[dict[str, Any]]], now: datetime
) -> int:
    """The first page with a post (or a free slot) still to come, else the last page."""
    for index, page in enumerate(pages):
        if any(p["at_utc"] >= now for day in page for p in days.get(day, ())):
            return index
    return max(len(pages) - 1, 0)


def _days(
    posts: pd.DataFrame, free: pd.DataFrame | None
) -> tuple[dict[date, list[dict[str, Any]]], dict[date, list[dict[str, Any]]], set[date]]:
    """Posts by day, free slots by day, and every day that has either."""
    days = _by_day(posts)
    slots = _by_day(free) if free is not None and not free.empty else {}
    return days, slots, set(days) | set(slots)


def _pager(kind: str, pages: list[tuple[str, str]], start: int) -> str:
    sections = "".join(
        f'<section class="page" data-label="{esc(label)}"{"" if i == start else " hidden"}>'
        f"{body}</section>"
        for i, (label, body) in enumerate(pages)
    )
    return (
        f'<div class="pager" id="{kind}-pager" data-start="{start}">'
        f'<div class="pager-bar"><button type="button" class="prev" aria-label="previous">'
        f'&#8249;</button><span class="pager-label">{esc(pages[start][0])}</span>'
        f'<button type="button" class="next" aria-label="next">&#8250;</button>'
        f'<span class="pager-count">{len(pages)} {kind}{"s" * (len(pages) != 1)}</span></div>'
        f"{sections}</div>"
    )


def month_grids(posts: pd.DataFrame, now: datetime, free: pd.DataFrame | None = None) -> str:
    days, slots, shown = _days(posts, free)
    if not shown:
        return '<p class="empty">No posts to show.</p>'
    months = sorted({(d.year, d.month) for d in shown})
    weeks_of = calendar.Calendar(firstweekday=0)
    pages = []
    for year, month in months:
        rows = []
        for week in weeks_of.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append('<td class="out"></td>')
                    continue
                items = days.get(day, [])
                more = len(items) - MONTH_CHIPS
                chips = "".join(chip(p) for p in items[:MONTH_CHIPS])
                tail = f'<li class="more">+{more} more</li>' if more > 0 else ""
                tail += _free_count(slots.get(day, []))
                today = " today" if day == now.date() else ""
                cells.append(
                    f'<td class="day{today}" data-date="{day.isoformat()}">'
                    f'<div class="dnum">{day.day}</div><ul class="chips">{chips}{tail}</ul></td>'
                )
            rows.append(f"<tr>{''.join(cells)}</tr>")
        head = "".join(f"<th>{d}</th>" for d in _WEEKDAYS)
        table = (
            f'<table class="grid month"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        pages.append((f"{calendar.month_name[month]} {year}", table))
    spans = [[d for d in shown if (d.year, d.month) == month] for month in months]
    return _pager("month", pages, _start(spans, _merged(days, slots), now))


def week_grids(posts: pd.DataFrame, now: datetime, free: pd.DataFrame | None = None) -> str:
    days, slots, shown = _days(posts, free)
    if not shown:
        return '<p class="empty">No posts to show.</p>'
    mondays = sorted({d - timedelta(days=d.weekday()) for d in shown})
    pages = []
    for monday in mondays:
        week = [monday + timedelta(days=i) for i in range(7)]
        head = "".join(
            f"<th>{_WEEKDAYS[i]} {d.day} {calendar.month_abbr[d.month]}</th>"
            for i, d in enumerate(week)
        )
        cells = "".join(
            f'<td class="day" data-date="{d.isoformat()}"><ul class="chips">'
            f"{''.join(chip(p) for p in days.get(d, []))}"
            f"{''.join(free_chip(s) for s in slots.get(d, []))}</ul></td>"
            for d in week
        )
        sunday = week[-1]
        label = f"Week {monday.isocalendar().week}: {monday:%d %b} – {sunday:%d %b %Y}"
        pages.append(
            (
                label,
                f'<table class="grid week"><thead><tr>{head}</tr></thead>'
                f"<tbody><tr>{cells}</tr></tbody></table>",
            )
        )
    spans = [[m + timedelta(days=i) for i in range(7)] for m in mondays]
    return _pager("week", pages, _start(spans, _merged(days, slots), now))


def _merged(
    days: dict[date, list[dict[str, Any]]], slots: dict[date, list[dict[str, Any]]]
) -> dict[date, list[dict[str, Any]]]:
    return {d: [*days.get(d, []), *slots.get(d, [])] for d in set(days) | set(slots)}
