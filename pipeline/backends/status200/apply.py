"""The Status 200 Uploads API as a backend: preflight, reconcile, cancels, deferrals, and sends
through one paced lane per network and a media lane, every attempt recorded.

The publisher (`pipeline.apply.publisher`) hands this backend the steps that are its own (every
post that is not another backend's) and a RunContext to count and report through; what happens
between is this module's business, and the API's rules (docs/ledger.md) decide it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pipeline.api import ApiError, CreateResult, Status200Client, Status200Error
from pipeline.backends.base import RunContext
from pipeline.backends.lanes import PacedObserver, Pacing, PacingStore, Ticket, run_lanes
from pipeline.backends.record import Outcome, PostRecorder, deferred, missed
from pipeline.backends.status200.body import build_body
from pipeline.backends.status200.media import MediaFailed, MediaItem, MediaLane, StoreFailed
from pipeline.backends.status200.preflight import Preflight, run_preflight
from pipeline.backends.status200.reconcile import Verdict, key_still_remembered, reconcile
from pipeline.backends.status200.uploads import LocalFile, Uploads
from pipeline.ledger import LedgerState
from pipeline.ledger.events import PostCancelIntent, PostCancelOutcome, PostReconciled
from pipeline.model import LedgerPost, PlannedPost, is_missed, next_generation
from pipeline.plan.diff import Plan, Step
from pipeline.plan.keys import media_identity, post_key

#: The media lane's name among the network lanes (in ledger/pacing.json too).
MEDIA_LANE = "media"

#: Answers after which a resend under the same Idempotency-Key can only get the same answer.
DEAD_KEY_CODES = frozenset({"idempotency_outcome_unknown", "idempotency_key_reused"})

#: The steps that make a request of the API (and so need its key).
SENDING = frozenset({"create", "replace", "cancel", "reconcile"})


@dataclass(frozen=True, slots=True)
class Send:
    """One create request to make: the post, its generation, and a stored body to resend."""

    post: PlannedPost
    generation: int
    replaces: bool = False
    resend_body: dict[str, Any] | None = None
    first_attempt: int = 1


class Status200Backend:
    name = "Status 200"
    key_variable = "STATUS200_API_KEY"
    hold_reason = "Status 200 posts need STATUS200_API_KEY"
    dry_run_needs_key = True  # the API checks a dry run as it would the post

    def __init__(
        self,
        ctx: RunContext,
        client: Status200Client | None,
        *,
        make_client: Callable[[], Status200Client] | None = None,
        pace_from_answer: bool = False,
    ) -> None:
        """`client` is None without STATUS200_API_KEY: this backend's posts are then held.
        `make_client` in its place makes the client at the first request only, so a run with
        nothing to send builds none. `pace_from_answer`: the old pacing (interval after each
        answer), only for the bench."""
        self.ctx, self.client, self._make_client = ctx, client, make_client
        self._making = threading.Lock()  # the lanes ask from their own threads
        self._noting = threading.Lock()  # store problems, noted once from any lane
        self._preflight = Preflight()
        self._media_lane: MediaLane | None = None
        self._refs: dict[str, list[MediaItem]] = {}
        self._pace_from_answer = pace_from_answer
        self.pacing: Pacing | None = None

    @property
    def ready(self) -> bool:
        return self.client is not None or self._make_client is not None

    def owns(self, step: Step, state: LedgerState) -> bool:
        """Every post another backend does not claim (the publisher asks this one last)."""
        return True

    def sends(self, step: Step) -> bool:
        return step.action in SENDING

    def progress_total(self, steps: Sequence[Step]) -> int:
        return sum(s.action in ("create", "replace", "reconcile") for s in steps)

    @property
    def _api(self) -> Status200Client:
        """The Status 200 client, made now if it is the first request; steps that need it are
        held back before here when there is none."""
        with self._making:
            if self.client is None and self._make_client is not None:
                self.client = self._make_client()
        if self.client is None:
            raise RuntimeError("no STATUS200_API_KEY: these steps should have been held back")
        return self.client

    def _media_items(self, post: PlannedPost) -> tuple[list[MediaItem], str | None]:
        """The post's media as importable items, or why they cannot be (no public URL)."""
        items = []
        opts = self.ctx.opts
        for ref in post.media:
            facts = self.ctx.result.media.get(ref.key)
            if ref.kind == "url" and ref.url:
                items.append(MediaItem(media_identity(None, ref.url), ref.url, ref.value))
                continue
            digest = getattr(facts, "sha256", None)
            if not opts.media_base_url and opts.media_store is not None:
                size = getattr(facts, "size_bytes", None)
                if not digest or size is None or not ref.path:
                    return [], f"{ref.value} could not be read, so it cannot be uploaded"
                key = opts.media_store.object_key(digest, ref.path)
                local = LocalFile(ref.path, digest, size, ref.value)
                address = opts.media_store.address(key)
                items.append(MediaItem(media_identity(digest, None), address, ref.value, local))
                continue
            if not opts.media_base_url:
                return [], (
                    "local media needs media_store or media_base_url in pipeline.yaml "
                    "(or PIPELINE_MEDIA_BASE_URL) so the API can fetch the files"
                )
            root = opts.media_root or self.ctx.result.config.root
            relative = os.path.relpath(ref.path or ref.value, root).replace(os.sep, "/")
            if relative.startswith("../"):
                return [], f"{ref.value} is outside the media root {root}"
            url = opts.media_base_url.rstrip("/") + "/" + quote(relative)
            items.append(MediaItem(media_identity(digest, url), url, ref.value))
        return items, None

    def _uploads(self) -> Uploads | None:
        store = self.ctx.opts.media_store
        if store is None or self.ctx.opts.media_base_url:
            return None
        return Uploads(store, self.ctx.ledger, self.ctx.run_id, self.ctx.progress)

    def apply(self, plan: Plan, steps: Sequence[Step], state: LedgerState) -> None:
        """Preflight, reconcile, cancel, defer, then send through the lanes, then settle what
        this run itself left unknown. `plan` holds only this backend's steps."""
        sends_steps = plan.sends
        reconcile_steps = plan.of("reconcile")
        posts = [s.post for s in (*sends_steps, *reconcile_steps) if s.post is not None]
        # Reconciling needs the profiles' ids, also for posts no longer in the calendar.
        needed = posts or reconcile_steps
        self._preflight = run_preflight(self._api, posts) if needed else Preflight()
        self.ctx.summary.problems.extend(self._preflight.problems)
        for problem in self._preflight.problems:
            self.ctx.progress.note(problem)
        sends: list[Send] = []
        sends += self._reconcile_steps(reconcile_steps, state)
        sends += self._cancels(plan)
        for step in sends_steps:
            if step.action == "create" and step.post is not None:
                rec = step.recorded
                # Cancelled and proven-absent posts already start a new generation in the
                # ledger; a failed one needs a fresh key too (the old one holds the refusal).
                sends.append(Send(step.post, next_generation("create", rec)))
        self._defer(plan, state)
        self._send_all(sends)
        self._settle_unknowns()

    def _profile_ids(self) -> dict[str, str]:
        return dict(self._preflight.profiles)

    def _record_verdict(self, verdict: Verdict) -> None:
        for found in verdict.found.values():
            self.ctx.ledger.append(
                PostReconciled(
                    run=self.ctx.run_id,
                    identity=found.identity,
                    found=True,
                    status=found.status,
                    post_id=found.post_id,
                    scheduled_post_id=found.scheduled_post_id,
                    platform_post_id=found.platform_post_id,
                    permalink=found.permalink,
                )
            )
            self.ctx.count("reconciled", f"found on the service: {found.identity} ({found.status})")
        for identity, why in verdict.unresolved.items():
            self.ctx.count("unknown", f"still unknown: {identity}: {why}", failure=True)

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
        remembered = key_still_remembered(rec, self.ctx.clock()) and not dead
        if post is None:
            keep = remembered
        else:
            keep = post.fingerprint == rec.fingerprint and stored is not None and remembered
        self.ctx.ledger.append(
            PostReconciled(run=self.ctx.run_id, identity=rec.identity, found=False, keep_key=keep)
        )
        if post is None:
            self.ctx.count(
                "reconciled", f"not on the service: {rec.identity} (not in the calendar)"
            )
            return None
        return Send(
            post,
            rec.generation if keep else rec.generation + 1,
            resend_body=stored if keep else None,
            first_attempt=rec.attempts + 1 if keep else 1,
        )

    def _cancel(self, rec: LedgerPost, reason: str) -> bool:
        """Cancel a waiting post; True when it is gone (cancelled now or before)."""
        target = rec.scheduled_post_id or rec.post_id
        if not target:
            return True
        self.ctx.ledger.append(
            PostCancelIntent(
                run=self.ctx.run_id, identity=rec.identity, scheduled_post_id=target, reason=reason
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
            self.ctx.ledger.append(
                PostCancelOutcome(
                    run=self.ctx.run_id,
                    identity=rec.identity,
                    scheduled_post_id=target,
                    reason=reason,
                    result=result,
                    http_status=getattr(exc, "status", None),
                    error_code=code,
                    error_message=getattr(exc, "message", str(exc)),
                )
            )
            self.ctx.count(
                "failed", f"cancel {rec.identity}: {getattr(exc, 'message', exc)}", failure=True
            )
            return False
        self.ctx.ledger.append(
            PostCancelOutcome(
                run=self.ctx.run_id,
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
            if step.recorded is not None and self._cancel(step.recorded, "prune"):
                self.ctx.count(
                    "cancelled", f"cancelled {step.identity} (removed from the calendar)"
                )
        for step in plan.of("replace"):
            rec, post = step.recorded, step.post
            if rec is None or post is None or post.identity in self._preflight.blocked:
                continue
            if self._cancel(rec, "replace"):
                sends.append(Send(post, next_generation("replace", rec), replaces=True))
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
                self.ctx.summary.counts["deferred"] += 1
                continue  # already recorded; don't grow the log on every run
            self.ctx.ledger.append(deferred(self.ctx.run_id, post, "waiting_cap", step.reason))
            self.ctx.summary.counts["deferred"] += 1

    def _intervals(self, lanes: Sequence[str]) -> dict[str, float]:
        return {
            **{name: self.ctx.opts.post_interval for name in lanes},
            MEDIA_LANE: self.ctx.opts.media_interval,
        }

    def _pacing(self, lanes: Sequence[str]) -> Pacing:
        """The run's lane pacers, from the offsets earlier runs learned (ledger/pacing.json)."""
        if self.pacing is None:
            memory = PacingStore(self.ctx.ledger.directory).load(
                self._api.settings.base_url, self._intervals(lanes)
            )
            self.pacing = Pacing(memory, from_answer=self._pace_from_answer, stop=self.ctx.stop)
        return self.pacing

    def _save_pacing(self) -> None:
        """Keep what the lanes learned for the next run; losing it only costs a 429 per lane."""
        pacing = self.pacing
        if pacing is None or self._pace_from_answer:
            return
        memory = pacing.remembered()
        intervals = self._intervals(list(memory))
        try:
            PacingStore(self.ctx.ledger.directory).save(
                self._api.settings.base_url,
                {lane: (intervals[lane], known) for lane, known in memory.items()},
            )
        except OSError as exc:
            self.ctx.progress.note(f"pacing not saved ({exc}); the next run learns it again")

    def _send_all(self, sends: Sequence[Send]) -> None:
        if not sends:
            return
        pacing = self._pacing(sorted({s.post.platform for s in sends}))
        lane = MediaLane(
            self._api,
            self.ctx.ledger,
            self.ctx.run_id,
            interval=self.ctx.opts.media_interval,
            known=self.ctx.ledger.state().media,
            now=self.ctx.clock,
            stop=self.ctx.stop,
            poll_every=max(0.05, min(3.0, self.ctx.opts.media_interval / 4)),
            pacer=pacing.pacer(MEDIA_LANE, self.ctx.opts.media_interval),
            uploads=self._uploads(),
        )
        self._media_lane = lane
        ordered = sorted(sends, key=lambda s: (s.post.scheduled_for, s.post.identity))
        lanes: dict[str, list[Send]] = {}
        for send in ordered:
            items, problem = self._media_items(send.post)
            if problem:
                self._preflight.blocked.setdefault(send.post.identity, problem)
                if problem not in self.ctx.summary.problems:
                    self.ctx.summary.problems.append(problem)
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
                lambda name: pacing.pacer(name, self.ctx.opts.post_interval),
                stop=self.ctx.stop,
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
            if self.ctx.stop.is_set():
                return None
        try:
            return [f.result() for f in futures]
        except StoreFailed as exc:  # nothing was sent for it: a later run tries again
            self._store_problem(str(exc))
            self.ctx.count("held", f"{send.post.identity}: held back: {exc}", failure=True)
            return None
        except MediaFailed as exc:
            self.ctx.count("failed", f"{send.post.identity}: not sent: {exc}", failure=True)
            return None

    def _store_problem(self, line: str) -> None:
        """A store problem is one line among the run's problems, however many posts it holds."""
        with self._noting:
            if line in self.ctx.summary.problems:
                return
            self.ctx.summary.problems.append(line)
        self.ctx.progress.note(line)

    def _send_one(self, send: Send, ticket: Ticket) -> bool:
        post = send.post
        held = self._preflight.blocked.get(post.identity)
        if held:
            self.ctx.count("held", f"{post.identity}: held back: {held}", failure=True)
            return False
        file_ids = self._file_ids(send) if post.media else []
        if file_ids is None:
            return False
        now = self.ctx.clock()
        if now >= post.scheduled_for - self.ctx.opts.schedule_now_within:
            if is_missed(post.scheduled_for, now, self.ctx.opts.late_grace):
                self.ctx.ledger.append_many(missed(self.ctx.run_id, post))
                self.ctx.count(
                    "failed",
                    f"{post.identity}: missed its time ({post.scheduled_for:%Y-%m-%d %H:%M} UTC)",
                    failure=True,
                )
                return False
            self.ctx.progress.note(f"{post.identity}: its time has come; the API publishes it now")
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
            self.ctx.ledger,
            self.ctx.run_id,
            post,
            key=key,
            generation=send.generation,
            first_attempt=send.first_attempt,
            request=body,
        )
        with contextlib.suppress(Status200Error):  # the recorder holds each attempt's outcome
            pacer = self._pacing([post.platform]).pacer(post.platform, self.ctx.opts.post_interval)
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
            facts = self.ctx.result.media.get(ref.key)
            kinds.append(getattr(facts, "kind", "unknown") if facts else "unknown")
        return kinds

    def _tally(self, send: Send, outcome: Outcome) -> None:
        post = send.post
        label = f"{post.identity} {post.account} {post.scheduled_for:%Y-%m-%d %H:%M} UTC"
        if outcome.not_sent:  # the recorder wrote the deferral with the outcome
            self.ctx.count("deferred", f"deferred {label}: {outcome.error_code}")
        elif outcome.result == "failed":
            self.ctx.count(
                "failed",
                f"failed {label}: {outcome.error_code}: {outcome.error_message}",
                failure=True,
            )
        elif outcome.result == "unknown":
            self.ctx.count("unknown", f"unknown {label}: {outcome.error_message}")
        else:
            key = {
                "scheduled": "replaced" if send.replaces else "created",
                "queued": "queued",
                "published": "published",
                "processing": "processing",
            }[outcome.result]
            self.ctx.count(key, f"{outcome.result} {label}")

    def _settle_unknowns(self, passes: int = 2) -> None:
        """Outcomes this run left unknown: reconcile now, send the proven-absent again."""
        for _ in range(passes):
            if self.ctx.stop.is_set():
                return
            state = self.ctx.ledger.state()
            unknown = [
                r
                for r in state.posts.values()
                if r.status == "unknown" and self.ctx.owner(r.identity, state) is self
            ]
            if not unknown:
                return
            self.ctx.summary.counts["unknown"] = 0
            verdict = reconcile(self._api, unknown, self._profile_ids(), state.api_ids)
            self._record_verdict(verdict)
            posts = {p.identity: p for p in self._planned()}
            sends = []
            for rec in verdict.absent:
                send = self._absent(rec, posts.get(rec.identity), state)
                if send is not None:
                    sends.append(send)
            self._send_all(sends)
        state = self.ctx.ledger.state()
        left = [
            r.identity
            for r in state.posts.values()
            if r.status == "unknown" and self.ctx.owner(r.identity, state) is self
        ]
        self.ctx.summary.counts["unknown"] = len(left)
        for identity in left:
            self.ctx.summary.failures.append(
                f"still unknown: {identity} (the next run reconciles it)"
            )

    def _planned(self) -> list[PlannedPost]:
        plan = self.ctx.summary.plan
        return [s.post for s in plan.steps if s.post is not None] if plan else []

    def dry_run(self, step: Step) -> None:
        """The step as an API dry run: every check, nothing published, nothing recorded."""
        post = step.post
        if post is None:
            return
        items, problem = self._media_items(post)
        if problem:
            self.ctx.count("refused", f"{post.identity}: {problem}", failure=True)
            return
        body = build_body(
            post,
            [],
            kinds=self._kind_list(post),
            media_urls=[self._dry_run_url(i) for i in items],
            dry_run=True,
        )
        try:
            report = self._api.create_post(body, None)
        except Status200Error as exc:
            self.ctx.count("refused", f"{post.identity}: {exc}", failure=True)
            return
        outcome = getattr(report, "outcome", None)
        if getattr(report, "would_publish", False) or outcome in (
            "schedule",
            "publish",
            "queue",
        ):
            self.ctx.count("would_send", f"ok {post.identity}: would {outcome}")
        else:
            reason = getattr(report, "reason_message", None) or getattr(report, "reason_code", "")
            self.ctx.count("refused", f"{post.identity}: would be refused: {reason}", failure=True)

    def _dry_run_url(self, item: MediaItem) -> str:
        """A dry run uploads nothing: a stored file is named by its unsigned address (the API's
        dry run fetches no mediaUrls)."""
        store = self.ctx.opts.media_store
        if item.local is None or store is None:
            return item.url
        return store.plain_url(store.object_key(item.local.sha256, item.local.path))
