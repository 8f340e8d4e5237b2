"""`pipeline status`: what the ledger says, without contacting the API."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from pipeline.commands.common import EXIT_OK, EXIT_PROBLEMS, existing_ledger
from pipeline.ledger import Ledger, LedgerState
from pipeline.report.status import render_status_text


def status_data(state: LedgerState) -> dict[str, Any]:
    posts = list(state.posts.values())
    by_status = Counter(p.status for p in posts)
    latest: dict[str, dict[str, Any]] = {}
    for identity, rows in state.figures.items():
        if rows:
            row = max(rows, key=lambda r: r.polled_at)
            latest[identity] = {"polled_at": row.polled_at.isoformat(), **dict(row.metrics)}
    problems = [
        {"identity": p.identity, "status": p.status, "source": p.source, "error": p.last_error}
        for p in sorted(posts, key=lambda p: p.identity)
        if p.status in ("failed", "unknown")
    ]
    disconnected = [
        {"account": d.account, "platform": d.platform, "reason": d.reason, "message": d.message}
        for _, d in sorted(state.disconnected.items())
    ]
    runs = sorted(state.runs.values(), key=lambda r: (r.started_at is None, r.started_at))
    last = runs[-1] if runs else None
    return {
        "posts": len(posts),
        "by_status": dict(sorted(by_status.items())),
        "problems": problems,
        "disconnected": disconnected,
        "latest_figures": latest,
        # Events of a type this version does not know (a newer pipeline wrote them): counted.
        "ignored_events": state.ignored,
        "last_run": None
        if last is None
        else {
            "run": last.run,
            "command": last.command,
            "started_at": last.started_at.isoformat() if last.started_at else None,
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "exit_code": last.exit_code,
            "counts": dict(last.counts),
        },
    }


def status_command(args: argparse.Namespace) -> int:
    data = status_data(Ledger(existing_ledger(args)).state())
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(render_status_text(data))
    return EXIT_PROBLEMS if data["problems"] or data["disconnected"] else EXIT_OK
