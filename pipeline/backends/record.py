"""Every attempt in the ledger: intent before the request, outcome after it (both fsynced).

The client retries inside one call as the API's retry table says; these observers see each
attempt, so a SIGKILL at any moment leaves either an intent without an outcome (the post is
`unknown` and is reconciled before anything is sent again) or the recorded answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.api import (
    Accepted,
    AcceptedKind,
    ApiError,
    CreateResult,
    DryRunReport,
    KeyReused,
    MediaImport,
    OutcomeUnknown,
    PublishResult,
    ResendOnceWithKey,
    Status200Error,
    TransportFailure,
    WaitAndResend,
)
from pipeline.ledger import Ledger
from pipeline.ledger.events import (
    LedgerEvent,
    MediaIntent,
    MediaOutcome,
    PostDeferred,
    PostIntent,
    PostOutcome,
    PostStatusSeen,
)
from pipeline.model import PlannedPost

#: Codes meaning "nothing was sent": the post is deferred to a later run, not failed.
NOT_SENT = frozenset(
    {
        "rate_limited",
        "caller_check_unavailable",
        "schedule_check_unavailable",
        "idempotency_unavailable",
        "dry_run_unavailable",
        "upstream_unavailable",
        "skool_unavailable",
        "x_unavailable",
        "media_processing",
        "scheduled_queue_full",
    }
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one create call ended, in ledger terms."""

    result: str  # scheduled | queued | published | processing | failed | unknown
    http_status: int | None = None
    api_code: str | None = None
    post_id: str | None = None
    scheduled_post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    replayed: bool = False

    @property
    def not_sent(self) -> bool:
        return self.result == "failed" and self.error_code in NOT_SENT

    def event(
        self, run: str, identity: str, attempt: int, file_ids: Sequence[str] = ()
    ) -> PostOutcome:
        """The ledger's record of this outcome for one attempt on one post."""
        return PostOutcome(
            run=run,
            identity=identity,
            attempt=attempt,
            file_ids=tuple(file_ids),
            **dataclasses.asdict(self),
        )


def outcome_of(answer: CreateResult | Status200Error) -> Outcome:
    if isinstance(answer, Accepted):
        result = {
            AcceptedKind.SCHEDULED: "scheduled",
            AcceptedKind.QUEUED_FOR_NEXT_DAY: "queued",
            AcceptedKind.SCHEDULE_UNCONFIRMED: "unknown",
        }.get(answer.kind, "processing")
        return Outcome(
            result,
            answer.http_status,
            answer.code,
            post_id=answer.post_id,
            scheduled_post_id=answer.scheduled_post_id,
            replayed=answer.replayed,
        )
    if isinstance(answer, PublishResult):
        return Outcome(
            "processing" if answer.processing else "published",
            answer.http_status,
            post_id=answer.post_id,
            platform_post_id=answer.platform_post_id,
            permalink=answer.url,
            replayed=answer.replayed,
        )
    if isinstance(answer, DryRunReport):
        return Outcome("processing", 200, "dry_run")
    if isinstance(answer, OutcomeUnknown | KeyReused | ResendOnceWithKey):
        return Outcome(
            "unknown",
            answer.status,
            answer.code,
            error_code=answer.code,
            error_message=answer.message,
        )
    if isinstance(answer, WaitAndResend) and answer.code == "idempotency_in_progress":
        return Outcome(
            "unknown",
            answer.status,
            answer.code,
            error_code=answer.code,
            error_message=answer.message,
        )
    if isinstance(answer, ApiError):
        return Outcome(
            "failed",
            answer.status,
            answer.code,
            error_code=answer.code,
            error_message=answer.message,
        )
    if isinstance(answer, TransportFailure):
        return Outcome("unknown", error_code="no_answer", error_message=str(answer))
    return Outcome("unknown", error_code="unexpected_answer", error_message=str(answer))


def post_fields(post: PlannedPost) -> dict[str, Any]:
    """What every event about a planned post repeats: which post, from where, for when."""
    return {
        "identity": post.identity,
        "entry_id": post.entry.id,
        "source": str(post.source),
        "platform": post.platform,
        "account": post.account,
        "scheduled_for": post.scheduled_for,
        "fingerprint": post.fingerprint,
    }


def deferred(run: str, post: PlannedPost, reason: str, message: str | None = None) -> PostDeferred:
    """A planned post left for a later run (`reason`: waiting_cap, missed, a not-sent code)."""
    return PostDeferred(run=run, reason=reason, message=message, **post_fields(post))


MISSED = "its time passed before it could be sent"


def missed(run: str, post: PlannedPost) -> list[LedgerEvent]:
    """A post whose time passed before it could be sent: failed with code `missed`, so it is
    reported once and left alone (a past time of a post the ledger holds is no calendar error;
    `--retry-failed` or a new time sends it)."""
    return [
        deferred(run, post, "missed", MISSED),
        PostStatusSeen(
            run=run,
            identity=post.identity,
            status="failed",
            origin="publisher",
            error_code="missed",
            error_message=MISSED,
        ),
    ]


def intent(
    run: str,
    post: PlannedPost,
    *,
    key: str,
    generation: int,
    attempt: int,
    request: dict[str, Any],
) -> PostIntent:
    """About to send one create request for `post`."""
    return PostIntent(
        run=run,
        idempotency_key=key,
        generation=generation,
        attempt=attempt,
        request=request,
        **post_fields(post),
    )


class PostRecorder:
    """The observer for one post's create call."""

    def __init__(
        self,
        ledger: Ledger,
        run: str,
        post: PlannedPost,
        *,
        key: str,
        generation: int,
        first_attempt: int,
        request: dict[str, Any],
    ) -> None:
        self.ledger, self.run, self.post = ledger, run, post
        self.key, self.generation = key, generation
        self.first_attempt = first_attempt
        self.request = request
        self.file_ids: Sequence[str] = tuple(
            request.get("post", {}).get("content", {}).get("mediaID", ())
        )
        self.last: Outcome | None = None

    def before_attempt(self, attempt: int) -> None:
        self.ledger.append(
            intent(
                self.run,
                self.post,
                key=self.key,
                generation=self.generation,
                attempt=self.first_attempt + attempt - 1,
                request=self.request,
            )
        )

    def after_attempt(self, attempt: int, outcome: CreateResult | Status200Error) -> None:
        self.last = found = outcome_of(outcome)
        attempt_no = self.first_attempt + attempt - 1
        events: list[LedgerEvent] = [
            found.event(self.run, self.post.identity, attempt_no, self.file_ids)
        ]
        if found.not_sent:  # nothing reached the network: a later attempt or run sends it
            reason = found.error_code or "not_sent"
            events.append(deferred(self.run, self.post, reason, found.error_message))
        self.ledger.append_many(events)  # one write: a crash cannot leave the refusal alone


class MediaRecorder:
    """The observer for one media import."""

    def __init__(self, ledger: Ledger, run: str, *, key: str, url: str, idem_key: str) -> None:
        self.ledger, self.run, self.key, self.url, self.idem_key = ledger, run, key, url, idem_key

    def before_attempt(self, attempt: int) -> None:
        self.ledger.append(
            MediaIntent(
                run=self.run,
                key=self.key,
                url=self.url,
                idempotency_key=self.idem_key,
                attempt=attempt,
            )
        )

    def after_attempt(self, attempt: int, outcome: MediaImport | Status200Error) -> None:
        if isinstance(outcome, MediaImport):
            event = MediaOutcome(
                run=self.run,
                key=self.key,
                url=self.url,
                status=outcome.status,
                file_id=outcome.file_id,
                size=outcome.size,
                media_type=outcome.type,
                http_status=outcome.http_status,
                replayed=outcome.replayed,
            )
        else:
            code = getattr(outcome, "code", None)
            event = MediaOutcome(
                run=self.run,
                key=self.key,
                url=self.url,
                status="failed" if isinstance(outcome, ApiError) else "unknown",
                http_status=getattr(outcome, "status", None),
                error_code=code,
                error_message=getattr(outcome, "message", str(outcome)),
            )
        self.ledger.append(event)
