"""A runner in a child process, for the signal tests.

    python -m tests.runner.child LEDGER_DIR BASE_URL

The API key and webhook secret come from STATUS200_API_KEY / STATUS200_WEBHOOK_SECRET, as in
production. The sync stand-in prints `sync-start`, appends an event every 50 ms (a long pass that
checks the stop event between posts, as the publisher does) and prints `sync-end` when it returns.
"""

from __future__ import annotations

import os
import sys

from pipeline.api import ApiSettings, Secret
from pipeline.ledger.events import PostDeferred
from pipeline.runner.scheduler import RunnerConfig, SyncContext, SyncJob, run_runner


def make_sync(ctx: SyncContext) -> SyncJob:
    def sync() -> object:
        print("sync-start", flush=True)
        written = 0
        while not ctx.stop.wait(0.05) and written < 400:
            written += 1
            ctx.ledger.append(
                PostDeferred(
                    run=ctx.run_id,
                    identity=f"entry-{written}",
                    entry_id=f"entry-{written}",
                    source="calendar.yaml:1",
                    platform="x",
                    account="@demo",
                    scheduled_for=None,
                    fingerprint="fp",
                    reason="waiting_cap",
                )
            )
        print("sync-end", flush=True)
        return f"{written} deferred"

    return sync


def main() -> int:
    ledger_dir, base_url = sys.argv[1:3]
    settings = ApiSettings(
        api_key=Secret(os.environ["STATUS200_API_KEY"]), base_url=base_url, read_window=0.6
    )
    config = RunnerConfig(sync_every=60.0, track_every=0.1, figures_every=0.1, webhook_port=0)
    code = run_runner(
        ledger_dir,
        settings,
        make_sync,
        config=config,
        webhook_secret=os.environ["STATUS200_WEBHOOK_SECRET"],
        command="pipeline run (test child)",
    )
    print(f"exit {code}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
