"""Clip posts whose outcome is unknown, and how a person settles them.

A clip post is `unknown` when its request went out and no answer was recorded (a crash between
intent and outcome, a lost connection, a gateway page). The main API is asked what happened
(GET /posts) and the post is resent under the same Idempotency-Key; the clip server offers
neither, so a resend could upload the clip twice. Unknown clip posts are therefore only
reported, with what a person needs to look them up in the Upload-Post dashboard, and settled
explicitly: `resolve_unknown(..., posted=True)` when the upload is there, `posted=False` to have
the next publish run send it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.backends.clips.types import is_clip_request
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import PostReconciled


@dataclass(frozen=True, slots=True)
class UnknownClipPost:
    identity: str
    entry_id: str | None
    source: str
    platform: str
    account: str
    scheduled_for: datetime | None
    job_id: str
    clip_index: int
    user_id: str
    platforms: tuple[str, ...]  # every platform of the request that went out
    first_sent_at: datetime | None
    attempts: int
    reason: str | None  # no_answer, upstream_uncertain, unexpected_answer, or None (a crash)

    def message(self) -> str:
        """One paragraph for the publisher's report."""
        when = f"{self.scheduled_for:%Y-%m-%d %H:%M} UTC" if self.scheduled_for else "now"
        sent = f" at {self.first_sent_at:%Y-%m-%d %H:%M:%S} UTC" if self.first_sent_at else ""
        why = {
            "no_answer": "no answer came back",
            "upstream_uncertain": "the clip server lost its connection to Upload-Post",
            "unexpected_answer": "the answer could not be understood",
        }.get(self.reason or "", "the run stopped before the answer was recorded")
        return (
            f"unknown {self.identity}: clip {self.clip_index} of job {self.job_id} was sent to "
            f"Upload-Post profile {self.user_id!r} ({', '.join(self.platforms)}, for {when})"
            f"{sent}, and {why}. The clip server cannot be asked whether it arrived, so it is "
            "not sent again automatically. Look in the Upload-Post dashboard: if the upload is "
            f"there, run `pipeline resolve {self.identity} --posted`; if not, "
            f"`pipeline resolve {self.identity} --resend` (the next run sends it)."
        )


def is_clip_post(state: LedgerState, identity: str) -> bool:
    """Whether the ledger's post was sent through the clip server (by its request summary)."""
    detail = state.details.get(identity)
    return bool(detail and detail.request and is_clip_request(detail.request))


def unknown_clip_posts(state: LedgerState) -> list[UnknownClipPost]:
    """Every clip post the ledger holds as unknown, oldest first."""
    found = []
    for identity, post in state.posts.items():
        if post.status != "unknown" or not is_clip_post(state, identity):
            continue
        detail = state.details[identity]
        request = detail.request
        found.append(
            UnknownClipPost(
                identity=identity,
                entry_id=post.entry_id,
                source=post.source,
                platform=post.platform,
                account=post.account,
                scheduled_for=post.scheduled_for,
                job_id=str(request.get("job_id")),
                clip_index=int(request.get("clip_index", 0)),
                user_id=str(request.get("user_id", "")),
                platforms=tuple(str(p) for p in request.get("platforms", (post.platform,))),
                first_sent_at=post.first_sent_at,
                attempts=post.attempts,
                # An unknown outcome names its error; an intent alone means the run stopped.
                reason=detail.error_code if detail.reason == "outcome_unknown" else None,
            )
        )
    found.sort(key=lambda u: (u.first_sent_at is None, u.first_sent_at or 0, u.identity))
    return found


def resolve_unknown(
    ledger: Ledger, run_id: str, identity: str, *, posted: bool, upload_id: str | None = None
) -> None:
    """A person's verdict on an unknown clip post (the caller holds the ledger lock).

    posted=True: the upload is in the dashboard; the post becomes `processing` (never resent).
    posted=False: it is not; the post becomes `deferred` with a new generation, so the next
    publish run sends it again under a fresh ledger key.
    """
    state = ledger.state()
    post = state.posts.get(identity)
    if post is None or not is_clip_post(state, identity):
        raise KeyError(f"{identity} is not a clip post in this ledger")
    if post.status != "unknown":
        raise ValueError(f"{identity} is {post.status}, not unknown; nothing to settle")
    if posted:
        ledger.append(
            PostReconciled(
                run=run_id, identity=identity, found=True, status="processing", post_id=upload_id
            )
        )
    else:
        ledger.append(PostReconciled(run=run_id, identity=identity, found=False))
