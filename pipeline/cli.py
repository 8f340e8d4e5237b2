"""The `pipeline` command: parse arguments, call one function per command, return the exit code.

Exit codes (documented in README): 0 success (warnings allowed unless --strict), 1 problems
found or a run failed, 2 usage error (bad flag, missing path, bad configuration value).
Commands are imported when chosen, so `pipeline --help` stays quick.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence

from pipeline import __version__
from pipeline.commands.exits import EXIT_PROBLEMS, EXIT_USAGE, UsageError
from pipeline.sandbox import cli as sandbox_cli

FORMATS = ("text", "json", "markdown", "github")

#: command -> (module, function) under pipeline.commands
COMMANDS = {
    "validate": ("validate", "validate_command"),
    "plan": ("plan", "plan_command"),
    "publish": ("publish", "publish_command"),
    "status": ("status", "status_command"),
    "report": ("report", "report_command"),
    "run": ("run", "run_command"),
    "resolve": ("resolve", "resolve_command"),
    "accounts": ("accounts", "accounts_command"),
}


def _calendar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="calendar files or directories")
    parser.add_argument("--config", metavar="FILE", help="pipeline.yaml to use (default: found)")
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="pretend it is this time (rehearsals, e.g. with `pipeline sandbox --start-at`)",
    )


def _plan_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ledger", metavar="DIR", help="results ledger (default: ledger/ at the project's top)"
    )
    parser.add_argument(
        "--prune", action="store_true", help="cancel posts removed from the calendar"
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave invalid entries out (and keep what the service holds for them) instead of "
        "refusing to go on",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="send posts that failed earlier again"
    )


def _verbose_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list every warning (text output shows a warning repeated 5+ times in a file once, "
        "with its count)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="Validate, plan and publish content calendars to the Status 200 Uploads API.",
        epilog="Exit codes: 0 ok, 1 problems found or a run failed, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser(
        "validate",
        help="check calendars against every platform's rules (offline)",
        description="Check calendars against every platform's rules. Exit 0: no errors; "
        "1: errors (or warnings with --strict); 2: usage error.",
    )
    _calendar_args(p)
    p.add_argument("--ledger", metavar="DIR", help="posts this ledger already sent may be past")
    p.add_argument(
        "--format",
        choices=("auto", *FORMATS),
        default="auto",
        help="report format (auto: github annotations under GitHub Actions, else text)",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    _verbose_arg(p)
    p.add_argument(
        "--online",
        action="store_true",
        help="also ask the services: the media store's credentials and bucket (one call), "
        "the clip server about clip posts (profiles, jobs, clips, captions)",
    )

    p = commands.add_parser(
        "plan",
        help="show what publishing would create, replace, cancel or leave alone",
        description="Compare the calendars with the ledger and show the diff, like terraform "
        "plan, with how long submitting takes under the API's throttles. Sends nothing.",
    )
    _calendar_args(p)
    _plan_args(p)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument(
        "--all",
        action="store_true",
        help="list every post: unchanged ones too, and each occurrence of a series",
    )
    _verbose_arg(p)
    p.add_argument(
        "--out",
        metavar="FILE",
        help="also save the plan to FILE, for `pipeline publish --plan FILE` to apply as shown",
    )

    p = commands.add_parser(
        "publish",
        help="schedule the calendar's posts on the API (exactly once; safe to re-run)",
        description="Validate, plan, then upload each media file once and submit every post "
        "with its future time, recording every attempt in the ledger. Re-running never posts "
        "twice. Needs STATUS200_API_KEY (and STATUS200_BASE_URL for a sandbox).",
    )
    _calendar_args(p)
    _plan_args(p)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="send every post as an API dry run: every check, nothing published or recorded",
    )
    p.add_argument(
        "--yes", "-y", action="store_true", help="no confirmation (required off a terminal)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    _verbose_arg(p)
    p.add_argument(
        "--plan",
        metavar="FILE",
        help="apply exactly the plan `pipeline plan --out FILE` saved (no prompt); refused, "
        "exit 1, when the calendar, pipeline.yaml or the ledger changed since",
    )

    p = commands.add_parser(
        "status",
        help="summarise the ledger: posts by status, problems, latest figures",
        description="Summarise the results ledger (no API calls).",
    )
    p.add_argument(
        "--ledger", metavar="DIR", help="the ledger (default: ledger/ at the project's top)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = commands.add_parser(
        "report",
        help="write one self-contained HTML report: calendar grids, diagnostics, caps, figures",
        description="Write an HTML report of the calendars (and the ledger's statuses and "
        "figures when there is one) that opens offline in any browser, or with --format ics a "
        "calendar feed (iCalendar) to subscribe to in Google Calendar or Outlook. See "
        "docs/reports.md.",
    )
    _calendar_args(p)
    p.add_argument(
        "--ledger", metavar="DIR", help="results ledger (default: ledger/ at the project's top)"
    )
    p.add_argument(
        "--format",
        choices=("html", "ics"),
        default="html",
        help="html: the report page (default); ics: one calendar event per planned or "
        "published post",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="the file to write (default report.html, or calendar.ics with --format ics)",
    )

    p = commands.add_parser(
        "run",
        help="keep running: sync the calendar, track posts and figures, accept webhooks",
        description="A long-lived runner (APScheduler): publishes the calendar on an interval "
        "and soon after a file changes, topping the service's 500 waiting posts up as posts go "
        "out; tracks every post to its final state and reads figures; optionally receives signed "
        "webhooks. SIGINT/SIGTERM stop it cleanly. See docs/runner.md.",
    )
    _calendar_args(p)
    p.add_argument(
        "--ledger", metavar="DIR", help="results ledger (default: ledger/ at the project's top)"
    )
    p.add_argument(
        "--every",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="sync interval (default 300; a calendar edit triggers one sooner)",
    )
    p.add_argument(
        "--track-every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="status tracking interval (default 60)",
    )
    p.add_argument(
        "--figures-every",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="figures polling interval (default 900)",
    )
    p.add_argument(
        "--late-grace",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="report a post as late this long after its time (default 900)",
    )
    p.add_argument("--prune", action="store_true", help="cancel posts removed from the calendar")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="publish the valid entries when some are invalid",
    )
    p.add_argument(
        "--webhook-port",
        type=int,
        metavar="N",
        help="serve POST /webhooks/status200 on this port (0: a free one); needs "
        "STATUS200_WEBHOOK_SECRET",
    )
    p.add_argument(
        "--webhook-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address for the webhook receiver (default 127.0.0.1)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning", "error"),
        help="default info",
    )

    p = commands.add_parser(
        "resolve",
        help="settle a clip post whose outcome is unknown (after checking the dashboard)",
        description="The clip server cannot be asked whether an upload arrived, so an unknown "
        "clip post is never resent by itself. Look in the Upload-Post dashboard, then record "
        "what you found.",
    )
    p.add_argument("identity", help="the post, as results.csv's identity column shows it")
    p.add_argument(
        "--ledger", metavar="DIR", help="the ledger (default: ledger/ at the project's top)"
    )
    found = p.add_mutually_exclusive_group(required=True)
    found.add_argument("--posted", action="store_true", help="it is in the dashboard")
    found.add_argument("--resend", action="store_true", help="it is not: send it once more")
    p.add_argument("--upload-id", metavar="ID", help="the upload's id, when you found it")

    p = commands.add_parser(
        "accounts",
        help="list the profiles the API key reaches, their networks and health",
        description="List the profiles (handles to use as `account:`), each network's "
        "connection and health, and with --options the choices calendars name: Pinterest "
        "boardId, Skool group, TikTok privacyLevel, YouTube privacyStatus.",
    )
    p.add_argument(
        "--options",
        action="store_true",
        help="also ask each profile's networks for their choices (10 a minute)",
    )
    p.add_argument("--json", action="store_true", help="print as JSON")

    sandbox_cli.add_parser(commands)
    return parser


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Importing a command's modules makes tens of thousands of objects, all long-lived, and
    the cyclic collector's full pass over them (~0.1 s) would find nothing: it waits, and they
    go straight to the oldest generation (freeze, then unfreeze: two list splices)."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "sandbox":
        return sandbox_cli.run(args)
    module_name, function = COMMANDS[args.command]
    with _collector_paused():
        command = getattr(importlib.import_module(f"pipeline.commands.{module_name}"), function)
    from pipeline.textsafe import printable

    try:
        code: int = command(args)
    except UsageError as exc:  # messages quote values (paths, ids): shown, never obeyed
        print(f"pipeline {args.command}: {printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        # A damaged events.jsonl: its message says where and what to do. Only a command that
        # read a ledger can raise it, so the ledger is not imported for the others.
        schema = sys.modules.get("pipeline.ledger.schema")
        if schema is None or not isinstance(exc, schema.LedgerError):
            raise
        print(f"pipeline {args.command}: {printable(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print(f"pipeline {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


def entry() -> None:
    """The `pipeline` console script: run, flush, and leave without freeing the heap object by
    object (after a 100,000-post calendar that takes over half a second, for nothing). Every
    file the pipeline writes is flushed, fsynced and closed before `main` returns."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `pipeline plan | head`: the reader left; nothing more to say
        code = code or 1
    logging.shutdown()
    os._exit(code)
