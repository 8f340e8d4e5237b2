"""The event schema: the envelope, versions, required fields and the constructors' checks."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pipeline.ledger import events as ev
from pipeline.ledger.schema import SCHEMA_VERSION, EventError, format_time, migrate, parse_time
from tests.ledger.builders import T0, intent, make, outcome


def test_every_event_carries_the_envelope_first() -> None:
    event = make(ev.WebhookApplied, event_id="e1", event_type="post.published")
    assert list(event)[:4] == ["v", "type", "at", "run"]
    assert event["v"] == SCHEMA_VERSION == 1
    assert event["type"] == "webhook.applied"
    assert event["at"].endswith("Z")


@pytest.mark.parametrize("cls", ev.EVENT_CLASSES, ids=lambda c: c.TYPE)
def test_each_type_declares_its_required_fields(cls: type[ev.LedgerEvent]) -> None:
    required = ev.REQUIRED[cls.TYPE]
    declared = {f.name for f in dataclasses.fields(cls)}
    assert set(required) <= declared
    assert "at" not in required  # the envelope has it, with a default
    with pytest.raises(TypeError):
        cls(run="r")  # every type has fields of its own, and they have no defaults


def test_the_type_names_are_the_documented_ones() -> None:
    assert set(ev.EVENT_TYPES) == {
        "run.started",
        "run.finished",
        "post.intent",
        "post.outcome",
        "post.unknown",
        "post.reconciled",
        "post.cancel_intent",
        "post.cancel_outcome",
        "post.deferred",
        "post.status",
        "media.intent",
        "media.outcome",
        "media.upload",
        "figures",
        "webhook.applied",
        "profile.disconnected",
        "profile.reconnected",
    }


def test_times_are_utc_with_z_and_read_back_exactly() -> None:
    local = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    text = format_time(local)
    assert text == "2026-03-01T09:00:00.123456Z"
    assert parse_time(text) == local


def test_naive_times_are_refused() -> None:
    with pytest.raises(EventError, match="naive"):
        intent(scheduled_for=datetime(2026, 3, 1, 9))


def test_intent_json_holds_what_reconciliation_needs() -> None:
    event = intent()
    for name in ("identity", "entry_id", "source", "platform", "account", "scheduled_for"):
        assert event[name] is not None
    assert event["fingerprint"] == "fp0"
    assert event["idempotency_key"] == "key-p1-0"
    assert (event["generation"], event["attempt"]) == (0, 1)
    assert event["scheduled_for"] == "2026-04-01T12:30:00.000000Z"
    assert json.loads(json.dumps(event)) == event


@pytest.mark.parametrize("name", ["api_key", "Authorization", "X-API-Key", "token"])
def test_a_request_summary_cannot_carry_credentials(name: str) -> None:
    with pytest.raises(EventError, match="must not carry"):
        intent(request={"headers": {name: "rl_live_123"}})


@pytest.mark.parametrize(
    ("cls", "fields", "message"),
    [
        (ev.PostOutcome, {"identity": "p", "attempt": 1, "result": "done"}, "result"),
        (
            ev.PostCancelIntent,
            {"identity": "p", "scheduled_post_id": "s", "reason": "because"},
            "reason",
        ),
        (
            ev.PostCancelOutcome,
            {"identity": "p", "scheduled_post_id": "s", "reason": "prune", "result": "maybe"},
            "result",
        ),
        (ev.PostStatusSeen, {"identity": "p", "status": "success", "origin": "poll"}, "status"),
        (ev.PostStatusSeen, {"identity": "p", "status": "failed", "origin": "email"}, "origin"),
        (ev.MediaOutcome, {"key": "k", "status": "done"}, "media status"),
        (ev.PostReconciled, {"identity": "p", "found": True}, "needs the status"),
        (
            ev.Figures,
            {"identity": "p", "post_id": "h", "polled_at": T0, "metrics": {"views": "12"}},
            "number or None",
        ),
        (
            ev.Figures,
            {"identity": "p", "post_id": "h", "polled_at": T0, "metrics": {"likes": True}},
            "number or None",
        ),
    ],
)
def test_constructors_refuse_values_outside_the_vocabulary(
    cls: type[ev.LedgerEvent], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(EventError, match=message):
        cls(run="r", **fields)


def test_outcome_carries_every_id_and_the_replay_flag() -> None:
    event = outcome(file_ids=("f1", "f2"), replayed=True, platform_post_id="tw", permalink="u")
    assert event["file_ids"] == ["f1", "f2"]
    assert event["replayed"] is True
    assert (event["platform_post_id"], event["permalink"]) == ("tw", "u")


def test_validate_names_what_is_missing() -> None:
    event = outcome()
    del event["result"]
    with pytest.raises(EventError, match=r"post\.outcome event without result"):
        ev.validate(event)
    with pytest.raises(EventError, match="unknown event type"):
        ev.validate({**outcome(), "type": "post.teleported"})
    with pytest.raises(EventError, match="without 'run'"):
        ev.validate({"v": 1, "type": "figures", "at": "x"})


def test_migrate_accepts_the_current_version_and_refuses_others() -> None:
    event = outcome()
    assert migrate(event) == event
    with pytest.raises(EventError, match="newer than this pipeline"):
        migrate({**event, "v": 2})
    for bad in (None, "1", 0, True):
        with pytest.raises(EventError, match="valid schema version"):
            migrate({**event, "v": bad})


def test_default_time_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    event = ev.WebhookApplied(run="r", event_id="e", event_type="t")
    assert before <= event.at <= datetime.now(UTC)
    assert event.at.tzinfo is not None
