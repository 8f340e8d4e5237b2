"""The clip server's Upload-Post proxy as a backend (docs/clips.md).

One request covers all of a post's platforms; the server takes no idempotency key, cannot cancel
an upload and lists none, so an unknown outcome is never resent by itself: it waits for
`pipeline resolve`. Only creates make requests (and need UPLOAD_POST_API_KEY).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.backends.base import RunContext
from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.run import publish_clip_steps
from pipeline.backends.clips.unknown import is_clip_post
from pipeline.ledger import LedgerState
from pipeline.plan.diff import Plan, Step


class ClipsBackend:
    name = "clip"
    key_variable = "UPLOAD_POST_API_KEY"
    hold_reason = "clip posts need UPLOAD_POST_API_KEY (and CLIP_SERVER_URL)"
    dry_run_needs_key = False  # the server has no dry run: a note is all

    def __init__(self, ctx: RunContext, client: ClipClient | None) -> None:
        self.ctx, self.client = ctx, client

    @property
    def ready(self) -> bool:
        return self.client is not None

    def owns(self, step: Step, state: LedgerState) -> bool:
        """Entries with `clip:`, and recorded posts that went to the clip server."""
        if step.post is not None and step.post.entry.clip is not None:
            return True
        return is_clip_post(state, step.identity)

    def sends(self, step: Step) -> bool:
        return step.action == "create"

    def progress_total(self, steps: Sequence[Step]) -> int:
        return sum(s.action == "create" for s in steps)

    def apply(self, plan: Plan, steps: Sequence[Step], state: LedgerState) -> None:
        if self.client is None:
            raise RuntimeError("no UPLOAD_POST_API_KEY: these steps should have been held back")
        outcome = publish_clip_steps(
            self.client,
            self.ctx.ledger,
            self.ctx.run_id,
            steps,
            self.ctx.clock(),
            late_grace=self.ctx.opts.late_grace,
        )
        self.ctx.report(outcome.counts, outcome.lines, outcome.failures, outcome.problems)

    def dry_run(self, step: Step) -> None:
        if step.post is not None:
            self.ctx.progress.note(
                f"{step.post.identity}: the clip server has no dry run; "
                "`pipeline validate --online` checks clip posts"
            )
