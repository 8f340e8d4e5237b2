"""The envelope every ledger event shares, its version, and the vocabularies of its fields.

Every event is one JSON object per line of `events.jsonl` carrying `v` (schema version), `type`,
`at` (UTC ISO-8601 with `Z`) and `run` (the run id). The version travels in every event from day
one, as dlt's load-package state does, so a later schema can be read through `migrate()` without
rewriting old logs. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

Event = dict[str, Any]

SCHEMA_VERSION: Final = 1

#: `post.outcome.result`: what one create request achieved.
OUTCOME_RESULTS: Final = ("scheduled", "queued", "published", "processing", "failed", "unknown")
#: `post.cancel_outcome.result`; already_cancelled is the API's answer to a repeated DELETE.
CANCEL_RESULTS: Final = ("cancelled", "already_cancelled", "not_cancellable", "failed", "unknown")
CANCEL_REASONS: Final = ("replace", "prune")
MEDIA_STATUSES: Final = ("ready", "processing", "failed", "unknown")
STATUS_ORIGINS: Final = ("poll", "webhook", "publisher")
#: The figures the API reports (`Figures.metrics`); null means "not reported", never 0.
METRICS: Final = (
    "views",
    "likes",
    "comments",
    "shares",
    "impressions",
    "reach",
    "saves",
    "clicks",
    "watch_time_seconds",
)


class LedgerError(Exception):
    """The ledger cannot be used as asked (locked, damaged...)."""


class EventError(ValueError):
    """An event that does not follow the schema (a caller's bug, or a damaged log line)."""


def format_time(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds and `Z`: sorts as text, and fromisoformat reads it."""
    if moment.tzinfo is None:
        raise EventError(f"naive datetime {moment.isoformat()} (the ledger stores UTC only)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def now() -> datetime:
    return datetime.now(UTC)


def migrate(event: Mapping[str, Any]) -> Event:
    """Bring an event read from disk to the current schema version.

    Version 1 is the only one so far, so this only checks. A later version adds one step per
    older version here (v1 -> v2 -> ...), so old logs stay readable as they are.
    """
    version = event.get("v")
    if version == SCHEMA_VERSION and not isinstance(version, bool):
        # Nothing to change; a freshly parsed dict is returned as it is (no copy: 100,000 of them).
        return event if isinstance(event, dict) else dict(event)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise EventError(
            f"event schema version {version} is newer than this pipeline understands "
            f"({SCHEMA_VERSION}); upgrade the pipeline"
        )
    raise EventError(f"event without a valid schema version (v={version!r})")
