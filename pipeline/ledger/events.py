"""The ledger's event types (schema version 1), one frozen dataclass each.

Callers build events through these classes and `Ledger.append` writes `to_json()`, so field names
live in one place and a typo is a TypeError, not a silent new field. The fold (`state.py`) reads
the JSON dicts back, so `REQUIRED` (derived from the classes) is what a stored event must carry.

    ledger.append(PostUnknown(run=run_id, identity="launch@x", reason="no_answer"))
    # {"v": 1, "type": "post.unknown", "at": "2026-01-01T09:00:00.000000Z", "run": ..., ...}
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from pipeline.ledger.schema import (
    CANCEL_REASONS,
    CANCEL_RESULTS,
    MEDIA_STATUSES,
    OUTCOME_RESULTS,
    SCHEMA_VERSION,
    STATUS_ORIGINS,
    Event,
    EventError,
    format_time,
    now,
    parse_time,
)
from pipeline.model import POST_STATUSES

#: Names that must never appear in a request summary: the ledger is no place for credentials.
_FORBIDDEN_KEYS: Final = frozenset({"api_key", "apikey", "authorization", "x-api-key", "token"})


def _one_of(value: str | None, allowed: Sequence[str], what: str) -> None:
    if value is not None and value not in allowed:
        raise EventError(f"{what} {value!r} is not one of {', '.join(allowed)}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class LedgerEvent:
    """The envelope: which run wrote it, and when (UTC; defaults to now)."""

    TYPE: ClassVar[str] = ""
    run: str
    at: datetime = field(default_factory=now)

    def to_json(self) -> Event:
        out: Event = {"v": SCHEMA_VERSION, "type": self.TYPE, "at": format_time(self.at)}
        out["run"] = self.run
        for f in dataclasses.fields(self):
            if f.name not in ("run", "at"):
                out[f.name] = _jsonable(getattr(self, f.name))
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class RunStarted(LedgerEvent):
    TYPE: ClassVar[str] = "run.started"
    command: str
    args: tuple[str, ...] = ()
    pid: int | None = None
    host: str | None = None
    version: str | None = None
    dry_run: bool = False
    plan: str | None = None  # the saved plan this run applies (`publish --plan`), if any


@dataclass(frozen=True, kw_only=True, slots=True)
class RunFinished(LedgerEvent):
    TYPE: ClassVar[str] = "run.finished"
    counts: Mapping[str, int]
    exit_code: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostIntent(LedgerEvent):
    """About to send one create request. `request` is a short summary, never the API key."""

    TYPE: ClassVar[str] = "post.intent"
    identity: str
    entry_id: str | None
    source: str  # "file:line"
    platform: str
    account: str
    scheduled_for: datetime | None
    fingerprint: str
    idempotency_key: str
    generation: int
    attempt: int
    request: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_summary(self.request)


@dataclass(frozen=True, kw_only=True, slots=True)
class PostOutcome(LedgerEvent):
    """The answer to attempt `attempt`; `api_code` is the answer's code (e.g. scheduled)."""

    TYPE: ClassVar[str] = "post.outcome"
    identity: str
    attempt: int
    result: str  # OUTCOME_RESULTS
    http_status: int | None = None
    api_code: str | None = None
    post_id: str | None = None
    scheduled_post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None
    file_ids: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    replayed: bool = False  # the API answered with Idempotent-Replayed: true

    def __post_init__(self) -> None:
        _one_of(self.result, OUTCOME_RESULTS, "post.outcome result")


@dataclass(frozen=True, kw_only=True, slots=True)
class PostUnknown(LedgerEvent):
    """A request went out and its outcome is not known: reconcile before sending again.
    `reason`: no_answer, idempotency_outcome_unknown, key_expired, crashed..."""

    TYPE: ClassVar[str] = "post.unknown"
    identity: str
    reason: str
    attempt: int | None = None
    message: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostReconciled(LedgerEvent):
    """What GET /posts showed for an unknown post; `status` (a PostStatus) when found.

    Not found with `keep_key`: the post is sent again under the SAME Idempotency-Key (still inside
    the API's 24 h window), so a first request that did arrive after all is replayed, never
    doubled. Without it the post starts a new generation (a fresh key).
    """

    TYPE: ClassVar[str] = "post.reconciled"
    identity: str
    found: bool
    keep_key: bool = False
    status: str | None = None
    post_id: str | None = None
    scheduled_post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None

    def __post_init__(self) -> None:
        if self.found and self.status is None:
            raise EventError("post.reconciled with found=true needs the status found")
        _one_of(self.status, POST_STATUSES, "post status")


@dataclass(frozen=True, kw_only=True, slots=True)
class PostCancelIntent(LedgerEvent):
    TYPE: ClassVar[str] = "post.cancel_intent"
    identity: str
    scheduled_post_id: str
    reason: str  # replace | prune

    def __post_init__(self) -> None:
        _one_of(self.reason, CANCEL_REASONS, "cancel reason")


@dataclass(frozen=True, kw_only=True, slots=True)
class PostCancelOutcome(LedgerEvent):
    TYPE: ClassVar[str] = "post.cancel_outcome"
    identity: str
    scheduled_post_id: str
    reason: str  # replace | prune
    result: str  # CANCEL_RESULTS
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None

    def __post_init__(self) -> None:
        _one_of(self.reason, CANCEL_REASONS, "cancel reason")
        _one_of(self.result, CANCEL_RESULTS, "cancel result")


@dataclass(frozen=True, kw_only=True, slots=True)
class PostDeferred(LedgerEvent):
    """Planned but left for a later run (`reason` e.g. waiting_cap, account_allowance)."""

    TYPE: ClassVar[str] = "post.deferred"
    identity: str
    entry_id: str | None
    source: str
    platform: str
    account: str
    scheduled_for: datetime | None
    fingerprint: str
    reason: str
    message: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostStatusSeen(LedgerEvent):
    """What tracking learned. `post_id` is the History id of the network's post (its figures
    are read with it)."""

    TYPE: ClassVar[str] = "post.status"
    identity: str
    status: str  # a PostStatus
    origin: str  # poll | webhook
    post_id: str | None = None
    platform_post_id: str | None = None
    permalink: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def __post_init__(self) -> None:
        _one_of(self.status, POST_STATUSES, "post status")
        _one_of(self.origin, STATUS_ORIGINS, "status origin")


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaIntent(LedgerEvent):
    """About to import one media item; `key` is the file's sha256 or the normalised URL."""

    TYPE: ClassVar[str] = "media.intent"
    key: str
    url: str
    idempotency_key: str
    attempt: int
    account: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaOutcome(LedgerEvent):
    """An import's answer or a later status check (`media_type` is the MIME type)."""

    TYPE: ClassVar[str] = "media.outcome"
    key: str
    status: str  # MEDIA_STATUSES
    url: str | None = None
    file_id: str | None = None
    size: int | None = None
    media_type: str | None = None
    expires_at: datetime | None = None
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    replayed: bool = False

    def __post_init__(self) -> None:
        _one_of(self.status, MEDIA_STATUSES, "media status")


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaUpload(LedgerEvent):
    """A local file uploaded to the media store, written only once the bucket holds all of it
    (a cut upload writes nothing). The object is named by bucket and key, never by a presigned
    URL, whose query string is a credential."""

    TYPE: ClassVar[str] = "media.upload"
    sha256: str
    bucket: str
    object_key: str
    size: int
    parts: int = 1  # more than one: a multipart upload
    seconds: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Figures(LedgerEvent):
    """One reading of a published post's figures; a metric not reported is None, never 0."""

    TYPE: ClassVar[str] = "figures"
    identity: str
    post_id: str
    polled_at: datetime
    metrics: Mapping[str, float | int | None]

    def __post_init__(self) -> None:
        for name, value in self.metrics.items():
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise EventError(f"figure {name!r} must be a number or None, not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class WebhookApplied(LedgerEvent):
    """A delivery was applied; the same event id is ignored when the service retries it."""

    TYPE: ClassVar[str] = "webhook.applied"
    event_id: str
    event_type: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ProfileDisconnected(LedgerEvent):
    TYPE: ClassVar[str] = "profile.disconnected"
    account: str
    platform: str
    reason: str
    message: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ProfileReconnected(LedgerEvent):
    """The network is healthy again (e.g. GET /accounts says so): clears profile.disconnected."""

    TYPE: ClassVar[str] = "profile.reconnected"
    account: str
    platform: str


EVENT_CLASSES: Final[tuple[type[LedgerEvent], ...]] = (
    RunStarted,
    RunFinished,
    PostIntent,
    PostOutcome,
    PostUnknown,
    PostReconciled,
    PostCancelIntent,
    PostCancelOutcome,
    PostDeferred,
    PostStatusSeen,
    MediaIntent,
    MediaOutcome,
    MediaUpload,
    Figures,
    WebhookApplied,
    ProfileDisconnected,
    ProfileReconnected,
)


def _required(cls: type[LedgerEvent]) -> tuple[str, ...]:
    missing = dataclasses.MISSING
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.name != "run" and f.default is missing and f.default_factory is missing
    )


#: Every type and the fields a stored event must carry besides v, type, at and run.
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {c.TYPE: _required(c) for c in EVENT_CLASSES}
EVENT_TYPES: Final[tuple[str, ...]] = tuple(REQUIRED)
_ENVELOPE: Final = frozenset({"v", "type", "at", "run"})
_REQUIRED_SETS: Final = {kind: _ENVELOPE | set(names) for kind, names in REQUIRED.items()}


def validate(event: Mapping[str, Any]) -> None:
    """Raise EventError unless `event` has the envelope and the fields its type requires."""
    kind = event.get("type")
    expected = _REQUIRED_SETS.get(kind) if isinstance(kind, str) else None
    if expected is not None and expected <= event.keys():
        return  # the common case, checked in one set operation (every line of the log)
    for name in ("v", "type", "at", "run"):
        if name not in event:
            raise EventError(f"event without {name!r}")
    if expected is None:
        raise EventError(f"unknown event type {kind!r}")
    missing = [name for name in REQUIRED[str(kind)] if name not in event]
    raise EventError(f"{kind} event without {', '.join(missing)}")


def _check_summary(summary: Any) -> None:
    """Refuse credential-looking keys anywhere in a request summary."""
    if isinstance(summary, Mapping):
        for key, value in summary.items():
            if str(key).lower() in _FORBIDDEN_KEYS:
                raise EventError(f"a request summary must not carry {key!r}")
            _check_summary(value)
    elif isinstance(summary, list | tuple):
        for value in summary:
            _check_summary(value)


# --- reading: every stored event checked against its class, in one place -------------------

Check = Callable[[Any], bool]


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_number(value: Any) -> bool:
    return (type(value) is int) or (type(value) is float and math.isfinite(value))


#: Years a stored time may have: a run's clock or a post's date, never near datetime's limits
#: (year 9999 plus a month, in a report's calendar, is an OverflowError).
_YEARS: Final = range(1970, 9000)


def _is_time(value: Any) -> bool:
    """A UTC time as format_time writes it (an offset other than zero, or none, is damage)."""
    if type(value) is not str:
        return False
    try:
        moment = parse_time(value)
    except ValueError:
        return False
    return moment.utcoffset() == timedelta(0) and moment.year in _YEARS


def _anything(value: Any) -> bool:
    return True


_SIMPLE: Final[Mapping[Any, tuple[Check, str]]] = {
    str: (_is_str, "a string"),
    int: (_is_int, "a whole number"),
    bool: (_is_bool, "true or false"),
    float: (_is_number, "a number"),
    datetime: (_is_time, "a UTC time like 2026-03-01T09:00:00.000000Z (years 1970-8999)"),
    Any: (_anything, "anything"),
}


def _checker(hint: Any) -> tuple[Check, str]:
    """A predicate for one annotated field type, and what it expects in words."""
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner: Check
        if members == [int, float] or members == [float, int]:
            inner, what = _is_number, "a number"
        else:
            ((inner, what),) = (_checker(a) for a in members)
        if type(None) in args:
            return (lambda v: v is None or inner(v)), f"{what} or null"
        return inner, what
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item, what = _checker(args[0])
        return (lambda v: type(v) is list and all(item(i) for i in v)), f"a list of ({what})"
    if origin is Mapping:
        value_check, what = _checker(args[1])
        return (
            lambda v: type(v) is dict and all(value_check(i) for i in v.values()),
            "an object" if value_check is _anything else f"an object of ({what})",
        )
    raise TypeError(f"no stored-event check for {hint!r}")  # a new field type: add it above


class _Absent:
    """The value of a field an event leaves out (defaults apply; required ones are checked)."""


_ABSENT: Final = _Absent()
#: Predicates that are one type test, and the types they accept.
_TYPE_TESTS: Final[Mapping[Check, frozenset[type]]] = {
    _is_str: frozenset({str}),
    _is_int: frozenset({int}),
    _is_bool: frozenset({bool}),
}


@dataclass(frozen=True, slots=True)
class _TypeChecks:
    """How one event type's fields are checked. Reading 100,000 events must stay cheap, so the
    fields that are one type test are checked together: the tuple of their values' types is
    looked up in `seen`, the type tuples already accepted (a handful per event type)."""

    names: tuple[str, ...]
    simple: tuple[tuple[int, frozenset[type], str], ...]  # index, types that pass, words
    other: tuple[tuple[int, Check, str], ...]  # index, check, words (times, lists, objects)
    seen: set[tuple[type, ...]] = field(default_factory=set)
    absent: tuple[_Absent, ...] = ()  # one _ABSENT per name: the default of event.get

    def __post_init__(self) -> None:
        object.__setattr__(self, "absent", (_ABSENT,) * len(self.names))

    def check(self, kind: str, event: Mapping[str, Any]) -> None:
        values = list(map(event.get, self.names, self.absent))
        signature = tuple(map(type, values))
        if signature not in self.seen:
            for i, passing, what in self.simple:
                if signature[i] not in passing:
                    raise EventError(
                        f"{kind} {self.names[i]} must be {what}, not {_short(values[i])}"
                    )
            self.seen.add(signature)  # pure type facts about the simple fields: safe to keep
        for i, check, what in self.other:
            value = values[i]
            if value is not _ABSENT and not check(value):
                raise EventError(f"{kind} {self.names[i]} must be {what}, not {_short(value)}")


def _field_checks(cls: type[LedgerEvent]) -> _TypeChecks:
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in dataclasses.fields(cls) if f.name != "at")
    simple, other = [], []
    for i, name in enumerate(names):
        hint = hints[name]
        check, what = _checker(hint)
        args = typing.get_args(hint)
        optional = type(None) in args
        inner = next((a for a in args if a is not type(None)), hint) if optional else hint
        passing = _TYPE_TESTS.get(_checker(inner)[0])
        if passing is None:
            other.append((i, check, what))
        else:
            simple.append((i, passing | {_Absent} | ({type(None)} if optional else set()), what))
    return _TypeChecks(names, tuple(simple), tuple(other))


#: Fields whose value is one of a fixed vocabulary, per event type.
_VOCABULARY: Final[Mapping[str, Mapping[str, Sequence[str]]]] = {
    "post.outcome": {"result": OUTCOME_RESULTS},
    "post.reconciled": {"status": POST_STATUSES},
    "post.cancel_intent": {"reason": CANCEL_REASONS},
    "post.cancel_outcome": {"reason": CANCEL_REASONS, "result": CANCEL_RESULTS},
    "post.status": {"status": POST_STATUSES, "origin": STATUS_ORIGINS},
    "media.outcome": {"status": MEDIA_STATUSES},
}
_FIELD_CHECKS: Final = {c.TYPE: _field_checks(c) for c in EVENT_CLASSES}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}... ({len(text):,} characters)"


def check_stored(event: Mapping[str, Any]) -> None:
    """Raise EventError unless an event read from the log has the envelope and, for a known
    type, every field of the type its class declares (and vocabulary fields a known word).

    This is the one gate between `events.jsonl` and the fold, for every command: past it, the
    fold and the views can trust each value's type. An unknown type only needs a sound
    envelope; the fold ignores and counts it (docs/ledger.md).
    """
    kind: Any = event.get("type")
    checks = _FIELD_CHECKS.get(kind) if type(kind) is str else None
    if checks is None or not _REQUIRED_SETS[kind] <= event.keys():
        for name in ("v", "type", "at", "run"):
            if name not in event:
                raise EventError(f"event without {name!r}")
        if not isinstance(kind, str):
            raise EventError(f"the event type must be a string, not {_short(kind)}")
        if checks is not None:
            missing = [name for name in REQUIRED[kind] if name not in event]
            raise EventError(f"{kind} event without {', '.join(missing)}")
    if not _is_time(event["at"]):
        raise EventError(f"at must be {_SIMPLE[datetime][1]}, not {_short(event['at'])}")
    if checks is None:
        if type(event["run"]) is not str:
            raise EventError(f"run must be a string, not {_short(event['run'])}")
        return
    checks.check(kind, event)
    for name, words in _VOCABULARY.get(kind, {}).items():
        value = event.get(name)
        if value is not None and value not in words:
            raise EventError(f"{kind} {name} {_short(value)} is not one of {', '.join(words)}")
    if kind == "post.reconciled" and event["found"] and event.get("status") is None:
        raise EventError("post.reconciled with found=true needs the status found")
