"""Short builders for ledger events in tests: the real event classes with test defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.ledger import events as ev
from pipeline.ledger.schema import Event

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 4, 1, 12, 30, tzinfo=UTC)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def intent(identity: str = "p1", *, minute: float = 0, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "run": "r1",
        "identity": identity,
        "entry_id": identity,
        "source": "schedules/march.yaml:12",
        "platform": "x",
        "account": "@brand",
        "scheduled_for": DUE,
        "fingerprint": "fp0",
        "idempotency_key": f"key-{identity}-0",
        "generation": 0,
        "attempt": 1,
        "request": {"caption_chars": 42, "media": 1},
        "at": at(minute),
    }
    values.update(fields)
    return ev.PostIntent(**values).to_json()


def outcome(identity: str = "p1", *, minute: float = 1, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "run": "r1",
        "identity": identity,
        "attempt": 1,
        "result": "scheduled",
        "http_status": 202,
        "api_code": "scheduled",
        "scheduled_post_id": f"sp-{identity}",
        "at": at(minute),
    }
    values.update(fields)
    return ev.PostOutcome(**values).to_json()


def deferred(identity: str = "p1", *, minute: float = 0, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "run": "r1",
        "identity": identity,
        "entry_id": identity,
        "source": "schedules/march.yaml:12",
        "platform": "x",
        "account": "@brand",
        "scheduled_for": DUE,
        "fingerprint": "fp0",
        "reason": "waiting_cap",
        "at": at(minute),
    }
    values.update(fields)
    return ev.PostDeferred(**values).to_json()


def make(cls: type[ev.LedgerEvent], *, minute: float = 2, **fields: Any) -> Event:
    """Any other event type, with run and time filled in."""
    fields.setdefault("run", "r1")
    return cls(at=at(minute), **fields).to_json()
