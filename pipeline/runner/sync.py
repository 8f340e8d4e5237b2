"""The runner's sync job: the same validate-plan-publish pass as `pipeline publish`.

Each pass re-reads the calendars, so edits are picked up; a calendar that stops validating is
logged and changes nothing (already-scheduled posts stay as they are). The ledger is the
runner's, locked for its life; the client is the runner's, so reconciliation shares the reads
budget with tracking.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime

from pipeline.apply.publisher import Publisher, PublishOptions, RunSummary
from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.errors import ClipConfigError
from pipeline.backends.clips.settings import ClipSettings
from pipeline.config import ConfigError, load_config
from pipeline.ledger.views import figure_scores
from pipeline.runner.scheduler import SyncContext, SyncJob
from pipeline.validate.check import validate

log = logging.getLogger("pipeline.runner.sync")


def make_publish_sync(
    paths: Sequence[str],
    options: PublishOptions,
    *,
    config_path: str | None = None,
    clock: Callable[[], datetime],
) -> Callable[[SyncContext], SyncJob]:
    def make(ctx: SyncContext) -> SyncJob:
        def sync() -> str:
            try:
                config = load_config(paths[0], config_path)
            except ConfigError as exc:  # an edit broke pipeline.yaml: change nothing this pass
                log.error("%s", exc, extra={"job": "sync", "outcome": "invalid"})
                return f"{exc}: nothing changed (already scheduled posts are left alone)"
            state = ctx.ledger.state()
            result = validate(
                paths,
                config,
                clock(),
                recorded=dict(state.posts),
                figures=figure_scores(state),
            )
            if result.errors and not options.skip_invalid:
                for d in result.errors[:20]:
                    log.error(
                        "%s:%s %s %s %s",
                        d.file,
                        d.line,
                        d.code,
                        d.name,
                        d.message,
                        extra={
                            "job": "sync",
                            "entry": d.entry,
                            "platform": d.platform,
                            "outcome": "invalid",
                        },
                    )
                return (
                    f"calendar has {len(result.errors)} error(s): nothing changed "
                    "(already scheduled posts are left alone)"
                )
            with contextlib.ExitStack() as stack:
                clips = None
                if any(e.clip is not None for e in result.entries):
                    try:
                        clips = stack.enter_context(ClipClient(ClipSettings.from_env(os.environ)))
                    except ClipConfigError as exc:
                        log.error("clip posts held back: %s", exc, extra={"job": "sync"})
                summary: RunSummary = Publisher(
                    ctx.client,
                    ctx.ledger,
                    result,
                    options,
                    stop=ctx.stop,
                    clock=clock,
                    clip_client=clips,
                ).run()
            for line in summary.failures[:20]:
                log.warning(line, extra={"job": "sync", "outcome": "failed"})
            for problem in summary.problems:
                log.warning(problem, extra={"job": "sync", "outcome": "held"})
            counts = {k: v for k, v in sorted(summary.counts.items()) if v}
            return f"counts={counts} exit={summary.exit_code}"

        return sync

    return make
