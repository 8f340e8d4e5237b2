"""The calendar's vocabulary as immutable values.

Every later stage (rules, planner, publisher, reports) speaks in these types, so they are frozen:
a diagnostic or an entry is never patched after creation, only replaced. Nothing here does I/O.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

#: The networks the Status 200 Uploads API takes (OpenAPI 2026-09-28, `Platform`).
#: The API publishes a post due within this many seconds at once instead of scheduling it.
SCHEDULE_NOW_WITHIN_S: Final = 60
#: The API schedules at most this many days ahead (rules check it; series expand up to it).
MAX_AHEAD_DAYS: Final = 365
#: A post whose time passed longer ago than this before it could be sent is missed, not sent late.
LATE_GRACE: Final = timedelta(minutes=15)


def is_missed(scheduled_for: datetime, now: datetime, grace: timedelta = LATE_GRACE) -> bool:
    """Whether a post not yet sent has missed its time for good (both backends, tracking)."""
    return now > scheduled_for + grace


def next_generation(action: str, recorded: LedgerPost | None) -> int:
    """The generation a create or replace step sends under, so its Idempotency-Key is fresh
    exactly when it must be: a replaced post, and one that failed, start a new one (cancelled and
    proven-absent posts already start it in the ledger)."""
    if recorded is None:
        return 0
    if action == "replace":
        return recorded.generation + 1
    return recorded.generation + (recorded.status == "failed")


PLATFORMS: tuple[str, ...] = (
    "tiktok",
    "instagram",
    "facebook",
    "youtube",
    "x",
    "linkedin",
    "pinterest",
    "threads",
    "skool",
)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class SourceRef:
    """Where a thing was written: a calendar file and a 1-based line (0 = the file as a whole)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a calendar.

    Equality and ordering ignore the wording (`message`, `hint`), as yamllint's LintProblem does:
    tests assert the code and the position, and messages can improve without breaking them.
    """

    file: str
    line: int
    code: str  # stable, e.g. "E201"
    name: str  # stable, e.g. "caption-too-long"
    severity: Severity
    entry: str | None = None  # the entry id as the user sees it
    platform: str | None = None
    message: str = field(default="", compare=False)
    hint: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.line, self.entry or "", self.platform or "", self.code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "entry": self.entry,
            "platform": self.platform,
            "message": self.message,
            "hint": self.hint,
        }


MediaKind = Literal["file", "url"]


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A media item as the calendar names it.

    `value` is what the user wrote (shown in messages); `path` is the file it resolves to, relative
    to nothing (absolute), for local files; `url` is set for https URLs.
    """

    kind: MediaKind
    value: str
    path: str | None = None
    url: str | None = None

    @property
    def key(self) -> str:
        """What identifies the item for 'inspect once' and 'upload once'."""
        return self.path if self.kind == "file" and self.path else (self.url or self.value)


@dataclass(frozen=True, slots=True)
class ClipRef:
    """Media taken from a clip-processing server's job instead of a file."""

    job: str
    index: int


DstState = Literal["ok", "gap", "fold"]


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A `repeat:` rule as written: the RRULE text and its bounds, all in local dates.

    Expanded by `pipeline.schedule.series` (python-dateutil) into one Entry per occurrence;
    `line` is the `repeat:` field's line, for diagnostics about the rule itself."""

    rule: str
    line: int
    until: date | None = None
    count: int | None = None
    skip: tuple[date, ...] = ()
    #: local date -> the Entry fields that occurrence changes ("at" as a time of day or a
    #: local datetime, "text", "captions", "title", "media"), read by the schema
    overrides: Mapping[date, Mapping[str, Any]] = field(default_factory=dict)
    #: the lines of `skip:` and `overrides:`, for diagnostics about their dates
    field_lines: Mapping[str, int] = field(default_factory=dict)
    #: False when the schema found an error in these keys: the series makes no posts (a typo
    #: in `until:` must not make it open-ended), and is not a template the plan cancels for
    usable: bool = True


@dataclass(frozen=True, slots=True)
class Evergreen:
    """An `evergreen:` block: the entry is a pool member, repeated into free queue slots."""

    pool: str
    cooldown_days: int = 45
    max_repeats: int | None = None
    active_from: date | None = None
    active_to: date | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One calendar entry (one post, possibly for several platforms), as loaded.

    `at_local` is the wall-clock time the user wrote; `tz` the IANA zone or a fixed offset such as
    "+02:00"; `at_utc` the instant it means (None when the time could not be understood, in which
    case the loader has already reported why). `dst` says whether the local time fell in a DST gap
    (it does not exist) or fold (it exists twice; the first is chosen, as Python's fold=0 does).
    """

    source: SourceRef
    id: str | None
    platforms: tuple[str, ...]
    accounts: Mapping[str, str]  # platform -> handle
    text: str | None
    captions: Mapping[str, str] = field(default_factory=dict)  # platform -> override
    title: str | None = None
    media: tuple[MediaRef, ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # platform -> block
    at_local: datetime | None = None
    tz: str | None = None
    at_utc: datetime | None = None
    dst: DstState = "ok"
    clip: ClipRef | None = None
    # --- living calendars (issue 14); all None for a plain dated post ---------------------
    repeat: Recurrence | None = None  # a series template (expanded before the rules run)
    queue: str | None = None  # takes the next free slot of this `slots:` name (no `at`)
    priority: str | None = None  # "next": the earliest free slot, ahead of the queue
    evergreen: Evergreen | None = None  # a pool member
    #: Set on entries the schedule stage made: the template's id ("weekly-tip") and what the
    #: occurrence adds to it ("2027-01-05", "2027-01-05.2", or a pool repeat's "r3").
    series: str | None = None
    occurrence: str | None = None

    @property
    def label(self) -> str:
        """How messages name the entry: its id, or its position."""
        return self.id if self.id else f"{self.source}"

    def caption_for(self, platform: str) -> str | None:
        """The caption a platform gets: its override when present, else the shared text."""
        return self.captions.get(platform, self.text)

    def account_for(self, platform: str) -> str | None:
        return self.accounts.get(platform)


@dataclass(frozen=True, slots=True)
class PlannedPost:
    """One request's worth: one entry on one platform (the API takes one platform per request).

    `identity` names the post across runs (the entry id, or account + platform + time when it has
    none); `fingerprint` changes whenever anything that would change the request changes.
    """

    entry: Entry
    platform: str
    account: str
    scheduled_for: datetime  # UTC
    identity: str
    fingerprint: str

    @property
    def source(self) -> SourceRef:
        return self.entry.source

    @property
    def caption(self) -> str | None:
        return self.entry.caption_for(self.platform)

    @property
    def media(self) -> tuple[MediaRef, ...]:
        return self.entry.media

    @property
    def options(self) -> Mapping[str, Any]:
        return self.entry.options.get(self.platform, {})


#: The statuses a planned post can have in the ledger and in `results.csv` (a public interface).
PostStatus = Literal[
    "scheduled", "queued", "published", "failed", "cancelled", "unknown", "processing", "deferred"
]
POST_STATUSES: tuple[str, ...] = (
    "scheduled",
    "queued",
    "published",
    "failed",
    "cancelled",
    "unknown",
    "processing",
    "deferred",
)


@dataclass(frozen=True, slots=True)
class LedgerPost:
    """What the ledger knows of one planned post, folded from its events.

    `post_id` is what `results.csv` shows: the API's `scheduled_post_id`, or `post_id` for a post
    published at once. `generation` goes up each time this identity starts afresh: cancelled
    (replaced or pruned), or proven absent by reconciliation. It is part of the Idempotency-Key,
    so a post changed back to earlier content, or re-sent after its first request was lost, never
    meets an old key's stored answer.
    """

    identity: str
    entry_id: str | None
    source: str  # "file:line"
    platform: str
    account: str
    scheduled_for: datetime | None  # UTC
    status: PostStatus
    fingerprint: str
    idempotency_key: str | None = None
    post_id: str | None = None
    scheduled_post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None
    file_ids: tuple[str, ...] = ()
    attempts: int = 0
    last_error: str | None = None
    updated_at: datetime | None = None
    first_sent_at: datetime | None = None  # when the current key was first used (24 h window)
    generation: int = 0


# --- identity and fingerprint: what names a post across runs, and what makes it "changed" -----


def identity(entry: Entry, platform: str) -> str:
    if entry.id:
        return f"{entry.id}/{platform}"
    at = entry.at_utc.strftime("%Y-%m-%dT%H:%M:%SZ") if entry.at_utc else "?"
    return f"{entry.accounts.get(platform, '')}/{platform}/{at}"


#: A pool repeat's occurrence: "r3" in "tip@r3", the third time a member goes out.
POOL_REPEAT: Final = re.compile(r"^r([1-9]\d*)$")


def is_pool_repeat(identity: str) -> bool:
    """Whether an id or identity names a pool repeat ("tip@r3/x"), not a series occurrence."""
    occurrence = identity.partition("@")[2].partition("/")[0]
    return bool(occurrence) and POOL_REPEAT.match(occurrence) is not None


def series_of(entry_id: str | None) -> str | None:
    """The template id of an occurrence's id or identity ("weekly-tip@2027-01-05/x" ->
    "weekly-tip"), or None for a post written as such (user ids cannot contain "@")."""
    if not entry_id or "@" not in entry_id:
        return None
    return entry_id.split("@", 1)[0]


def fingerprint(entry: Entry, platform: str, media_digests: Mapping[str, str]) -> str:
    """A digest of everything the request for this post depends on."""
    content = {
        "account": entry.accounts.get(platform),
        "platform": platform,
        "at": entry.at_utc.isoformat() if entry.at_utc else None,
        "text": entry.caption_for(platform),
        "title": entry.title,
        "options": dict(entry.options.get(platform, {})),
        "media": [media_digests.get(m.key, m.key) for m in entry.media],
        "clip": [entry.clip.job, entry.clip.index] if entry.clip else None,
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
