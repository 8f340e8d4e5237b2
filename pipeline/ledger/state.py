"""Fold the event log into what the ledger knows now. Pure: events in, a frozen state out.

The rules (docs/ledger.md has the table):
- `post.intent` makes a post `unknown` until an outcome says otherwise: a request went out and
  nothing proves what happened to it. `attempts` counts the intents of the current generation.
- `post.outcome` sets the status its result names, and the ids the API gave.
- `post.reconciled` found: the status and ids found. Not found: the post is proven absent, so it
  becomes `deferred` (planned, not at the service) with a new generation, hence a fresh
  Idempotency-Key: the old key may keep answering idempotency_outcome_unknown for 24 hours.
- `post.cancel_outcome` cancelled (or already_cancelled): `cancelled`, generation + 1.
- `post.status` (tracking) never moves a finished post (published, failed, cancelled) back to a
  waiting status: a late `post.scheduled` webhook must not undo what polling saw.
- Events of unknown type are counted in `ignored`; events about a post never introduced by an
  intent or a deferral are counted in `orphans` (nothing to attach them to).

Timestamps stay strings (they sort as text, see schema.format_time) until the end, so folding
100,000 events costs one dict update per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pipeline.ledger.records import (
    DONE_STATUSES,
    DisconnectedProfile,
    FiguresRow,
    LedgerState,
    MediaRecord,
    PostDetail,
    RunRecord,
    UploadRecord,
)
from pipeline.ledger.schema import Event, parse_time
from pipeline.model import LedgerPost


def _error(code: Any, message: Any) -> str | None:
    if code and message:
        return f"{code}: {message}"
    return str(code or message) if (code or message) else None


def _time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


class _Post:
    """A mutable LedgerPost under construction (slots: the fold touches these 100,000 times)."""

    __slots__ = (
        "account", "attempts", "entry_id", "error_code", "file_ids", "fingerprint",
        "first_sent_at", "generation", "history_post_id", "idempotency_key", "identity",
        "intent_generation", "last_error", "pending_cancel", "permalink", "platform",
        "platform_post_id", "reason", "request", "scheduled_for", "scheduled_post_id",
        "source", "status", "total_attempts", "updated_at",
    )  # fmt: skip

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self.entry_id: str | None = None
        self.source = self.platform = self.account = self.fingerprint = ""
        self.scheduled_for: str | None = None
        self.status = "deferred"
        self.idempotency_key: str | None = None
        self.history_post_id: str | None = None
        self.scheduled_post_id: str | None = None
        self.platform_post_id: str | None = None
        self.permalink: str | None = None
        self.file_ids: tuple[str, ...] = ()
        self.attempts = self.total_attempts = self.generation = 0
        self.intent_generation = -1  # the generation of the last intent, -1 before any
        self.last_error: str | None = None
        self.error_code: str | None = None
        self.updated_at = ""
        self.first_sent_at: str | None = None
        self.reason: str | None = None
        self.pending_cancel: str | None = None
        self.request: Mapping[str, Any] = {}

    def describe(self, e: Event) -> None:
        self.entry_id = e["entry_id"]
        self.source, self.platform = e["source"], e["platform"]
        self.account, self.fingerprint = e["account"], e["fingerprint"]
        self.scheduled_for = e["scheduled_for"]

    def ids(self, e: Event) -> None:
        """Take the ids an event carries, keeping what it leaves out."""
        self.history_post_id = e.get("post_id") or self.history_post_id
        self.scheduled_post_id = e.get("scheduled_post_id") or self.scheduled_post_id
        self.platform_post_id = e.get("platform_post_id") or self.platform_post_id
        self.permalink = e.get("permalink") or self.permalink

    def fail(self, code: Any, message: Any) -> None:
        error = _error(code, message)
        if error:
            self.last_error, self.error_code = error, code or self.error_code

    def new_generation(self) -> None:
        self.generation += 1
        self.attempts = 0

    def freeze(self) -> tuple[LedgerPost, PostDetail]:
        post = LedgerPost(
            identity=self.identity,
            entry_id=self.entry_id,
            source=self.source,
            platform=self.platform,
            account=self.account,
            scheduled_for=_time(self.scheduled_for),
            status=self.status,  # type: ignore[arg-type]  # only PostStatus values are assigned
            fingerprint=self.fingerprint,
            idempotency_key=self.idempotency_key,
            post_id=self.scheduled_post_id or self.history_post_id,
            scheduled_post_id=self.scheduled_post_id,
            platform_post_id=self.platform_post_id,
            permalink=self.permalink,
            file_ids=self.file_ids,
            attempts=self.attempts,
            last_error=self.last_error,
            updated_at=_time(self.updated_at),
            first_sent_at=_time(self.first_sent_at),
            generation=self.generation,
        )
        detail = PostDetail(
            identity=self.identity,
            history_post_id=self.history_post_id,
            error_code=self.error_code,
            reason=self.reason,
            pending_cancel=self.pending_cancel,
            total_attempts=self.total_attempts,
            request=self.request,
        )
        return post, detail


class _Folder:
    """Applies events one by one; `state()` freezes the result."""

    def __init__(self) -> None:
        self.posts: dict[str, _Post] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.webhooks: set[str] = set()
        self.figures: dict[str, list[FiguresRow]] = {}
        self.disconnected: dict[tuple[str, str], DisconnectedProfile] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.count = self.ignored = self.orphans = 0
        self.handlers: dict[str, Callable[[Event], None]] = {
            "post.intent": self.intent,
            "post.outcome": self.outcome,
            "post.unknown": self.unknown,
            "post.reconciled": self.reconciled,
            "post.cancel_intent": self.cancel_intent,
            "post.cancel_outcome": self.cancel_outcome,
            "post.deferred": self.deferred,
            "post.status": self.status,
            "media.intent": self.media_intent,
            "media.outcome": self.media_outcome,
            "media.upload": self.media_upload,
            "figures": self.figures_read,
            "webhook.applied": self.webhook,
            "profile.disconnected": self.profile_disconnected,
            "profile.reconnected": self.profile_reconnected,
            "run.started": self.run_started,
            "run.finished": self.run_finished,
        }

    def _post(self, e: Event) -> _Post | None:
        """The post an event is about, touched at the event's time; None for an orphan."""
        post = self.posts.get(e["identity"])
        if post is None:
            self.orphans += 1
            return None
        post.updated_at = max(post.updated_at, e["at"])
        return post

    def _introduce(self, e: Event) -> _Post:
        post = self.posts.get(e["identity"])
        if post is None:
            post = self.posts[e["identity"]] = _Post(e["identity"])
        post.describe(e)
        post.updated_at = max(post.updated_at, e["at"])
        return post

    def intent(self, e: Event) -> None:
        post = self._introduce(e)
        generation = e["generation"]
        if generation > post.generation:
            post.generation, post.attempts = generation, 0
        if generation > post.intent_generation:
            # A new generation is a new post at the service: the old one's ids and error go.
            post.intent_generation = generation
            post.history_post_id = post.scheduled_post_id = None
            post.platform_post_id = post.permalink = None
            post.file_ids, post.last_error, post.error_code = (), None, None
        if generation == post.generation:
            post.attempts += 1
        post.total_attempts += 1
        if e["idempotency_key"] != post.idempotency_key:
            post.idempotency_key, post.first_sent_at = e["idempotency_key"], e["at"]
        post.status, post.reason = "unknown", "no_answer"
        post.request = e.get("request") or {}

    def outcome(self, e: Event) -> None:
        post = self._post(e)
        if post is None:
            return
        post.status = e["result"]
        post.reason = "outcome_unknown" if e["result"] == "unknown" else None
        post.ids(e)
        if e.get("file_ids"):
            post.file_ids = tuple(e["file_ids"])
        if e["result"] in ("failed", "unknown"):
            code = e.get("error_code") or e.get("api_code")
            status = e.get("http_status")
            post.fail(code or (f"HTTP {status}" if status else None), e.get("error_message"))
        else:
            # A 429 waited out is pacing, not this post's problem: an answer that took the post
            # clears it (other errors stay visible, e.g. the 500 before a replayed answer).
            if post.error_code == "rate_limited":
                post.last_error = post.error_code = None
            post.fail(e.get("error_code"), e.get("error_message"))

    def unknown(self, e: Event) -> None:
        post = self._post(e)
        if post is not None:
            post.status, post.reason = "unknown", e["reason"]
            post.fail(e["reason"], e.get("message"))

    def reconciled(self, e: Event) -> None:
        post = self._post(e)
        if post is None:
            return
        if e["found"]:
            post.status, post.reason = e["status"], None
            post.ids(e)
        else:
            post.status, post.reason = "deferred", "absent"
            if not e.get("keep_key", False):
                post.new_generation()

    def cancel_intent(self, e: Event) -> None:
        post = self._post(e)
        if post is not None:
            post.pending_cancel = e["scheduled_post_id"]

    def cancel_outcome(self, e: Event) -> None:
        post = self._post(e)
        if post is None:
            return
        result = e["result"]
        if result in ("cancelled", "already_cancelled"):
            post.pending_cancel = None
            if post.status != "cancelled":
                post.status, post.reason = "cancelled", e["reason"]
                post.new_generation()
            return
        if result == "not_cancellable":
            post.pending_cancel = None  # it has moved on; tracking will say where
        post.fail(e.get("error_code") or f"cancel {result}", e.get("error_message"))

    def deferred(self, e: Event) -> None:
        post = self._introduce(e)
        post.status, post.reason = "deferred", e["reason"]

    def status(self, e: Event) -> None:
        post = self._post(e)
        if post is None:
            return
        post.ids(e)
        if post.status in DONE_STATUSES and e["status"] not in DONE_STATUSES:
            return  # stale news (a late webhook); the post has already finished
        if e["status"] == "cancelled" and post.status != "cancelled":
            # Cancelled elsewhere (the dashboard): sending it again needs a fresh key, or the
            # API would replay the cancelled post's answer.
            post.new_generation()
        post.status = e["status"]
        if e["status"] == "failed":
            post.fail(e.get("error_code") or "failed", e.get("error_message"))

    def media_intent(self, e: Event) -> None:
        record = self.media.setdefault(e["key"], {"key": e["key"], "attempts": 0})
        record.update(url=e["url"], idempotency_key=e["idempotency_key"], status="unknown")
        record["attempts"] += 1
        record["updated_at"] = e["at"]

    def media_outcome(self, e: Event) -> None:
        record = self.media.setdefault(e["key"], {"key": e["key"], "attempts": 0})
        record["status"], record["updated_at"] = e["status"], e["at"]
        for name in ("url", "file_id", "size", "media_type", "expires_at"):
            if e.get(name) is not None:
                record[name] = e[name]
        error = _error(e.get("error_code"), e.get("error_message"))
        if error:
            record["last_error"] = error

    def media_upload(self, e: Event) -> None:
        address = f"s3://{e['bucket']}/{e['object_key']}"
        self.uploads[address] = UploadRecord(address, e["sha256"], e["size"], _time(e["at"]))

    def figures_read(self, e: Event) -> None:
        row = FiguresRow(e["identity"], e["post_id"], parse_time(e["polled_at"]), e["metrics"])
        self.figures.setdefault(e["identity"], []).append(row)

    def webhook(self, e: Event) -> None:
        self.webhooks.add(e["event_id"])

    def profile_disconnected(self, e: Event) -> None:
        key = (e["account"], e["platform"])
        self.disconnected[key] = DisconnectedProfile(
            e["account"], e["platform"], e["reason"], e.get("message"), parse_time(e["at"])
        )

    def profile_reconnected(self, e: Event) -> None:
        self.disconnected.pop((e["account"], e["platform"]), None)

    def run_started(self, e: Event) -> None:
        self.runs[e["run"]] = {"command": e["command"], "started_at": e["at"]}

    def run_finished(self, e: Event) -> None:
        run = self.runs.setdefault(e["run"], {"command": None, "started_at": None})
        run.update(finished_at=e["at"], counts=e["counts"], exit_code=e.get("exit_code"))

    def state(self) -> LedgerState:
        posts: dict[str, LedgerPost] = {}
        details: dict[str, PostDetail] = {}
        api_ids: dict[str, str] = {}
        for identity, building in self.posts.items():
            posts[identity], details[identity] = building.freeze()
            for api_id in (building.scheduled_post_id, building.history_post_id):
                if api_id:
                    api_ids[api_id] = identity
        media = {
            key: MediaRecord(
                key=key,
                url=r.get("url"),
                file_id=r.get("file_id"),
                status=r.get("status", "unknown"),
                size=r.get("size"),
                media_type=r.get("media_type"),
                expires_at=_time(r.get("expires_at")),
                updated_at=_time(r.get("updated_at")),
                attempts=r["attempts"],
                idempotency_key=r.get("idempotency_key"),
                last_error=r.get("last_error"),
            )
            for key, r in self.media.items()
        }
        runs = {
            run_id: RunRecord(
                run=run_id,
                command=r.get("command"),
                started_at=_time(r.get("started_at")),
                finished_at=_time(r.get("finished_at")),
                counts=r.get("counts", {}),
                exit_code=r.get("exit_code"),
            )
            for run_id, r in self.runs.items()
        }
        return LedgerState(
            posts=posts,
            details=details,
            media=media,
            applied_webhooks=self.webhooks,
            figures=self.figures,
            disconnected=self.disconnected,
            runs=runs,
            api_ids=api_ids,
            uploads=self.uploads,
            event_count=self.count,
            ignored=self.ignored,
            orphans=self.orphans,
        )


def fold(events: Iterable[Event]) -> LedgerState:
    """The ledger's state after `events` (dicts as stored, oldest first)."""
    folder = _Folder()
    handlers = folder.handlers
    count = ignored = 0
    for event in events:  # the hot loop: 100,000 events should fold in well under a second
        count += 1
        handler = handlers.get(event["type"])
        if handler is None:
            ignored += 1
        else:
            handler(event)
    folder.count, folder.ignored = count, ignored
    return folder.state()
