"""`pipeline status` as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.textsafe import printable

METRICS = ("views", "likes", "comments", "shares", "impressions", "reach", "saves", "clicks")


def _metric(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def render_status_text(data: Mapping[str, Any]) -> str:
    lines = [f"{data['posts']} post(s) in the ledger"]
    for status, count in data["by_status"].items():
        lines.append(f"  {status:<11} {count}")
    if data.get("ignored_events"):
        lines.append(
            f"{data['ignored_events']} event(s) of a type this version does not know were "
            "ignored (written by a newer pipeline?)"
        )
    last = data.get("last_run")
    if last:
        state = (
            "still running or killed"
            if last["finished_at"] is None
            else (f"finished {last['finished_at']}, exit code {last['exit_code']}")
        )
        lines.append(f"last run {last['run']} ({last['command']}): {state}")
    for d in data["disconnected"]:
        lines.append(
            f"!! {d['account']} {d['platform']} is DISCONNECTED ({d['reason']}): reconnect it; "
            "its waiting posts will fail until then"
        )
    if data["problems"]:
        lines.append("needs attention:")
        for p in data["problems"]:
            lines.append(f"  {p['status']:<8} {p['identity']}  {p['source']}  {p['error'] or ''}")
    figures = data["latest_figures"]
    if figures:
        lines.append("latest figures (— = not reported):")
        lines.append("  " + f"{'post':<40}" + "".join(f"{m:>12}" for m in METRICS))
        for identity, row in sorted(figures.items()):
            lines.append(
                "  "
                + f"{identity[:39]:<40}"
                + "".join(f"{_metric(row.get(m)):>12}" for m in METRICS)
            )
    # Every value here is from the ledger, which anyone with the repository can edit.
    return "\n".join(printable(line) for line in lines) + "\n"
