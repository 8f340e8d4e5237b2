"""What several commands share: loading and validating, the ledger's location, intervals."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline.calendar import MissingPath
from pipeline.commands.exits import EXIT_OK as EXIT_OK
from pipeline.commands.exits import EXIT_PROBLEMS as EXIT_PROBLEMS
from pipeline.commands.exits import EXIT_USAGE as EXIT_USAGE
from pipeline.commands.exits import UsageError as UsageError
from pipeline.config import (
    ConfigError,
    ProjectConfig,
    find_git_root,
    interval_seconds,
    load_config,
)
from pipeline.mediastore import StoreSettings
from pipeline.times import year_problem
from pipeline.validate.check import ValidationResult, validate

if TYPE_CHECKING:  # the ledger (and filelock) is imported only when there is one to read
    from pipeline.ledger import LedgerState


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
    problem = year_problem(value.year)
    if problem:  # year 1 or 9999 with an offset overflows; planning adds days to it
        raise UsageError(f"--now {text!r}: {problem}")
    return value.astimezone(UTC)


def read_state(directory: str) -> LedgerState | None:
    """The ledger's state, without creating or locking anything; None when there is none."""
    if not os.path.exists(os.path.join(directory, "events.jsonl")):
        return None
    from pipeline.ledger import Ledger

    return Ledger(directory).state()


def existing_ledger(args: argparse.Namespace) -> str:
    """For commands that only read or amend a ledger: `--ledger`, else `ledger/` at the top of
    the git work tree around the current folder. It must already exist."""
    directory = getattr(args, "ledger", None)
    if directory is None:
        directory = os.path.join(find_git_root(os.getcwd()) or os.getcwd(), "ledger")
    if not os.path.exists(os.path.join(directory, "events.jsonl")):
        raise UsageError(f"{directory}: no ledger here (run `pipeline publish` first)")
    return str(directory)


def ledger_dir(args: argparse.Namespace, root: str) -> str:
    """`--ledger`, else `ledger/` at the project's top (beside `schedules/`)."""
    return str(getattr(args, "ledger", None) or os.path.join(root, "ledger"))


def load(args: argparse.Namespace, *, keep_entries: bool = True) -> ValidationResult:
    """Validate the calendars named on the command line, knowing what the ledger already sent."""
    now = parse_now(args.now)
    if args.config and not os.path.isfile(args.config):
        raise UsageError(f"--config {args.config}: no such file")
    try:
        config = load_config(args.paths[0], args.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    state = read_state(ledger_dir(args, config.root))
    if state:
        from pipeline.ledger.views import figure_scores
    try:
        return validate(
            args.paths,
            config,
            now,
            recorded=dict(state.posts) if state else {},
            figures=figure_scores(state) if state else {},
            workers=min(os.cpu_count() or 1, 2),  # one-shot commands: no other threads yet
            keep_entries=keep_entries,
        )
    except MissingPath as exc:
        raise UsageError(f"{exc.args[0]}: no such file or directory") from None


def intervals(result: ValidationResult) -> tuple[float, float]:
    """Post and media intervals: the environment first (a sandbox prints them), then
    pipeline.yaml's `publish:`, then the API's 20 s."""
    values = []
    for env, key in (
        ("STATUS200_POST_INTERVAL", "post_interval"),
        ("STATUS200_MEDIA_INTERVAL", "media_interval"),
    ):
        raw = os.environ.get(env) or result.config.publish.get(key) or 20
        try:
            values.append(interval_seconds(raw))
        except ValueError as exc:
            raise UsageError(f"{env} / publish.{key}: {exc}") from None
    return values[0], values[1]


def color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def append_step_summary(markdown: str) -> None:
    """Under GitHub Actions, reports also go to the job's summary page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)


def media_base_url(config: ProjectConfig) -> str | None:
    """Where the API fetches local files from, when something serves them: the environment's
    PIPELINE_MEDIA_BASE_URL (which wins, e.g. for the demo's local server) or pipeline.yaml's."""
    return os.environ.get("PIPELINE_MEDIA_BASE_URL") or config.media_base_url


def media_store(config: ProjectConfig) -> StoreSettings | None:
    """The bucket local files are uploaded to, unless a base URL serves them."""
    return None if media_base_url(config) else config.media_store
