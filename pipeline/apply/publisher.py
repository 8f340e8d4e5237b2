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

import contextlib
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from pipeline import __version__
from pipeline.api import ApiError, CreateResult, MissingKey, Status200Client, Status200Error
from pipeline.apply.lanes import PacedObserver, Pacing, PacingStore, Ticket, run_lanes
from pipeline.apply.media import MediaFailed, MediaItem, MediaLane
from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.run import publish_clip_steps
from pipeline.backends.clips.unknown import is_clip_post
from pipeline.backends.record import Outcome, PostRecorder, deferred, missed
from pipeline.backends.status200.body import build_body
from pipeline.backends.status200.preflight import Preflight, run_preflight
from pipeline.backends.status200.reconcile import Verdict, key_still_remembered, reconcile
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import (
    PostCancelIntent,
    PostCancelOutcome,
    PostReconciled,
    RunFinished,
    RunStarted,
)
from pipeline.ledger.views import write_views
from pipeline.model import LedgerPost, PlannedPost
from pipeline.plan.build import PlanResult, build_plan, plan_options
from pipeline.plan.diff import Plan, Step
from pipeline.plan.keys import media_identity, post_key
from pipeline.validate.check import ValidationResult

#: The media lane's name among the network lanes (in ledger/pacing.json too).
MEDIA_LANE = "media"

#: Answers after which a resend under the same Idempotency-Key can only get the same answer.
DEAD_KEY_CODES = frozenset({"idempotency_outcome_unknown", "idempotency_key_reused"})


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...
    def stop(self) -> None: ...


class SilentProgress:
    def start(self, total: int) -> None: ...
    def advance(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PublishOptions:
    dry_run: bool = False
    prune: bool = False
    skip_invalid: bool = False
    retry_failed: bool = False
    post_interval: float = 20.0
    media_interval: float = 20.0
    media_base_url: str | None = None
    media_root: str | None = None  # local paths are relative to this in media_base_url
    late_grace: timedelta = timedelta(minutes=15)
    waiting_cap: int = 500  # the API's limit of waiting scheduled posts per account
    schedule_now_within: timedelta = timedelta(seconds=60)
    command: str = "publish"
    saved_plan: str | None = None  # the id of the saved plan being applied (`publish --plan`)


@dataclass(slots=True)
class RunSummary:
    plan: Plan | None
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # one line each
    problems: list[str] = field(default_factory=list)  # preflight and media, grouped
    blocked: bool = False
    seconds: float = 0.0
    run: str = ""
    stopped: bool = False  # ended early: a stop signal, or the API refused the key / was away

    @property
    def exit_code(self) -> int:
        bad = ("failed", "held", "unknown", "refused")
        return 1 if self.blocked or self.stopped or any(self.counts.get(k) for k in bad) else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "exit_code": self.exit_code,
            "blocked": self.blocked,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
            "failures": self.failures,
            "problems": self.problems,
        }


@dataclass(frozen=True, slots=True)
class Send:
    """One create request to make: the post, its generation, and a stored body to resend."""

    post: PlannedPost
    generation: int
    replaces: bool = False
    resend_body: dict[str, Any] | None = None
    first_attempt: int = 1


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
        pace_from_answer: bool = False,
    ) -> None:
        """`client` is None when STATUS200_API_KEY is not set: that API's posts are then held
        back, and the clip posts still go out. `clip_client`: the clip server, for entries with
        `clip:` (docs/clips.md); None holds the clip posts back likewise. `pace_from_answer`:
        the old pacing (interval after each answer, nothing learned), only for bench/pacing.py."""
        self.client, self.ledger, self.result, self.opts = client, ledger, result, options
        self.clip_client = clip_client
        self.progress = progress or SilentProgress()
        self.stop = stop or threading.Event()
        self.clock = clock
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        self.summary = RunSummary(plan=None, run=self.run_id)
        self._lock = threading.Lock()
        self._preflight = Preflight()
        self._media_lane: MediaLane | None = None
        self._clip_ids: set[str] = set()
        self._refs: dict[str, list[MediaItem]] = {}
        self._kinds: dict[str, list[str]] = {}
        self._pace_from_answer = pace_from_answer
        self.pacing: Pacing | None = None

    # --- helpers -------------------------------------------------------------------------------

    @property
    def _api(self) -> Status200Client:
        """The Status 200 client; steps that need it are held back before here when it is None."""
        if self.client is None:
            raise RuntimeError("no STATUS200_API_KEY: these steps should have been held back")
        return self.client

    def _count(self, key: str, line: str | None = None, *, failure: bool = False) -> None:
        with self._lock:
            self.summary.counts[key] += 1
            if failure and line:
                self.summary.failures.append(line)
        if line:
            self.progress.advance(line)

    def _media_items(self, post: PlannedPost) -> tuple[list[MediaItem], str | None]:
        """The post's media as importable items, or why they cannot be (no public URL)."""
        items = []
        for ref in post.media:
            facts = self.result.media.get(ref.key)
            if ref.kind == "url" and ref.url:
                items.append(MediaItem(media_identity(None, ref.url), ref.url, ref.value))
                continue
            digest = getattr(facts, "sha256", None)
            if not self.opts.media_base_url:
                return [], (
                    "local media needs media_base_url in pipeline.yaml (or PIPELINE_MEDIA_BASE_URL)"
                    " so the API can fetch the files"
                )
            root = self.opts.media_root or self.result.config.root
            relative = os.path.relpath(ref.path or ref.value, root).replace(os.sep, "/")
            if relative.startswith("../"):
                return [], f"{ref.value} is outside the media root {root}"
            url = self.opts.media_base_url.rstrip("/") + "/" + quote(relative)
            items.append(MediaItem(media_identity(digest, url), url, ref.value))
        return items, None

    # --- the pass --------------------------------------------------------------------------------

    def run(self, planned: PlanResult | None = None) -> RunSummary:
        """Carry out `planned` (what the prompt showed, or a checked saved plan), else plan now.

        The caller holds the ledger lock, so the ledger cannot change between the two."""
        started = time.monotonic()
        try:
            return self._run(planned)
        finally:
            self.summary.seconds = time.monotonic() - started
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
        )
        return build_plan(self.result, state.posts, options, skip_invalid=self.opts.skip_invalid)

    def _run(self, planned: PlanResult | None) -> RunSummary:
        state = self.ledger.state()
        plan_result = planned or self.plan(state)
        plan = plan_result.plan
        self.summary.plan = plan
        self.summary.counts["skipped"] = len(plan_result.skipped)
        if plan_result.blocked:
            self.summary.blocked = True
            return self.summary
        self.summary.counts["unchanged"] = plan.counts.get("unchanged", 0)
        for step in plan.of("locked", "orphan", "failed"):
            self.progress.note(f"{step.action}: {step.identity}: {step.reason}")
            self.summary.counts[step.action] += 0  # shown, not counted as a failure of this run
        self._check_keys(plan, state)
        if self.opts.dry_run:
            return self._dry_run(plan)
        if not plan.of("create", "replace", "cancel", "reconcile", "defer"):
            return self.summary  # nothing to do: the ledger does not grow on idle runs
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
                self.summary.stopped = True
                self.summary.problems.append(
                    "interrupted: the posts not sent yet are left as they were; run it again "
                    "to finish"
                )
        except Status200Error as exc:
            # Per-post answers are handled where they happen; what reaches here is the API
            # itself unusable (a wrong key, no route to it): one line, exit 1, never a traceback.
            self.summary.stopped = True
            self.summary.problems.append(
                f"the run stopped: {exc} — check STATUS200_API_KEY and STATUS200_BASE_URL; "
                "what was sent is recorded, so running again is safe"
            )
        finally:
            self.ledger.append(
                RunFinished(
                    run=self.run_id,
                    counts=dict(self.summary.counts),
                    exit_code=self.summary.exit_code,
                )
            )
            write_views(self.ledger)
        return self.summary

    def _check_keys(self, plan: Plan, state: LedgerState) -> None:
        """Refuse the run (MissingKey) when every request it would make lacks its key.

        A missing key holds back only its own backend's posts while others can go out (exit 1,
        each post named); when nothing at all could be sent, it is a usage error instead."""
        work = plan.of("create", "replace", "cancel", "reconcile")
        clip = [s for s in work if self._is_clip(s, state) and s.action == "create"]
        api = [s for s in work if not self._is_clip(s, state)]
        missing = []
        if api and self.client is None:
            missing.append(f"STATUS200_API_KEY is not set ({len(api)} Status 200 post(s))")
        if clip and self.clip_client is None:
            missing.append(f"UPLOAD_POST_API_KEY is not set ({len(clip)} clip post(s))")
        runnable = (api and self.client is not None) or (clip and self.clip_client is not None)
        if missing and not runnable:
            raise MissingKey("; ".join(missing) + ": nothing could be sent")

    def _is_clip(self, step: Step, state: LedgerState) -> bool:
        """Clip posts go through the clip server; none of the Status 200 steps apply to them."""
        if step.post is not None and step.post.entry.clip is not None:
            return True
        return is_clip_post(state, step.identity)

    def _execute(self, plan: Plan, state: LedgerState) -> None:
        clip_steps = [s for s in plan.steps if self._is_clip(s, state)]
        self._clip_ids = {s.identity for s in clip_steps}
        sends_steps = [s for s in plan.sends if s.identity not in self._clip_ids]
        reconcile_steps = [s for s in plan.of("reconcile") if s.identity not in self._clip_ids]
        clip_creates = sum(s.action == "create" for s in clip_steps)  # they report progress too
        self.progress.start(len(sends_steps) + len(reconcile_steps) + clip_creates)
        if self.client is None:
            cancels = [s for s in plan.of("cancel") if s.identity not in self._clip_ids]
            self._hold(
                [*sends_steps, *reconcile_steps, *cancels],
                "Status 200 posts need STATUS200_API_KEY",
            )
        else:
            self._execute_status200(plan, state, sends_steps, reconcile_steps)
        if clip_steps:
            self._clips(clip_steps)

    def _hold(self, steps: Sequence[Step], why: str) -> None:
        """Steps whose backend has no key: nothing is sent or recorded; a later run sends them."""
        for step in steps:
            self._count("held", f"{step.identity}: held back: {why}", failure=True)

    def _execute_status200(
        self,
        plan: Plan,
        state: LedgerState,
        sends_steps: Sequence[Step],
        reconcile_steps: Sequence[Step],
    ) -> None:
        posts = [s.post for s in (*sends_steps, *reconcile_steps) if s.post is not None]
        # Reconciling needs the profiles' ids, also for posts no longer in the calendar.
        needed = posts or reconcile_steps
        self._preflight = run_preflight(self._api, posts) if needed else Preflight()
        self.summary.problems.extend(self._preflight.problems)
        for problem in self._preflight.problems:
            self.progress.note(problem)
        sends: list[Send] = []
        sends += self._reconcile_steps(reconcile_steps, state)
        sends += self._cancels(plan)
        for step in sends_steps:
            if step.action == "create" and step.post is not None:
                rec = step.recorded
                # Cancelled and proven-absent posts already start a new generation in the
                # ledger; a failed one needs a fresh key too (the old one holds the refusal).
                generation = 0 if rec is None else rec.generation + (rec.status == "failed")
                sends.append(Send(step.post, generation))
        self._defer(plan, state)
        self._send_all(sends)
        self._settle_unknowns()

    def _clips(self, steps: list[Step]) -> None:
        if self.clip_client is None:
            self._hold(
                [s for s in steps if s.action == "create"],
                "clip posts need UPLOAD_POST_API_KEY (and CLIP_SERVER_URL)",
            )
            return
        outcome = publish_clip_steps(
            self.clip_client,
            self.ledger,
            self.run_id,
            steps,
            self.clock(),
            late_grace=self.opts.late_grace,
        )
        for line in outcome.lines:
            self.progress.advance(line)
        with self._lock:
            self.summary.counts.update(outcome.counts)
            self.summary.failures.extend(outcome.failures)
            self.summary.problems.extend(outcome.problems)

    # --- reconcile -------------------------------------------------------------------------------

    def _profile_ids(self) -> dict[str, str]:
        return dict(self._preflight.profiles)

    def _record_verdict(self, verdict: Verdict) -> None:
        for found in verdict.found.values():
            self.ledger.append(
                PostReconciled(
                    run=self.run_id,
                    identity=found.identity,
                    found=True,
                    status=found.status,
                    post_id=found.post_id,
                    scheduled_post_id=found.scheduled_post_id,
                    platform_post_id=found.platform_post_id,
                    permalink=found.permalink,
                )
            )
            self._count("reconciled", f"found on the service: {found.identity} ({found.status})")
        for identity, why in verdict.unresolved.items():
            self._count("unknown", f"still unknown: {identity}: {why}", failure=True)

    def _reconcile_steps(self, steps: Sequence[Step], state: LedgerState) -> list[Send]:
        recs = [s.recorded for s in steps if s.recorded is not None]
        if not recs:
            return []
        verdict = reconcile(self._api, recs, self._profile_ids(), state.api_ids)
        self._record_verdict(verdict)
        by_identity = {s.identity: s for s in steps}
        sends = []
        for rec in verdict.absent:
            send = self._absent(rec, by_identity[rec.identity].post, state)
            if send is not None:
                sends.append(send)
        return sends

    def _absent(self, rec: LedgerPost, post: PlannedPost | None, state: LedgerState) -> Send | None:
        """Record that the service does not hold `rec`; the Send that creates it, if planned.

        The key is kept while the API remembers it and the request can be repeated byte for
        byte, so a first request that arrives late is replayed, never doubled. But not a key the
        API has called dead (idempotency_outcome_unknown: the first request never answered;
        idempotency_key_reused: it belongs to another body): every resend under it gets the
        same answer until the key expires, so the post would stay unknown for up to 24 hours.
        A post no longer in the calendar is only recorded as absent: nothing stays unknown."""
        detail = state.details.get(rec.identity)
        stored = dict(detail.request) if detail and detail.request else None
        dead = detail is not None and detail.error_code in DEAD_KEY_CODES
        remembered = key_still_remembered(rec, self.clock()) and not dead
        if post is None:
            keep = remembered
        else:
            keep = post.fingerprint == rec.fingerprint and stored is not None and remembered
        self.ledger.append(
            PostReconciled(run=self.run_id, identity=rec.identity, found=False, keep_key=keep)
        )
        if post is None:
            self._count("reconciled", f"not on the service: {rec.identity} (not in the calendar)")
            return None
        return Send(
            post,
            rec.generation if keep else rec.generation + 1,
            resend_body=stored if keep else None,
            first_attempt=rec.attempts + 1 if keep else 1,
        )

    # --- cancels and deferrals -------------------------------------------------------------------

    def _cancel(self, rec: LedgerPost, reason: str) -> bool:
        """Cancel a waiting post; True when it is gone (cancelled now or before)."""
        target = rec.scheduled_post_id or rec.post_id
        if not target:
            return True
        self.ledger.append(
            PostCancelIntent(
                run=self.run_id, identity=rec.identity, scheduled_post_id=target, reason=reason
            )
        )
        try:
            answer = self._api.cancel_post(target)
        except Status200Error as exc:
            code = getattr(exc, "code", None)
            result = (
                "not_cancellable"
                if code == "not_cancellable"
                else ("failed" if isinstance(exc, ApiError) else "unknown")
            )
            self.ledger.append(
                PostCancelOutcome(
                    run=self.run_id,
                    identity=rec.identity,
                    scheduled_post_id=target,
                    reason=reason,
                    result=result,
                    http_status=getattr(exc, "status", None),
                    error_code=code,
                    error_message=getattr(exc, "message", str(exc)),
                )
            )
            self._count(
                "failed", f"cancel {rec.identity}: {getattr(exc, 'message', exc)}", failure=True
            )
            return False
        self.ledger.append(
            PostCancelOutcome(
                run=self.run_id,
                identity=rec.identity,
                scheduled_post_id=target,
                reason=reason,
                result="already_cancelled" if answer.already_cancelled else "cancelled",
                http_status=200,
            )
        )
        return True

    def _cancels(self, plan: Plan) -> list[Send]:
        sends = []
        for step in plan.of("cancel"):
            if step.identity in self._clip_ids:
                continue  # the clip server cannot cancel an upload
            if step.recorded is not None and self._cancel(step.recorded, "prune"):
                self._count("cancelled", f"cancelled {step.identity} (removed from the calendar)")
        for step in plan.of("replace"):
            if step.identity in self._clip_ids:
                continue
            rec, post = step.recorded, step.post
            if rec is None or post is None or post.identity in self._preflight.blocked:
                continue
            if self._cancel(rec, "replace"):
                sends.append(Send(post, rec.generation + 1, replaces=True))
        return sends

    def _defer(self, plan: Plan, state: LedgerState) -> None:
        for step in plan.of("defer"):
            post = step.post
            if post is None:
                continue
            detail = state.details.get(step.identity)
            rec = step.recorded
            if (
                rec is not None
                and rec.status == "deferred"
                and detail
                and detail.reason == "waiting_cap"
            ):
                self.summary.counts["deferred"] += 1
                continue  # already recorded; don't grow the log on every run
            self.ledger.append(deferred(self.run_id, post, "waiting_cap", step.reason))
            self.summary.counts["deferred"] += 1

    # --- sending ---------------------------------------------------------------------------------

    def _intervals(self, lanes: Sequence[str]) -> dict[str, float]:
        return {
            **{name: self.opts.post_interval for name in lanes},
            MEDIA_LANE: self.opts.media_interval,
        }

    def _pacing(self, lanes: Sequence[str]) -> Pacing:
        """The run's lane pacers, from the offsets earlier runs learned (ledger/pacing.json)."""
        if self.pacing is None:
            memory = PacingStore(self.ledger.directory).load(
                self._api.settings.base_url, self._intervals(lanes)
            )
            self.pacing = Pacing(memory, from_answer=self._pace_from_answer, stop=self.stop)
        return self.pacing

    def _save_pacing(self) -> None:
        """Keep what the lanes learned for the next run; losing it only costs a 429 per lane."""
        pacing = self.pacing
        if pacing is None or self._pace_from_answer:
            return
        memory = pacing.remembered()
        intervals = self._intervals(list(memory))
        try:
            PacingStore(self.ledger.directory).save(
                self._api.settings.base_url,
                {lane: (intervals[lane], known) for lane, known in memory.items()},
            )
        except OSError as exc:
            self.progress.note(f"pacing not saved ({exc}); the next run learns it again")

    def _send_all(self, sends: Sequence[Send]) -> None:
        if not sends:
            return
        pacing = self._pacing(sorted({s.post.platform for s in sends}))
        lane = MediaLane(
            self._api,
            self.ledger,
            self.run_id,
            interval=self.opts.media_interval,
            known=self.ledger.state().media,
            now=self.clock,
            stop=self.stop,
            poll_every=max(0.05, min(3.0, self.opts.media_interval / 4)),
            pacer=pacing.pacer(MEDIA_LANE, self.opts.media_interval),
        )
        self._media_lane = lane
        ordered = sorted(sends, key=lambda s: (s.post.scheduled_for, s.post.identity))
        lanes: dict[str, list[Send]] = {}
        for send in ordered:
            items, problem = self._media_items(send.post)
            if problem:
                self._preflight.blocked.setdefault(send.post.identity, problem)
                if problem not in self.summary.problems:
                    self.summary.problems.append(problem)
            self._refs[send.post.identity] = items
            if send.post.identity not in self._preflight.blocked:
                for item in items:
                    lane.need(item)
            lanes.setdefault(send.post.platform, []).append(send)
        lane.start()
        try:
            run_lanes(
                lanes,
                self._send_one,
                lambda name: pacing.pacer(name, self.opts.post_interval),
                stop=self.stop,
                ready=self._ready,
            )
        finally:
            lane.close()
            self._save_pacing()

    def _ready(self, send: Send) -> bool:
        """A post may go when its files are imported (or failed: then it is reported at once)."""
        lane = self._media_lane
        if lane is None or send.post.identity in self._preflight.blocked:
            return True
        return all(lane.need(item).done() for item in self._refs[send.post.identity])

    def _file_ids(self, send: Send) -> list[str] | None:
        lane = self._media_lane
        assert lane is not None
        futures: list[Future[str]] = [lane.need(item) for item in self._refs[send.post.identity]]
        while futures:
            _, pending = wait(futures, timeout=0.5)
            if not pending:
                break
            if self.stop.is_set():
                return None
        try:
            return [f.result() for f in futures]
        except MediaFailed as exc:
            self._count("failed", f"{send.post.identity}: not sent: {exc}", failure=True)
            return None

    def _send_one(self, send: Send, ticket: Ticket) -> bool:
        post = send.post
        held = self._preflight.blocked.get(post.identity)
        if held:
            self._count("held", f"{post.identity}: held back: {held}", failure=True)
            return False
        file_ids = self._file_ids(send) if post.media else []
        if file_ids is None:
            return False
        now = self.clock()
        if now >= post.scheduled_for - self.opts.schedule_now_within:
            if now > post.scheduled_for + self.opts.late_grace:
                self.ledger.append_many(missed(self.run_id, post))
                self._count(
                    "failed",
                    f"{post.identity}: missed its time ({post.scheduled_for:%Y-%m-%d %H:%M} UTC)",
                    failure=True,
                )
                return False
            self.progress.note(f"{post.identity}: its time has come; the API publishes it now")
        outcome = self._create(send, file_ids, ticket)
        if outcome.error_code == "media_not_found" and post.media:
            body = send.resend_body or {}
            sent = body.get("post", {}).get("content", {}).get("mediaID") or file_ids
            for index, item in enumerate(self._refs[post.identity]):
                assert self._media_lane is not None
                stale = sent[index] if index < len(sent) else None
                self._media_lane.refresh(item.identity, stale)
            retry = Send(post, send.generation + 1, send.replaces)
            file_ids = self._file_ids(retry)
            if file_ids is None:
                return True
            outcome = self._create(retry, file_ids, ticket)
        self._tally(send, outcome)
        return True

    def _create(self, send: Send, file_ids: list[str], ticket: Ticket) -> Outcome:
        post = send.post
        profile_id = self._preflight.profile_id(post.account)
        body = send.resend_body or build_body(
            post, file_ids, account_id=profile_id, kinds=self._kind_list(post)
        )
        key = post_key(post.identity, post.fingerprint, send.generation)
        recorder = PostRecorder(
            self.ledger,
            self.run_id,
            post,
            key=key,
            generation=send.generation,
            first_attempt=send.first_attempt,
            request=body,
        )
        with contextlib.suppress(Status200Error):  # the recorder holds each attempt's outcome
            pacer = self._pacing([post.platform]).pacer(post.platform, self.opts.post_interval)
            self._api.create_post(
                body, key, observer=PacedObserver[CreateResult](pacer, ticket, recorder)
            )
        if recorder.last is None:  # nothing was sent (refused before the first attempt)
            return Outcome(
                "failed", error_code="not_sent", error_message="the request was not sent"
            )
        return recorder.last

    def _kind_list(self, post: PlannedPost) -> list[str]:
        kinds = []
        for ref in post.media:
            facts = self.result.media.get(ref.key)
            kinds.append(getattr(facts, "kind", "unknown") if facts else "unknown")
        return kinds

    def _tally(self, send: Send, outcome: Outcome) -> None:
        post = send.post
        label = f"{post.identity} {post.account} {post.scheduled_for:%Y-%m-%d %H:%M} UTC"
        if outcome.not_sent:  # the recorder wrote the deferral with the outcome
            self._count("deferred", f"deferred {label}: {outcome.error_code}")
        elif outcome.result == "failed":
            self._count(
                "failed",
                f"failed {label}: {outcome.error_code}: {outcome.error_message}",
                failure=True,
            )
        elif outcome.result == "unknown":
            self._count("unknown", f"unknown {label}: {outcome.error_message}")
        else:
            key = {
                "scheduled": "replaced" if send.replaces else "created",
                "queued": "queued",
                "published": "published",
                "processing": "processing",
            }[outcome.result]
            self._count(key, f"{outcome.result} {label}")

    def _settle_unknowns(self, passes: int = 2) -> None:
        """Outcomes this run left unknown: reconcile now, send the proven-absent again."""
        for _ in range(passes):
            if self.stop.is_set():
                return
            state = self.ledger.state()
            unknown = [
                r
                for r in state.posts.values()
                if r.status == "unknown" and not is_clip_post(state, r.identity)
            ]
            if not unknown:
                return
            self.summary.counts["unknown"] = 0
            verdict = reconcile(self._api, unknown, self._profile_ids(), state.api_ids)
            self._record_verdict(verdict)
            posts = {p.identity: p for p in self._planned()}
            sends = []
            for rec in verdict.absent:
                send = self._absent(rec, posts.get(rec.identity), state)
                if send is not None:
                    sends.append(send)
            self._send_all(sends)
        state = self.ledger.state()
        left = [
            r.identity
            for r in state.posts.values()
            if r.status == "unknown" and not is_clip_post(state, r.identity)
        ]
        self.summary.counts["unknown"] = len(left)
        for identity in left:
            self.summary.failures.append(f"still unknown: {identity} (the next run reconciles it)")

    def _planned(self) -> list[PlannedPost]:
        plan = self.summary.plan
        return [s.post for s in plan.steps if s.post is not None] if plan else []

    # --- dry run ---------------------------------------------------------------------------------

    def _dry_run(self, plan: Plan) -> RunSummary:
        """Every send as an API dry run: all checks, nothing sent, nothing recorded."""
        steps = plan.sends
        self.progress.start(len(steps))
        for step in steps:
            post = step.post
            if post is None or self.stop.is_set():
                continue
            if post.entry.clip is not None:
                self.progress.note(
                    f"{post.identity}: the clip server has no dry run; "
                    "`pipeline validate --online` checks clip posts"
                )
                continue
            if self.client is None:
                self._hold([step], "Status 200 posts need STATUS200_API_KEY")
                continue
            items, problem = self._media_items(post)
            if problem:
                self._count("refused", f"{post.identity}: {problem}", failure=True)
                continue
            body = build_body(
                post,
                [],
                kinds=self._kind_list(post),
                media_urls=[i.url for i in items],
                dry_run=True,
            )
            try:
                report = self._api.create_post(body, None)
            except Status200Error as exc:
                self._count("refused", f"{post.identity}: {exc}", failure=True)
                continue
            outcome = getattr(report, "outcome", None)
            if getattr(report, "would_publish", False) or outcome in (
                "schedule",
                "publish",
                "queue",
            ):
                self._count("would_send", f"ok {post.identity}: would {outcome}")
            else:
                reason = getattr(report, "reason_message", None) or getattr(
                    report, "reason_code", ""
                )
                self._count("refused", f"{post.identity}: would be refused: {reason}", failure=True)
        return self.summary
