"""Lenient accessors for the API's JSON: a field of the wrong type reads as absent.

The API's answers may gain fields and new string values at any time (its house rules), so the
parsers keep what they understand and never fail on what they do not, except where a missing id
would mislead a caller (`required_str`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pipeline.api.errors import UnexpectedAnswer

Json = Mapping[str, Any]
EMPTY: Json = MappingProxyType({})


def obj(value: Any) -> Json:
    """A read-only copy of a JSON object (empty for anything else)."""
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else EMPTY


def text(body: Json, key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


def integer(body: Json, key: str) -> int | None:
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def flag(body: Json, key: str) -> bool:
    return body.get(key) is True


def strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def objs(value: Any) -> tuple[Json, ...]:
    return tuple(obj(v) for v in value if isinstance(v, Mapping)) if isinstance(value, list) else ()


def when(value: Any) -> datetime | None:
    """An ISO 8601 time from the API as an aware datetime (UTC when it names no zone)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def required_str(body: Json, key: str, what: str, status: int) -> str:
    value = text(body, key)
    if not value:
        raise UnexpectedAnswer(f"{what} without {key!r}", status=status)
    return value
