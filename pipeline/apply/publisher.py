"""One publish pass: the plan, executed in order, every step recorded before and after.

1. plan against the ledger (refuse when the calendar has errors, unless skipping invalid ones);
2. preflight: profiles, connections, posting options — problems hold back only their posts;
3. reconcile unknown outcomes with the service;
4. cancel what is replaced or pruned (a replacement is created only once its cancel succeeded);
5. record deferrals (the 500 waiting posts cap);
6. send: the media lane and one lane per network, all at the API's pace, earliest first;
7. reconcile what this run itself left unknown, send the proven-absent again under the same key;
8. record the end of the run and rewrite results.csv.

The caller holds the ledger lock for the whole pass (`pipeline publish` per run, `pipeline run`
for its life).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pipeline import __version__
from pipeline.api import MissingKey, Status200Client, Status200Error
from pipeline.backends.base import (
    Backend,
    Progress,
    PublishOptions,
    RunContext,
    RunSummary,
    SilentProgress,
)
from pipeline.backends.clips.backend import ClipsBackend
from pipeline.backends.clips.client import ClipClient
from pipeline.backends.status200.apply import Status200Backend
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import RunFinished, RunStarted
from pipeline.ledger.views import write_views
from pipeline.plan.build import PlanResult, build_plan, plan_options
from pipeline.plan.diff import Plan, Step
from pipeline.validate.check import ValidationResult

__all__ = ["Progress", "PublishOptions", "Publisher", "RunSummary", "SilentProgress"]


def now_utc() -> datetime:
    return datetime.now(UTC)


class Publisher:
    def __init__(
        self,
        client: Status200Client | None,
        ledger: Ledger,
        result: ValidationResult,
        options: PublishOptions,
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = now_utc,
        clip_client: ClipClient | None = None,
        make_client: Callable[[], Status200Client] | None = None,
        pace_from_answer: bool = False,
    ) -> None:
        """`client` is None when STATUS200_API_KEY is not set: that API's posts are then held
        back, and the clip posts still go out. `make_client` in its place makes the client at
        the first request (a run with nothing to send makes none). `clip_client`: the clip
        server, for entries with `clip:` (docs/clips.md); None holds the clip posts back
        likewise. `pace_from_answer`: the old pacing (interval after each answer, nothing
        learned), only for bench/pacing.py."""
        self.ledger, self.result, self.opts, self.clock = ledger, result, options, clock
        self.progress = progress or SilentProgress()
        self.stop = stop or threading.Event()
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        self.ctx = RunContext(
            ledger, result, options, self.progress, self.stop, clock, self.run_id, self._owner
        )
        self.status200 = Status200Backend(
            self.ctx, client, make_client=make_client, pace_from_answer=pace_from_answer
        )
        #: Asked in this order which steps are theirs; Status 200 takes every post left over.
        self.backends: tuple[Backend, ...] = (ClipsBackend(self.ctx, clip_client), self.status200)

    @property
    def summary(self) -> RunSummary:
        return self.ctx.summary

    def _owner(self, identity: str, state: LedgerState) -> Backend | None:
        return self._backend(Step(action="unchanged", identity=identity), state)

    def _backend(self, step: Step, state: LedgerState) -> Backend | None:
        return next((b for b in self.backends if b.owns(step, state)), None)

    def _split(self, steps: Sequence[Step], state: LedgerState) -> dict[int, list[Step]]:
        """Each step under the index of the backend that owns it, in plan order."""
        mine: dict[int, list[Step]] = {i: [] for i in range(len(self.backends))}
        for step in steps:
            backend = self._backend(step, state)
            if backend is not None:
                mine[self.backends.index(backend)].append(step)
        return mine

    # --- the pass --------------------------------------------------------------------------------

    def run(self, planned: PlanResult | None = None) -> RunSummary:
        """Carry out `planned` (what the prompt showed, or a checked saved plan), else plan now.

        The caller holds the ledger lock, so the ledger cannot change between the two."""
        started = time.monotonic()
        try:
            return self._run(planned)
        finally:
            self.ctx.summary.seconds = time.monotonic() - started
            self.progress.stop()

    def plan(self, state: LedgerState | None = None) -> PlanResult:
        """The plan this run carries out (also what the confirmation prompt shows)."""
        state = state or self.ledger.state()
        options = plan_options(
            self.result,
            state,
            now=self.clock(),
            post_interval=self.opts.post_interval,
            media_interval=self.opts.media_interval,
            prune=self.opts.prune,
            retry_failed=self.opts.retry_failed,
            waiting_cap=self.opts.waiting_cap,
            store=None if self.opts.media_base_url else self.opts.media_store,
        )
        return build_plan(self.result, state.posts, options, skip_invalid=self.opts.skip_invalid)

    def _run(self, planned: PlanResult | None) -> RunSummary:
        state = self.ledger.state()
        plan_result = planned or self.plan(state)
        plan = plan_result.plan
        self.ctx.summary.plan = plan
        self.ctx.summary.counts["skipped"] = len(plan_result.skipped)
        if plan_result.blocked:
            self.ctx.summary.blocked = True
            return self.ctx.summary
        self.ctx.summary.counts["unchanged"] = plan.counts.get("unchanged", 0)
        for step in plan.of("locked", "orphan", "failed"):
            self.progress.note(f"{step.action}: {step.identity}: {step.reason}")
            self.ctx.summary.counts[step.action] += 0  # shown, not counted as a failure of this run
        self._check_keys(plan, state)
        if self.opts.dry_run:
            return self._dry_run(plan, state)
        if not _work(plan):
            return self.ctx.summary  # nothing to do: the ledger does not grow on idle runs
        self.ledger.append(
            RunStarted(
                run=self.run_id,
                command=self.opts.command,
                pid=os.getpid(),
                host=socket.gethostname(),
                version=__version__,
                plan=self.opts.saved_plan,
            )
        )
        try:
            self._execute(plan, state)
            if self.stop.is_set():  # Ctrl-C or SIGTERM: what was in flight is recorded
                self.ctx.summary.stopped = True
                self.ctx.summary.problems.append(
                    "interrupted: the posts not sent yet are left as they were; run it again "
                    "to finish"
                )
        except Status200Error as exc:
            # Per-post answers are handled where they happen; what reaches here is the API
            # itself unusable (a wrong key, no route to it): one line, exit 1, never a traceback.
            self.ctx.summary.stopped = True
            self.ctx.summary.problems.append(
                f"the run stopped: {exc} — check STATUS200_API_KEY and STATUS200_BASE_URL; "
                "what was sent is recorded, so running again is safe"
            )
        finally:
            self.ledger.append(
                RunFinished(
                    run=self.run_id,
                    counts=dict(self.ctx.summary.counts),
                    exit_code=self.ctx.summary.exit_code,
                )
            )
            write_views(self.ledger)
        return self.ctx.summary

    def _check_keys(self, plan: Plan, state: LedgerState) -> None:
        """Refuse the run (MissingKey) when every request it would make lacks its key.

        A missing key holds back only its own backend's posts while others can go out (exit 1,
        each post named); when nothing at all could be sent, it is a usage error instead."""
        work = plan.of("create", "replace", "cancel", "reconcile")
        missing, runnable = [], False
        split = self._split(work, state)
        for index in reversed(range(len(self.backends))):  # Status 200 first in the message
            backend, steps = self.backends[index], split[index]
            sending = [s for s in steps if backend.sends(s)]
            if sending and not backend.ready:
                missing.append(
                    f"{backend.key_variable} is not set ({len(sending)} {backend.name} post(s))"
                )
            runnable = runnable or bool(sending and backend.ready)
        if missing and not runnable:
            raise MissingKey("; ".join(missing) + ": nothing could be sent")

    def _execute(self, plan: Plan, state: LedgerState) -> None:
        """Each backend carries out its own steps; one without its key holds them back."""
        split = self._split(_work(plan), state)
        self.progress.start(sum(b.progress_total(split[i]) for i, b in enumerate(self.backends)))
        for index in reversed(range(len(self.backends))):  # Status 200 first, as ever
            backend, steps = self.backends[index], split[index]
            if not steps:
                continue
            if not backend.ready:
                self.ctx.hold([s for s in steps if backend.sends(s)], backend.hold_reason)
                continue
            mine = Plan(steps=steps, forecast=plan.forecast, counts=plan.counts)
            backend.apply(mine, steps, state)

    def _dry_run(self, plan: Plan, state: LedgerState) -> RunSummary:
        """Every send as a dry run where the backend has one: nothing published or recorded."""
        steps = plan.sends
        self.progress.start(len(steps))
        for step in steps:
            if self.stop.is_set():
                break
            backend = self._backend(step, state)
            if backend is None:
                continue
            if backend.ready or not backend.dry_run_needs_key:
                backend.dry_run(step)
            else:
                self.ctx.hold([step], backend.hold_reason)
        return self.summary


def _work(plan: Plan) -> list[Step]:
    """The steps a backend carries out; a deferred series occurrence is not one of them (see
    Step.quiet): the plan shows it, and a later run sends it."""
    active = plan.of("create", "replace", "cancel", "reconcile", "defer")
    return [s for s in active if not s.quiet]
