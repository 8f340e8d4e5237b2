"""Inline SVG charts: posts per UTC day against the plan's cap, and figures over time.

Plain SVG strings, no library and no fetches: the report must open from file:// offline. Every
bar and point carries a <title>, so the numbers are readable without a legend lookup.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import pandas as pd

from pipeline.ledger.schema import METRICS
from pipeline.report.html_util import colour, esc, number, platform_order, records, token
from pipeline.rules.context import PlanSettings

PLOT_H = 140
LEFT, BOTTOM, TOP = 40, 30, 12
MAX_FIGURE_POSTS = 60  # charts beyond this many posts would bury the page; the table has all


def legend(platforms: Sequence[str]) -> str:
    items = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{colour(p)}"/></svg> {esc(p)}</li>'
        for p in platforms
    )
    return f'<ul class="legend">{items}</ul>'


def _x_labels(days: list[date], bar: int) -> dict[int, str]:
    """Every few days, so labels never overlap; the month is named where it changes."""
    step = max(1, math.ceil(40 / bar))
    labels: dict[int, str] = {}
    month = None
    for index in range(0, len(days), step):
        day = days[index]
        labels[index] = f"{day.day}" if day.month == month else f"{day.day} {day:%b}"
        month = day.month
    return labels


def _account_chart(
    account: str, rows: pd.DataFrame, days: list[date], cap: int | None
) -> tuple[str, list[tuple[date, int]]]:
    busiest = max([int(n) for n in rows.groupby("utc_day")["posts"].sum()], default=0)
    # A cap far above every bar would flatten them to slivers: the axis then ends above the
    # busiest day and the cap is named at the top instead of drawn.
    far_cap = cap is not None and cap > 2 * busiest
    top = max(busiest, 1) if far_cap or cap is None else max(busiest, cap, 1)
    axis = math.ceil(top * 1.2)
    bar = max(3, min(24, 900 // max(len(days), 1)))
    gap = 1 if bar > 4 else 0
    width = max(LEFT + bar * len(days) + 12, 320)  # room for the cap label beside few bars
    height = TOP + PLOT_H + BOTTOM

    def y(value: float) -> float:
        return TOP + PLOT_H - value * PLOT_H / axis

    parts = [
        f'<svg class="chart daily" width="{width}" height="{height}" role="img" '
        f'aria-label="posts per UTC day for {esc(account)}">',
        f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{width - 8}" y2="{y(0):.1f}" stroke="#888"/>',
    ]
    for tick in sorted({0, axis // 2, axis}):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick}</text>"
        )
    over: list[tuple[date, int]] = []
    labels = _x_labels(days, bar)
    by_day = {day: group for day, group in rows.groupby("utc_day")}
    for index, day in enumerate(days):
        x = LEFT + index * bar
        label = labels.get(index)
        if label:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" '
                f'class="tick">{esc(label)}</text>'
            )
        group = by_day.get(day)
        if group is None:
            continue
        total = int(group["posts"].sum())
        is_over = cap is not None and total > cap
        if is_over:
            over.append((day, total))
            parts.append(
                f'<rect class="over-band" x="{x}" y="{TOP}" width="{bar}" height="{PLOT_H}" '
                f'fill="#fbd5d5"/>'
            )
        split = sorted(
            ((str(p), int(n)) for p, n in zip(group["platform"], group["posts"], strict=True)),
            key=lambda item: platform_order(item[0]),
        )
        detail = ", ".join(f"{p} {n}" for p, n in split)
        cap_text = f"; cap {cap}" + (" — OVER" if is_over else "") if cap is not None else ""
        parts.append(
            f'<g class="day{" over" if is_over else ""}" data-day="{day.isoformat()}" '
            f'data-total="{total}"><title>{day.isoformat()} (UTC): {total} posts '
            f"({esc(detail)}){cap_text}</title>"
        )
        base = 0
        for platform, count in split:
            parts.append(
                f'<rect x="{x + gap / 2:.1f}" y="{y(base + count):.1f}" width="{bar - gap}" '
                f'height="{count * PLOT_H / axis:.1f}" fill="{colour(platform)}" '
                f'class="pf-{token(platform)}"/>'
            )
            base += count
        parts.append("</g>")
    if cap is not None and not far_cap:
        parts.append(
            f'<line class="cap" x1="{LEFT}" y1="{y(cap):.1f}" x2="{width - 8}" '
            f'y2="{y(cap):.1f}" stroke="#d00" stroke-width="1.5" stroke-dasharray="5 3"/>'
            f'<text x="{width - 8}" y="{y(cap) - 4:.1f}" text-anchor="end" class="cap-label">'
            f"cap {cap}</text>"
        )
    elif cap is not None:
        parts.append(
            f'<text x="{width - 8}" y="{TOP}" text-anchor="end" class="cap-label far">'
            f"cap {cap} (far above)</text>"
        )
    parts.append("</svg>")
    return "".join(parts), over


def _plan_note(plan: PlanSettings | None) -> str:
    if plan is None:
        return (
            '<p class="note" id="no-plan">No plan is set (<code>plan:</code> in pipeline.yaml, '
            "e.g. <code>plan: {tier: beginner, daily: 20}</code>), so there is no cap to compare "
            "with: the charts show the planned posts per UTC day only.</p>"
        )
    if plan.daily is not None:
        return (
            f'<p class="note">The <b>{esc(plan.tier)}</b> plan allows <b>{plan.daily}</b> posts '
            "a UTC day per profile, all its platforms together; the API moves posts beyond that "
            "to the next UTC day. Days over the cap are shaded red.</p>"
        )
    return (
        f'<p class="note">The <b>{esc(plan.tier)}</b> plan allows <b>{plan.monthly}</b> posts a '
        "month and has no daily cap; posts beyond the monthly allowance are refused (see the "
        "W402 warnings).</p>"
    )


def daily_cap_section(daily: pd.DataFrame, plan: PlanSettings | None) -> str:
    """One chart per account: planned posts per UTC day, stacked by platform, against the cap."""
    note = _plan_note(plan)
    if daily.empty:
        return note + '<p class="empty">No posts still to come.</p>'
    first, last = min(daily["utc_day"]), max(daily["utc_day"])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    cap = plan.daily if plan is not None else None
    out = [note]
    for account, rows in daily.groupby("account", sort=True):
        svg, over = _account_chart(str(account), rows, days, cap)
        platforms = sorted(set(rows["platform"]), key=platform_order)
        if cap is None:
            verdict = ""
        elif over:
            listed = ", ".join(f"{d.isoformat()} ({n} of {cap})" for d, n in over)
            verdict = (
                f'<p class="over-list">Over the cap on {len(over)} '
                f"day{'s' * (len(over) != 1)}: {listed}</p>"
            )
        else:
            verdict = '<p class="ok-list">Never over the cap.</p>'
        out.append(
            f'<div class="account-chart" data-account="{esc(account)}">'
            f"<h3>{esc(account)} <small>{int(rows['posts'].sum())} posts</small></h3>"
            f'{legend(platforms)}<div class="scroll">{svg}</div>{verdict}</div>'
        )
    return "".join(out)


def _segments(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of reported values: a None (not reported) breaks the line, it is never drawn as 0."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, value in points:
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, value))
    return [r for r in runs if r]


def sparkline(metric: str, times: list[datetime], values: list[float | int | None]) -> str:
    width, height, pad = 200, 56, 6
    start, end = min(times), max(times)
    span = (end - start).total_seconds() or 1.0
    top = max((v for v in values if v is not None), default=0) or 1

    def xy(at: datetime, value: float) -> tuple[float, float]:
        x = pad + (at - start).total_seconds() / span * (width - 2 * pad)
        if start == end:
            x = width / 2
        return x, height - pad - value * (height - 2 * pad) / top

    points = [(t, v) for t, v in zip(times, values, strict=True)]
    parts = [
        f'<svg class="spark" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(metric)} over time">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#ccc"/>',
    ]
    xs = [((t - start).total_seconds(), v) for t, v in points]
    for run in _segments(xs):
        coords = " ".join(
            "{:.1f},{:.1f}".format(*xy(start + timedelta(seconds=s), v)) for s, v in run
        )
        parts.append(
            f'<polyline fill="none" stroke="#3465a4" stroke-width="1.5" points="{coords}"/>'
        )
    for at, value in points:
        if value is None:
            continue
        cx, cy = xy(at, value)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" fill="#3465a4"><title>'
            f"{at:%Y-%m-%d %H:%M} UTC: {number(value)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _post_charts(identity: str, rows: pd.DataFrame, permalink: str | None) -> str:
    times = list(rows["polled_at"])
    shown, silent = [], []
    for metric in METRICS:
        values = list(rows[metric])
        if all(v is None for v in values):
            silent.append(metric)
            continue
        latest = values[-1]
        shown.append(
            f'<figure class="metric"><figcaption>{esc(metric)}: <b>{number(latest)}</b>'
            f"</figcaption>{sparkline(metric, times, values)}</figure>"
        )
    first = rows.iloc[0]
    link = f' <a href="{esc(permalink)}" rel="noreferrer">open</a>' if permalink else ""
    note = f'<p class="silent">not reported: {", ".join(silent)}</p>' if silent else ""
    return (
        f'<div class="post-figures" data-identity="{esc(identity)}">'
        f"<h3>{esc(identity)} <small>{esc(first['platform'] or '')} "
        f"{esc(first['account'] or '')} · {len(rows)} reading{'s' * (len(rows) != 1)}</small>"
        f"{link}</h3>"
        f'<div class="metrics">{"".join(shown)}</div>{note}</div>'
    )


def _table(latest: pd.DataFrame) -> str:
    head = [("post", "text"), ("platform", "text"), ("account", "text"), ("read at", "text")]
    head += [(m.replace("_", " "), "num") for m in METRICS]
    ths = "".join(
        f'<th data-type="{kind}" tabindex="0" aria-sort="none">{esc(name)}</th>'
        for name, kind in head
    )
    rows = []
    for record in records(latest):
        cells = [
            f'<td data-v="{esc(record[key] or "")}">{esc(record[key] or "")}</td>'
            for key in ("identity", "platform", "account")
        ]
        polled = record["polled_at"]
        cells.append(f'<td data-v="{polled.isoformat()}">{polled:%Y-%m-%d %H:%M}</td>')
        for metric in METRICS:
            value = record[metric]
            raw = "" if value is None else repr(value)
            cells.append(f'<td class="num" data-v="{esc(raw)}">{number(value)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="sortable data" id="figures-table"><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def figures_section(figures: pd.DataFrame, permalinks: Mapping[str, str], has_ledger: bool) -> str:
    if figures.empty:
        where = "The ledger holds" if has_ledger else "No ledger was given, so there are"
        return f'<p class="empty">{where} no figures yet (the runner records them).</p>'
    groups = list(figures.groupby("identity", sort=True))
    charts = [_post_charts(str(i), rows, permalinks.get(str(i))) for i, rows in groups]
    extra = ""
    if len(charts) > MAX_FIGURE_POSTS:
        extra = (
            f'<p class="note">…and {len(charts) - MAX_FIGURE_POSTS} more posts in the table '
            "below.</p>"
        )
    latest = figures.groupby("identity", sort=True).tail(1)
    return (
        '<p class="note">Latest reading per post; "—" means the network did not report that '
        "figure (it is not 0). Click a column to sort.</p>"
        f"{_table(latest)}<h3>Over time</h3>{''.join(charts[:MAX_FIGURE_POSTS])}{extra}"
    )
