"""What the API answers, as small frozen values that keep the raw JSON beside the parsed fields.

Parsing is lenient where the API may grow (new fields, new codes, new statuses are kept as
strings) and strict only where a caller could be misled: an item without an id, or of a kind we
do not know, is an `UnexpectedAnswer`. Ids come from `status200` first, as the OpenAPI file asks
(`data.post_id` is the network's own id on Facebook, LinkedIn and Skool).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.api._json import Json, flag, integer, obj, objs, required_str, strs, text, when

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class ApiWarning:
    """Something the caller should know about a request that went through (it was still sent)."""

    code: str
    message: str
    field: str | None = None
    did_you_mean: str | None = None
    also_blocking: bool = False  # dry-run warnings only: a second refusal after `reason`

    @classmethod
    def from_json(cls, item: Json) -> ApiWarning:
        return cls(
            code=text(item, "code") or "",
            message=text(item, "message") or "",
            field=text(item, "field"),
            did_you_mean=text(item, "did_you_mean"),
            also_blocking=flag(item, "also_blocking"),
        )


def warnings_of(body: Json) -> tuple[ApiWarning, ...]:
    return tuple(ApiWarning.from_json(w) for w in objs(body.get("warnings")))


@dataclass(frozen=True, slots=True)
class Status200Ids:
    """Our ids for an answer that recorded a post or a scheduled post (any status, errors too)."""

    post_id: str | None
    scheduled_post_id: str | None
    status_url: str | None

    @classmethod
    def from_body(cls, body: Json) -> Status200Ids | None:
        ids = body.get("status200")
        if not isinstance(ids, Mapping):
            return None
        return cls(text(ids, "post_id"), text(ids, "scheduled_post_id"), text(ids, "status_url"))


def _our_id(value: str | None) -> str | None:
    """`data.post_id` counts as our History id only when it is a UUID (networks' ids are not)."""
    return value if value is not None and _UUID.match(value) else None


# --- POST /posts ---------------------------------------------------------------------------------


class AcceptedKind(enum.StrEnum):
    """Which 202: the `code` when there is one, PROCESSING when there is none."""

    SCHEDULED = "scheduled"
    QUEUED_FOR_NEXT_DAY = "queued_for_next_day"
    STILL_PUBLISHING = "still_publishing"
    SCHEDULE_UNCONFIRMED = "schedule_unconfirmed"
    PROCESSING = "processing"
    OTHER = "other"  # a code this client does not know yet: still accepted, never resent


_KIND_BY_CODE = {
    k.value: k for k in AcceptedKind if k not in (AcceptedKind.PROCESSING, AcceptedKind.OTHER)
}

#: Keys in a network's `data` that hold its own id, most specific first (OpenAPI PublishResult).
_NETWORK_ID_KEYS = ("tweet_id", "pin_id", "thread_id", "video_id", "publish_id", "container_id")


@dataclass(frozen=True, slots=True)
class PublishResult:
    """200: the network took the post (TikTok/Instagram finish later: `processing`)."""

    http_status: int
    post_id: str | None  # our History id
    platform_post_id: str | None  # the network's own id, when the answer names one
    url: str | None
    processing: bool
    ids: Status200Ids | None
    warnings: tuple[ApiWarning, ...]
    replayed: bool
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int, replayed: bool) -> PublishResult:
        ids = Status200Ids.from_body(body)
        data = obj(body.get("data"))
        post_id = (ids.post_id if ids else None) or _our_id(text(data, "post_id"))
        network_id = next((text(data, k) for k in _NETWORK_ID_KEYS if text(data, k)), None)
        if network_id is None:  # Facebook's Graph id, or LinkedIn's/Skool's post_id
            network_id = text(data, "id") or (
                text(data, "post_id") if text(data, "post_id") != post_id else None
            )
        return cls(
            http_status=status,
            post_id=post_id,
            platform_post_id=network_id,
            url=text(data, "url") or text(data, "permalink"),
            processing=text(data, "status") == "processing",
            ids=ids,
            warnings=warnings_of(body),
            replayed=replayed,
            raw=obj(body),
        )


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """200 with dry_run true: every check ran, nothing was sent. A refusal is still a 200."""

    http_status: int
    outcome: str  # publish | queue | refuse | schedule
    would_publish: bool
    reason_code: str | None
    reason_message: str | None
    reason_status: int | None  # the status a real send would have answered
    checks: tuple[Json, ...]
    warnings: tuple[ApiWarning, ...]
    replayed: bool
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int, replayed: bool) -> DryRunReport:
        reason = obj(body.get("reason"))
        return cls(
            http_status=status,
            outcome=text(body, "outcome") or "",
            would_publish=flag(body, "would_publish"),
            reason_code=text(reason, "code"),
            reason_message=text(reason, "message"),
            reason_status=integer(reason, "status"),
            checks=objs(body.get("checks")),
            warnings=warnings_of(body),
            replayed=replayed,
            raw=obj(body),
        )


@dataclass(frozen=True, slots=True)
class Accepted:
    """202: accepted, not published yet, and never a failure. Never sent again."""

    http_status: int
    kind: AcceptedKind
    code: str | None
    message: str | None
    post_id: str | None
    scheduled_post_id: str | None  # what DELETE /posts/{id} takes
    scheduled_at: datetime | None
    status_url: str | None
    platform: str | None
    profile_id: str | None
    ids: Status200Ids | None
    warnings: tuple[ApiWarning, ...]
    replayed: bool
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int, replayed: bool) -> Accepted:
        ids = Status200Ids.from_body(body)
        data = obj(body.get("data"))
        code = text(body, "code")
        if code is None:
            kind = AcceptedKind.PROCESSING
        else:
            kind = _KIND_BY_CODE.get(code, AcceptedKind.OTHER)
        return cls(
            http_status=status,
            kind=kind,
            code=code,
            message=text(body, "message") or text(data, "message"),
            post_id=(ids.post_id if ids else None)
            or text(body, "post_id")
            or _our_id(text(data, "post_id")),
            scheduled_post_id=(ids.scheduled_post_id if ids else None)
            or text(body, "scheduled_post_id")
            or text(data, "scheduled_post_id"),
            scheduled_at=when(body.get("scheduled_at") or data.get("scheduled_at")),
            status_url=ids.status_url if ids else None,
            platform=text(body, "platform"),
            profile_id=text(body, "profile_id"),
            ids=ids,
            warnings=warnings_of(body),
            replayed=replayed,
            raw=obj(body),
        )


CreateResult = PublishResult | DryRunReport | Accepted


def create_result(body: Json, *, status: int, replayed: bool) -> CreateResult:
    """Tell the 2xx answers of POST /posts apart (a dry run by its own `dry_run: true`)."""
    if status == 202:
        return Accepted.from_json(body, status=status, replayed=replayed)
    if body.get("dry_run") is True:
        return DryRunReport.from_json(body, status=status, replayed=replayed)
    return PublishResult.from_json(body, status=status, replayed=replayed)


@dataclass(frozen=True, slots=True)
class CancelResult:
    """200 of DELETE /posts/{id}: cancelled now, or `already_cancelled` before."""

    scheduled_post_id: str
    status: str
    platforms: tuple[str, ...]
    was_due_at: datetime | None
    message: str
    already_cancelled: bool
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> CancelResult:
        data = obj(body.get("data"))
        return cls(
            scheduled_post_id=required_str(data, "scheduled_post_id", "cancel answer", status),
            status=text(data, "status") or "",
            platforms=strs(data.get("platforms")),
            was_due_at=when(data.get("was_due_at")),
            message=text(data, "message") or "",
            already_cancelled=flag(data, "already_cancelled"),
            raw=obj(body),
        )


# --- /media --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaImport:
    """200 ready, or 202 processing (follow it with `wait_for_media`)."""

    http_status: int
    file_id: str
    status: str  # ready | processing
    size: int | None
    type: str | None
    message: str | None
    replayed: bool
    raw: Json = field(repr=False, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @classmethod
    def from_json(cls, body: Json, *, status: int, replayed: bool) -> MediaImport:
        return cls(
            http_status=status,
            file_id=required_str(body, "file_id", "media import answer", status),
            status=text(body, "status") or ("processing" if status == 202 else "ready"),
            size=integer(body, "size"),
            type=text(body, "type"),
            message=text(body, "message"),
            replayed=replayed,
            raw=obj(body),
        )


@dataclass(frozen=True, slots=True)
class MediaStatus:
    """GET /media?file_id=: its `error` is the import's failure reason, not this request's."""

    file_id: str
    status: str  # processing | ready | failed
    size: int | None
    type: str | None
    public_url: str | None
    error: str | None
    progress: int | None
    raw: Json = field(repr=False, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> MediaStatus:
        return cls(
            file_id=required_str(body, "file_id", "media status", status),
            status=text(body, "status") or "",
            size=integer(body, "size"),
            type=text(body, "type"),
            public_url=text(body, "public_url"),
            error=text(body, "error"),
            progress=integer(body, "progress"),
            raw=obj(body),
        )
