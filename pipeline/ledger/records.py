"""The values the fold produces: frozen records of posts' details, media, figures, runs.

Pure data; `state.fold` builds them from the event log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.model import LedgerPost

#: Statuses a post does not leave through tracking (only a new intent starts it over).
DONE_STATUSES = frozenset({"published", "failed", "cancelled"})
#: Statuses of a post waiting at the service, to be cancelled and recreated if it changes.
WAITING_STATUSES = frozenset({"scheduled", "queued"})


@dataclass(frozen=True, slots=True)
class PostDetail:
    """What the ledger knows of a post beyond LedgerPost (the runner's and reports' needs).

    `history_post_id` is the API's post id of the network's post (from an immediate publish or
    from tracking); figures are read with it. `reason` is why the post is unknown or deferred.
    `pending_cancel` is the scheduled_post_id of a cancel sent without a recorded answer.
    """

    identity: str
    history_post_id: str | None = None
    error_code: str | None = None
    reason: str | None = None
    pending_cancel: str | None = None
    total_attempts: int = 0
    request: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """One imported media item, keyed by the file's sha256 or the normalised URL."""

    key: str
    url: str | None
    file_id: str | None
    status: str  # ready | processing | failed | unknown
    size: int | None = None
    media_type: str | None = None
    expires_at: datetime | None = None
    updated_at: datetime | None = None
    attempts: int = 0
    idempotency_key: str | None = None
    last_error: str | None = None

    def usable(self, now: datetime) -> bool:
        """Whether the file_id can be reused in a request sent at `now`. An unknown expiry (the
        run died between the import's answer and the expiry noted after it) is not reusable:
        importing again under the same key costs at most a replay."""
        return (
            self.status == "ready"
            and self.file_id is not None
            and self.expires_at is not None
            and self.expires_at > now
        )


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """A file the media store holds: `address` is s3://bucket/key (never a presigned URL)."""

    address: str
    sha256: str
    size: int
    uploaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class FiguresRow:
    identity: str
    post_id: str
    polled_at: datetime
    metrics: Mapping[str, float | int | None]


@dataclass(frozen=True, slots=True)
class DisconnectedProfile:
    account: str
    platform: str
    reason: str
    message: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run; `finished_at` None means it is running or was killed."""

    run: str
    command: str | None
    started_at: datetime | None
    finished_at: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    exit_code: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerState:
    posts: dict[str, LedgerPost]
    details: dict[str, PostDetail]
    media: dict[str, MediaRecord]
    applied_webhooks: set[str]
    figures: dict[str, list[FiguresRow]]
    disconnected: dict[tuple[str, str], DisconnectedProfile]  # (account, platform)
    runs: dict[str, RunRecord]
    #: The API's ids of each post's current generation (scheduled_post_id, post_id) -> identity,
    #: for webhooks and GET /posts pages. A replaced post's old ids are not here, so news about
    #: the cancelled post cannot be applied to its replacement.
    api_ids: dict[str, str] = field(default_factory=dict)
    #: Files uploaded to a media store, by s3://bucket/key (`media.upload`).
    uploads: dict[str, UploadRecord] = field(default_factory=dict)
    event_count: int = 0
    ignored: int = 0
    orphans: int = 0

    def identity_for(self, api_id: str) -> str | None:
        """The identity of the post the API calls `api_id`, if the ledger has seen that id."""
        return self.api_ids.get(api_id)

    def unknown(self) -> list[LedgerPost]:
        """Posts to reconcile with GET /posts before anything is sent for them."""
        return [p for p in self.posts.values() if p.status == "unknown"]

    def flagged(self) -> list[LedgerPost]:
        """Posts not yet out whose profile's network is disconnected."""
        return [
            p
            for p in self.posts.values()
            if (p.account, p.platform) in self.disconnected and p.status not in DONE_STATUSES
        ]
