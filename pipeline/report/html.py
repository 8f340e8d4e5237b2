"""The HTML report: one self-contained page (inline CSS, JS and SVG; no fetches, opens from file://).

Pure: `ReportData` in, one string out; the CLI decides where it goes. Sections: summary, month
and week grids, diagnostics (filterable), posts per day against the plan's cap, figures.

    html = render_html(build_report_data(result, ledger_state, plan, generated_at))
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from datetime import UTC
from typing import Any

import pandas as pd

from pipeline.report.html_assets import CSS, JS
from pipeline.report.html_calendar import month_grids, week_grids
from pipeline.report.html_charts import daily_cap_section, figures_section, legend
from pipeline.report.html_data import ReportData
from pipeline.report.html_util import esc, platform_order, records, script_json, token

__all__ = ["render_html"]


def _csp() -> str:
    """Only our own script may run (by hash); nothing may be fetched."""
    digest = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _cards(data: ReportData) -> str:
    s = data.summary
    cards = [
        ("files", s["files"]),
        ("entries", s["entries"]),
        ("posts", s["posts"]),
        ("errors", s["errors"]),
        ("warnings", s["warnings"]),
    ]
    cards += [(status, count) for status, count in s.get("statuses", {}).items()]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card {token(name)}" data-card="{esc(name)}"><b>{int(value)}</b>'
            f"{esc(name)}</div>"
            for name, value in cards
        )
        + "</div>"
    )


def _header(data: ReportData) -> str:
    s = data.summary
    ledger = (
        f"ledger: {s['ledger_events']} events" if data.has_ledger else "no ledger (all planned)"
    )
    plan = s.get("plan")
    plan_text = (
        "plan: " + ", ".join(f"{n} {a}" for a, n in sorted(plan.items())) if plan else "no plan"
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in data.notes)
    return (
        f"<header><h1>{esc(data.title)}</h1>"
        f'<p class="meta">generated {data.generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC · '
        f"as of {data.now.astimezone(UTC):%Y-%m-%d %H:%M} UTC · {esc(ledger)} · "
        f"{esc(plan_text)}</p>{_cards(data)}"
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + '<nav><a href="#month">Month</a><a href="#week">Week</a>'
        '<a href="#diagnostics">Diagnostics</a><a href="#daily">Posts per day</a>'
        '<a href="#figures">Figures</a></nav></header>'
    )


def _diag_row(d: dict[str, Any]) -> str:
    platform = d["platform"] or "(none)"
    hint = f'<div class="hint">{esc(d["hint"])}</div>' if d["hint"] else ""
    return (
        f'<tr class="diag sev-{token(d["severity"])}" data-severity="{esc(d["severity"])}" '
        f'data-platform="{esc(platform)}" data-code="{esc(d["code"])}">'
        f'<td class="sev">{esc(d["severity"])}</td><td><code>{esc(d["where"])}</code></td>'
        f"<td><code>{esc(d['code'])}</code> {esc(d['name'])}</td>"
        f"<td>{esc(d['entry'] or '')}</td><td>{esc(d['platform'] or '')}</td>"
        f"<td>{esc(d['message'])}{hint}</td></tr>"
    )


def _diagnostics(frame: pd.DataFrame) -> str:
    if frame.empty:
        return '<p class="empty" id="no-problems">No problems found.</p>'
    severities = Counter(frame["severity"])
    platforms = Counter(p or "(none)" for p in frame["platform"])
    boxes = "".join(
        f'<label><input type="checkbox" class="f-sev" id="f-sev-{sev}" value="{sev}" checked> '
        f"{sev}s ({severities.get(sev, 0)})</label>"
        for sev in ("error", "warning")
    )
    options = "".join(
        f'<option value="{esc(p)}">{esc(p)} ({n})</option>'
        for p, n in sorted(platforms.items(), key=lambda item: platform_order(item[0]))
    )
    filters = (
        f'<div class="filters">{boxes}<label>platform <select class="f-platform" '
        f'id="f-platform"><option value="">all</option>{options}</select></label>'
        f'<span class="f-shown">{len(frame)} shown</span></div>'
    )
    groups = []
    for file, rows in frame.groupby("file", sort=True):
        ordered = rows.sort_values(["line", "code"], kind="stable")
        body = "".join(_diag_row(d) for d in records(ordered))
        groups.append(
            f'<div class="dgroup" data-file="{esc(file)}"><h3><code>{esc(file)}</code> '
            f"<small>({len(rows)})</small></h3>"
            '<table class="data diags"><thead><tr><th>severity</th><th>where</th><th>code</th>'
            "<th>entry</th><th>platform</th><th>problem</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )
    return filters + "".join(groups)


def _payload(data: ReportData) -> dict[str, Any]:
    """A machine-readable copy of the essentials, for scripts that scrape the report."""
    posts = data.posts
    return {
        "generated_at": data.generated_at.astimezone(UTC).isoformat(),
        "summary": dict(data.summary),
        "posts": [
            {
                "identity": p["identity"],
                "platform": p["platform"],
                "account": p["account"],
                "at_utc": p["at_utc"].isoformat(),
                "status": p["status"],
                "preview": p["preview"],
            }
            for p in records(posts)
        ],
    }


def render_html(report: ReportData) -> str:
    """The whole page. Every piece of user text is escaped on its way in (see html_util)."""
    platforms = sorted(set(report.posts["platform"]), key=platform_order)
    key = legend(platforms) if platforms else ""
    sections = [
        f'<section id="month"><h2>Month</h2>{key}'
        f"{month_grids(report.posts, report.now, report.free_slots)}</section>",
        '<section id="week"><h2>Week</h2>'
        f"{week_grids(report.posts, report.now, report.free_slots)}</section>",
        f'<section id="diagnostics"><h2>Diagnostics</h2>{_diagnostics(report.diagnostics)}'
        "</section>",
        '<section id="daily"><h2>Posts per UTC day against the plan\'s cap</h2>'
        f"{daily_cap_section(report.daily, report.plan_settings)}</section>",
        '<section id="figures"><h2>Figures</h2>'
        f"{figures_section(report.figures, report.permalinks, report.has_ledger)}</section>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp())}">'
        f'<title>{esc(report.title)}</title><link rel="icon" href="data:,">'
        f"<style>{CSS}</style></head><body>"
        f"{_header(report)}{''.join(sections)}"
        f'<script type="application/json" id="report-data">{script_json(_payload(report))}'
        f"</script><script>{JS}</script></body></html>\n"
    )
