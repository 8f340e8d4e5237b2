"""`pipeline report`: one self-contained HTML file (calendar grids, diagnostics, caps, figures)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from pipeline.commands.common import (
    EXIT_OK,
    UsageError,
    intervals,
    ledger_dir,
    load,
    media_store,
    read_state,
)
from pipeline.ledger.fileio import write_atomic
from pipeline.plan.build import build_plan, plan_options
from pipeline.report.html import render_html
from pipeline.report.html_data import build_report_data


def report_command(args: argparse.Namespace) -> int:
    result = load(args)
    directory = ledger_dir(args, result.config.root)
    state = read_state(directory)
    post_interval, media_interval = intervals(result)
    options = plan_options(
        result,
        state,
        now=result.now,
        post_interval=post_interval,
        media_interval=media_interval,
        store=media_store(result.config),
    )
    plan = build_plan(result, state.posts if state else {}, options, skip_invalid=True).plan
    html = render_html(build_report_data(result, state, plan, datetime.now(UTC)))
    try:
        write_atomic(args.output, html.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--output {args.output}: {exc.strerror}") from None
    counts = f"{len(result.entries)} entries, {len(result.diagnostics)} diagnostics"
    print(f"wrote {args.output} ({counts})")
    return EXIT_OK
