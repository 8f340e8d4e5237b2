"""The `pipeline` command: parse arguments, call one function per command, return the exit code.

Exit codes (documented in README): 0 success (warnings allowed unless --strict), 1 problems
found or a run failed, 2 usage error (bad flag, missing path, bad configuration value).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pipeline import __version__
from pipeline.calendar import MissingPath
from pipeline.config import load_config
from pipeline.ledger.store import Ledger
from pipeline.model import LedgerPost
from pipeline.plan import PlanOptions
from pipeline.planning import PlanResult, build_plan
from pipeline.report import FORMATS, render_github, render_json, render_markdown, render_text
from pipeline.report.plan import render_plan_json, render_plan_text
from pipeline.validation import ValidationResult, validate

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


def parse_now(text: str | None) -> datetime:
    """`--now`: rehearse as if it were another time (e.g. a sandbox started with --start-at)."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now {text!r}: expected an ISO time such as 2026-12-01T09:00Z"
        ) from None
    if value.tzinfo is None:
        raise UsageError(f"--now {text!r}: add a time zone, e.g. Z or +01:00")
    return value.astimezone(UTC)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="calendar files or directories")
    parser.add_argument("--config", metavar="FILE", help="pipeline.yaml to use (default: found)")
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="pretend it is this time (rehearsals, e.g. with `pipeline sandbox --start-at`)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="Validate, plan and publish content calendars to the Status 200 Uploads API.",
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser(
        "validate",
        help="check calendars against every platform's rules (offline)",
        description="Check calendars against every platform's rules. Exit 0: no errors; "
        "1: errors (or warnings with --strict); 2: usage error.",
    )
    _common(p)
    p.add_argument(
        "--format",
        choices=("auto", *FORMATS),
        default="auto",
        help="report format (auto: github annotations under GitHub Actions, else text)",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    p.set_defaults(func=cmd_validate)

    p = commands.add_parser(
        "plan",
        help="show what publishing would create, replace, cancel or leave alone",
        description="Compare the calendars with the ledger and show the diff, like terraform "
        "plan, with how long submitting takes under the API's throttles. Sends nothing.",
    )
    _common(p)
    _plan_flags(p)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--all", action="store_true", help="also list unchanged posts")
    p.set_defaults(func=cmd_plan)
    return parser


def _plan_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ledger", metavar="DIR", help="results ledger (default: ledger/ in the project)"
    )
    p.add_argument("--prune", action="store_true", help="cancel posts removed from the calendar")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave invalid entries out instead of refusing to go on",
    )
    p.add_argument("--retry-failed", action="store_true", help="send failed posts again")


def _load(args: argparse.Namespace) -> ValidationResult:
    now = parse_now(args.now)
    if args.config and not os.path.isfile(args.config):
        raise UsageError(f"--config {args.config}: no such file")
    config = load_config(args.paths[0], args.config)
    try:
        return validate(args.paths, config, now)
    except MissingPath as exc:
        raise UsageError(f"{exc.args[0]}: no such file or directory") from None


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def _append_step_summary(markdown: str) -> None:
    """Under GitHub Actions the markdown report also goes to the job summary page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)


def cmd_validate(args: argparse.Namespace) -> int:
    result = _load(args)
    summary = result.summary()
    fmt = args.format
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    renderers: dict[str, Callable[..., str]] = {
        "text": lambda d, s: render_text(d, s, color=args.output is None and _color(sys.stdout)),
        "json": render_json,
        "markdown": render_markdown,
        "github": render_github,
    }
    _write(renderers[fmt](result.diagnostics, summary), args.output)
    _append_step_summary(render_markdown(result.diagnostics, summary))
    failed = summary["errors"] > 0 or (args.strict and summary["warnings"] > 0)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _ledger_dir(args: argparse.Namespace, result: ValidationResult) -> str:
    return args.ledger or os.path.join(result.config.root, "ledger")


def _read_ledger(directory: str) -> dict[str, LedgerPost]:
    """The ledger's posts, without creating or locking anything (plan is read-only)."""
    if not os.path.exists(os.path.join(directory, "events.jsonl")):
        return {}
    return dict(Ledger(directory).state().posts)


def intervals(result: ValidationResult) -> tuple[float, float]:
    """Post and media intervals: environment first (a sandbox prints them), then pipeline.yaml."""
    values = []
    for env, key in (
        ("STATUS200_POST_INTERVAL", "post_interval"),
        ("STATUS200_MEDIA_INTERVAL", "media_interval"),
    ):
        raw = os.environ.get(env) or result.config.publish.get(key) or 20
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise UsageError(f"{env}/{key}: {raw!r} is not a number of seconds") from None
        if value < 0:
            raise UsageError(f"{env}/{key}: must not be negative")
        values.append(value)
    return values[0], values[1]


def _plan(args: argparse.Namespace, result: ValidationResult) -> PlanResult:
    post_interval, media_interval = intervals(result)
    ledger = _read_ledger(_ledger_dir(args, result))
    imported: frozenset[str] = frozenset()  # known once the publisher records imports
    opts = PlanOptions(
        now=result.now,
        post_interval=post_interval,
        media_interval=media_interval,
        prune=args.prune,
        retry_failed=args.retry_failed,
        imported_media=imported,
    )
    return build_plan(result, ledger, opts, skip_invalid=args.skip_invalid)


def cmd_plan(args: argparse.Namespace) -> int:
    result = _load(args)
    planned = _plan(args, result)
    if result.diagnostics and not args.json:
        sys.stderr.write(
            render_text(result.diagnostics, result.summary(), color=_color(sys.stderr))
        )
    if args.json:
        sys.stdout.write(render_plan_json(planned.plan, planned.skipped))
    else:
        summary = result.summary()
        header = (
            f"Plan for {summary['files']} calendar file(s): {summary['entries']} entries, "
            f"{summary['posts']} posts; ledger {_ledger_dir(args, result)}"
        )
        sys.stdout.write(
            render_plan_text(
                planned.plan,
                header=header,
                skipped=planned.skipped,
                show_unchanged=args.all,
                color=_color(sys.stdout),
            )
        )
    if planned.blocked:
        print(
            f"pipeline plan: {len(result.errors)} error(s) in the calendars: nothing would be "
            "sent until they are fixed (or use --skip-invalid)",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    return EXIT_OK


def _color(stream: Any) -> bool:
    return bool(stream.isatty()) and "NO_COLOR" not in os.environ


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"pipeline {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
