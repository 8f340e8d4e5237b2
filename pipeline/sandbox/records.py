"""What the sandbox remembers: posts, scheduled posts, imports, idempotency records, webhook
deliveries. Frozen values; a change is a new value stored under the same id (see store.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PostRecord:
    """One network's post in History (PostItem)."""

    id: str
    account: str
    profile_id: str
    platform: str
    status: str  # success | failed | processing | timeout
    at: float  # when it was sent
    updated_at: float
    media_type: str | None
    publish_id: str | None
    permalink: str | None
    error_message: str | None = None
    scheduled_post_id: str | None = None
    text: str = ""
    #: When a post still processing settles, and how (success | failed | timeout).
    settles_at: float | None = None
    settles_as: str | None = None
    network_data: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in ("success", "failed", "timeout")


@dataclass(frozen=True)
class ScheduledRecord:
    """A post waiting for its time (ScheduledPostItem): one network, as every request is."""

    id: str
    account: str
    profile_id: str
    platform: str
    status: str  # scheduled | processing | published | failed | cancelled
    outcome: str  # waiting | cancelled | sending | success | failed | partly_failed | unconfirmed
    due_at: float
    created_at: float
    updated_at: float
    media_type: str | None
    #: The request's `post` object, sent as it is when the time comes.
    post: dict[str, Any]
    note: str | None = None
    error_message: str | None = None
    post_id: str | None = None  # the History post it produced
    queued: bool = False  # moved to the next UTC day by the daily allowance
    media_ids: tuple[str, ...] = ()

    @property
    def waiting(self) -> bool:
        return self.outcome == "waiting"

    @property
    def done(self) -> bool:
        return self.outcome in ("cancelled", "success", "failed", "partly_failed", "unconfirmed")


@dataclass(frozen=True)
class MediaRecord:
    file_id: str
    account: str
    url: str
    type: str
    size: int | None
    status: str  # processing | ready | failed
    created_at: float
    ready_at: float
    error: str | None = None

    @property
    def kind(self) -> str:
        return "video" if self.type.startswith("video/") else "image"


@dataclass(frozen=True)
class IdemRecord:
    """One Idempotency-Key: running, or done with the first answer kept byte for byte."""

    scope: str  # namespace and a hash of the API key (the key itself is never stored)
    key: str
    body_hash: str
    started_at: float
    state: str  # running | done
    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """One webhook event and its delivery attempts."""

    id: str  # evt_...
    account: str
    url: str
    type: str
    body: str
    created_at: float
    next_at: float
    attempts: int = 0
    state: str = "pending"  # pending | delivered | failed
    statuses: tuple[str, ...] = ()  # what each attempt got: "200", "500", "ConnectError"
