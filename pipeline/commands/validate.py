"""`pipeline validate`: check calendars, print a report, exit 0/1 (2 for usage errors)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from pipeline.commands.common import EXIT_OK, EXIT_PROBLEMS, append_step_summary, color, load
from pipeline.report import render_github, render_json, render_markdown, render_text


def validate_command(args: argparse.Namespace) -> int:
    result = load(args)
    summary = result.summary()
    fmt = args.format
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    renderers: dict[str, Callable[..., str]] = {
        "text": lambda d, s: render_text(d, s, color=args.output is None and color(sys.stdout)),
        "json": render_json,
        "markdown": render_markdown,
        "github": render_github,
    }
    report = renderers[fmt](result.diagnostics, summary)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report)
    else:
        sys.stdout.write(report)
    append_step_summary(render_markdown(result.diagnostics, summary))
    failed = summary["errors"] > 0 or (args.strict and summary["warnings"] > 0)
    return EXIT_PROBLEMS if failed else EXIT_OK
