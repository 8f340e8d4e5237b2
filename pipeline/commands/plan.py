"""`pipeline plan`: the diff between the calendar and the ledger, like `terraform plan`."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    UsageError,
    color,
    intervals,
    ledger_dir,
    load,
    media_store,
    read_state,
)
from pipeline.plan.build import build_plan, plan_options
from pipeline.plan.saved import make_saved_plan, saved_options, write_saved_plan
from pipeline.report import render_text
from pipeline.report.plan import render_plan_json, render_plan_text


def plan_command(args: argparse.Namespace) -> int:
    result = load(args)
    post_interval, media_interval = intervals(result)
    directory = ledger_dir(args, result.config.root)
    state = read_state(directory)
    options = plan_options(
        result,
        state,
        now=result.now,
        post_interval=post_interval,
        media_interval=media_interval,
        prune=args.prune,
        retry_failed=args.retry_failed,
        store=media_store(result.config),
    )
    planned = build_plan(
        result, state.posts if state else {}, options, skip_invalid=args.skip_invalid
    )
    if result.diagnostics and not args.json:
        sys.stderr.write(
            render_text(
                result.diagnostics,
                result.summary(),
                color=color(sys.stderr),
                verbose=args.verbose,
            )
        )
    if args.json:
        sys.stdout.write(render_plan_json(planned.plan, planned.skipped))
    else:
        summary = result.summary()
        header = (
            f"Plan for {summary['files']} calendar file(s): {summary['entries']} entries, "
            f"{summary['posts']} posts; ledger {directory}"
        )
        sys.stdout.write(
            render_plan_text(
                planned.plan,
                header=header,
                skipped=planned.skipped,
                show_all=args.all,
                color=color(sys.stdout),
            )
        )
    if args.out and not planned.blocked:
        saved = make_saved_plan(result, planned, saved_options(args), directory)
        try:
            write_saved_plan(args.out, saved)
        except OSError as exc:
            raise UsageError(f"--out {args.out}: {exc.strerror}") from None
        print(
            f"Saved this plan to {args.out}. To apply exactly these steps: "
            f"pipeline publish {' '.join(args.paths)} --plan {args.out}",
            file=sys.stderr,
        )
    if planned.blocked:
        print(
            f"pipeline plan: {len(result.errors)} error(s) in the calendars: nothing would be "
            "sent until they are fixed (or use --skip-invalid)",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    return EXIT_OK
