"""The answers of the reads (GET /accounts, /accounts/{id}/options, /posts, /posts/{id}).

Kept apart from `types.py` (the answers of the writes) only for size; the same rules apply: frozen
values, raw JSON kept, unknown statuses kept as strings, an item without an id or of an unknown
kind is an `UnexpectedAnswer` rather than something a reconciler could silently skip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.api._json import Json, flag, obj, objs, required_str, strs, text, when
from pipeline.api.errors import UnexpectedAnswer
from pipeline.api.types import ApiWarning, warnings_of


def _data_list(body: Json, what: str, status: int) -> list[Any]:
    data = body.get("data")
    if not isinstance(data, list):
        raise UnexpectedAnswer(f"{what} without a 'data' list", status=status)
    return data


def _data_obj(body: Json, what: str, status: int) -> Json:
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise UnexpectedAnswer(f"{what} without a 'data' object", status=status)
    return obj(data)


# --- GET /accounts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountNetwork:
    platform: str
    username: str | None
    status: str  # connected | expired
    health: str  # ready | reconnect_required | unknown
    access_expires_at: datetime | None

    @property
    def ready(self) -> bool:
        """It can post now (a sign-in the network renews on the next post included)."""
        return self.health == "ready"

    @classmethod
    def from_json(cls, item: Json) -> AccountNetwork:
        return cls(
            platform=text(item, "platform") or "",
            username=text(item, "username"),
            status=text(item, "status") or "",
            health=text(item, "health") or "unknown",
            access_expires_at=when(item.get("access_expires_at")),
        )


@dataclass(frozen=True, slots=True)
class Account:
    """A profile. `handle` ("@name") and `profile_id` are both usable as post.accountId."""

    profile_id: str
    profile_name: str
    handle: str
    networks: tuple[AccountNetwork, ...]
    raw: Json = field(repr=False, compare=False)

    def network(self, platform: str) -> AccountNetwork | None:
        return next((n for n in self.networks if n.platform == platform), None)


@dataclass(frozen=True, slots=True)
class AccountList:
    accounts: tuple[Account, ...]
    warnings: tuple[ApiWarning, ...]
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> AccountList:
        accounts = []
        for item in _data_list(body, "account list", status):
            entry = obj(item)
            accounts.append(
                Account(
                    profile_id=required_str(entry, "profile_id", "account", status),
                    profile_name=text(entry, "profile_name") or "",
                    handle=text(entry, "handle") or "",
                    networks=tuple(AccountNetwork.from_json(n) for n in objs(entry["networks"]))
                    if "networks" in entry
                    else (),
                    raw=entry,
                )
            )
        return cls(tuple(accounts), warnings_of(body), obj(body))


# --- GET /accounts/{profile_id}/options ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkOptions:
    """One network's row. Only status `ok` carries `options` (shaped per network)."""

    platform: str
    status: str  # ok | not_connected | reconnect_required | unavailable | no_options
    options: Json | None
    note: str | None
    cached: bool
    error_code: str | None

    @classmethod
    def from_json(cls, item: Json) -> NetworkOptions:
        options = item.get("options")
        return cls(
            platform=text(item, "platform") or "",
            status=text(item, "status") or "",
            options=obj(options) if isinstance(options, Mapping) else None,
            note=text(item, "note"),
            cached=flag(item, "cached"),
            error_code=text(item, "error_code"),
        )


@dataclass(frozen=True, slots=True)
class PostingOptions:
    profile_id: str
    profile_name: str
    networks: tuple[NetworkOptions, ...]
    note: str | None
    asked_at: datetime | None
    warnings: tuple[ApiWarning, ...]
    raw: Json = field(repr=False, compare=False)

    def network(self, platform: str) -> NetworkOptions | None:
        return next((n for n in self.networks if n.platform == platform), None)

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> PostingOptions:
        data = _data_obj(body, "posting options", status)
        return cls(
            profile_id=required_str(data, "profile_id", "posting options", status),
            profile_name=text(data, "profile_name") or "",
            networks=tuple(NetworkOptions.from_json(n) for n in objs(data.get("networks"))),
            note=text(data, "note"),
            asked_at=when(data.get("asked_at")),
            warnings=warnings_of(body),
            raw=obj(body),
        )


# --- GET /posts, GET /posts/{id} -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostItem:
    """A post in History (kind "post"). `timeout` = sent, never confirmed: do not resend."""

    id: str
    profile_id: str | None
    platform: str
    status: str  # success | failed | processing | timeout
    done: bool
    publish_id: str | None  # the network's own id
    permalink: str | None
    error_message: str | None
    at: datetime | None  # when it was sent
    scheduled_post_id: str | None  # set when it came from a scheduled post
    figures: Json | None  # GET /posts/{id} only; null unless it succeeded (null never means 0)
    raw: Json = field(repr=False, compare=False)

    kind = "post"


@dataclass(frozen=True, slots=True)
class ScheduledResult:
    platform: str
    post_id: str | None
    status: str  # success | failed | processing | timeout | pending | not_sent
    done: bool
    publish_id: str | None
    permalink: str | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class ScheduledPostItem:
    """A scheduled post (kind "scheduled_post"), listed until it has produced posts."""

    id: str
    profile_id: str | None
    platforms: tuple[str, ...]
    status: str  # scheduled | processing | published | failed | cancelled
    outcome: str  # waiting | cancelled | sending | success | failed | partly_failed | unconfirmed
    done: bool
    at: datetime | None  # when it is due
    scheduled_for: datetime | None
    note: str | None
    error_message: str | None
    results: tuple[ScheduledResult, ...]  # GET /posts/{id} only
    raw: Json = field(repr=False, compare=False)

    kind = "scheduled_post"


ListedItem = PostItem | ScheduledPostItem


def listed_item(item: Json, *, status: int) -> ListedItem:
    """One item of GET /posts (or the `data` of GET /posts/{id}), by its `kind`."""
    kind = text(item, "kind")
    item_id = required_str(item, "id", f"{kind or 'untyped'} item", status)
    if kind == "post":
        figures = item.get("figures")
        return PostItem(
            id=item_id,
            profile_id=text(item, "profile_id"),
            platform=text(item, "platform") or "",
            status=text(item, "status") or "",
            done=flag(item, "done"),
            publish_id=text(item, "publish_id"),
            permalink=text(item, "permalink"),
            error_message=text(item, "error_message"),
            at=when(item.get("at")),
            scheduled_post_id=text(item, "scheduled_post_id"),
            figures=obj(figures) if isinstance(figures, Mapping) else None,
            raw=obj(item),
        )
    if kind == "scheduled_post":
        results = tuple(
            ScheduledResult(
                platform=text(r, "platform") or "",
                post_id=text(r, "post_id"),
                status=text(r, "status") or "",
                done=flag(r, "done"),
                publish_id=text(r, "publish_id"),
                permalink=text(r, "permalink"),
                error_message=text(r, "error_message"),
            )
            for r in objs(item.get("results"))
        )
        return ScheduledPostItem(
            id=item_id,
            profile_id=text(item, "profile_id"),
            platforms=strs(item.get("platforms")),
            status=text(item, "status") or "",
            outcome=text(item, "outcome") or "",
            done=flag(item, "done"),
            at=when(item.get("at")),
            scheduled_for=when(item.get("scheduled_for")),
            note=text(item, "note"),
            error_message=text(item, "error_message"),
            results=results,
            raw=obj(item),
        )
    raise UnexpectedAnswer(f"a listed item of unknown kind {kind!r}", status=status)


@dataclass(frozen=True, slots=True)
class PostPage:
    """One page of GET /posts, newest first. `next_cursor` is None on the last page."""

    items: tuple[ListedItem, ...]
    next_cursor: str | None
    next_url: str | None
    warnings: tuple[ApiWarning, ...]
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> PostPage:
        items = tuple(listed_item(obj(i), status=status) for i in _data_list(body, "page", status))
        return cls(
            items, text(body, "next_cursor"), text(body, "next_url"), warnings_of(body), obj(body)
        )


@dataclass(frozen=True, slots=True)
class PostRead:
    """GET /posts/{id}: a post with `figures`, or a scheduled post with `results`."""

    item: ListedItem
    warnings: tuple[ApiWarning, ...]
    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Json, *, status: int) -> PostRead:
        data = _data_obj(body, "post", status)
        return cls(listed_item(data, status=status), warnings_of(body), obj(body))
