"""`pipeline run`: the long-lived runner (sync, track, figures, and optionally webhooks)."""

from __future__ import annotations

import argparse
import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.api import ApiSettings, ConfigError
from pipeline.apply.publisher import PublishOptions
from pipeline.commands.common import (
    UsageError,
    intervals,
    ledger_dir,
    load,
    media_base_url,
    media_store,
)
from pipeline.runner.jobs import RunnerConfig
from pipeline.runner.scheduler import run_runner
from pipeline.runner.sync import make_publish_sync


def run_command(args: argparse.Namespace) -> int:
    result = load(args)  # a first validation: bad paths and settings fail fast, here
    try:
        settings = ApiSettings.from_env(os.environ)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    post_interval, media_interval = intervals(result)
    settings = dataclasses.replace(
        settings, post_interval=post_interval, media_interval=media_interval
    )
    config = result.config
    offset = result.now - datetime.now(UTC)
    if abs(offset) < timedelta(seconds=1):
        offset = timedelta(0)

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    options = PublishOptions(
        prune=args.prune,
        skip_invalid=args.skip_invalid,
        retry_failed=False,
        post_interval=post_interval,
        media_interval=media_interval,
        media_base_url=media_base_url(config),
        media_root=os.path.join(config.root, config.media_root) if config.media_root else None,
        media_store=media_store(config),
        command="run",
    )
    try:
        runner_config = RunnerConfig(
            calendar_paths=tuple(Path(p) for p in args.paths),
            sync_every=args.every,
            track_every=args.track_every,
            figures_every=args.figures_every,
            late_grace=timedelta(seconds=args.late_grace),
            webhook_host=args.webhook_host,
            webhook_port=args.webhook_port,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return run_runner(
        ledger_dir(args, config.root),
        settings,
        make_publish_sync(args.paths, options, config_path=args.config, clock=clock),
        config=runner_config,
        webhook_secret=os.environ.get("STATUS200_WEBHOOK_SECRET"),
        command=f"pipeline run {' '.join(args.paths)}",
        log_level=args.log_level.upper(),
        clock=clock,
    )
