"""Every line read from events.jsonl is checked against its event's schema, in one place.

A valid-JSON line with a wrong type used to crash whichever command folded it (a list as an
identity, "yesterday" as a time...). Now every such line is `LedgerCorrupt` naming the line, the
file is left byte for byte as it was, and an unknown event type is ignored and counted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.commands.status import status_data
from pipeline.ledger import events as ev
from pipeline.ledger.schema import LedgerError
from pipeline.ledger.store import Ledger, LedgerCorrupt
from pipeline.ledger.views import csv_bytes, engagement_table, results_table
from tests.ledger.builders import DUE, T0, deferred, intent, make, outcome

#: One valid stored event of every type, about post p1 where the type is about a post.
BASE: dict[str, dict[str, Any]] = {
    "run.started": make(ev.RunStarted, command="publish", args=("a",), pid=1, host="h"),
    "run.finished": make(ev.RunFinished, counts={"created": 1}, exit_code=0),
    "post.intent": intent(),
    "post.outcome": outcome(file_ids=("f1",)),
    "post.unknown": make(ev.PostUnknown, identity="p1", reason="no_answer", attempt=1),
    "post.reconciled": make(ev.PostReconciled, identity="p1", found=True, status="scheduled"),
    "post.cancel_intent": make(
        ev.PostCancelIntent, identity="p1", scheduled_post_id="sp", reason="replace"
    ),
    "post.cancel_outcome": make(
        ev.PostCancelOutcome,
        identity="p1",
        scheduled_post_id="sp",
        reason="replace",
        result="cancelled",
    ),
    "post.deferred": deferred(),
    "post.status": make(ev.PostStatusSeen, identity="p1", status="published", origin="poll"),
    "media.intent": make(ev.MediaIntent, key="k", url="u", idempotency_key="i", attempt=1),
    "media.outcome": make(ev.MediaOutcome, key="k", status="ready", file_id="f", expires_at=DUE),
    "media.upload": make(
        ev.MediaUpload, sha256="ab" * 32, bucket="acme", object_key="m/ab.jpg", size=10
    ),
    "figures": make(
        ev.Figures, identity="p1", post_id="h1", polled_at=T0, metrics={"views": 3, "likes": None}
    ),
    "webhook.applied": make(ev.WebhookApplied, event_id="e1", event_type="post.published"),
    "profile.disconnected": make(
        ev.ProfileDisconnected, account="@brand", platform="x", reason="expired"
    ),
    "profile.reconnected": make(ev.ProfileReconnected, account="@brand", platform="x"),
}


def _write(ledger: Ledger, *events: dict[str, Any] | bytes) -> bytes:
    lines = [e if isinstance(e, bytes) else json.dumps(e).encode() for e in events]
    data = b"".join(line + b"\n" for line in lines)
    ledger.events_path.write_bytes(data)
    return data


def _use(ledger: Ledger) -> None:
    """What commands do with a ledger: fold it, and write its views."""
    state = ledger.state()
    csv_bytes(results_table(state))
    csv_bytes(engagement_table(state))


def test_every_type_has_a_valid_base_event() -> None:
    assert set(BASE) == set(ev.EVENT_TYPES)
    for event in BASE.values():
        ev.check_stored(event)


DAMAGE = [
    pytest.param({**outcome(), "identity": ["p1"]}, "identity must be a string", id="list-id"),
    pytest.param({**intent(), "generation": "1"}, "generation must be a whole number", id="gen"),
    pytest.param({**outcome(), "at": 5}, "at must be a UTC time", id="number-time"),
    pytest.param({**outcome(), "at": "yesterday"}, "'yesterday'", id="word-time"),
    pytest.param({**outcome(), "at": "2026-03-01T09:00:00"}, "at must be", id="naive-time"),
    pytest.param(
        {**intent(), "scheduled_for": "9999-12-31T23:59:59Z"}, "years 1970-8999", id="year-9999"
    ),
    pytest.param({**outcome(), "file_ids": 5}, "file_ids must be a list", id="file-ids"),
    pytest.param({**BASE["figures"], "metrics": [1]}, "metrics must be an object", id="metrics"),
    pytest.param({**outcome(), "result": "great"}, "'great' is not one of", id="vocabulary"),
    pytest.param({**intent(), "request": 3}, "request must be an object", id="request"),
    pytest.param(b"[" * 5000, "nested more than", id="nested-5000"),
    pytest.param(b'{"v": 1, "x": ' + b"[" * 60 + b"]" * 60 + b"}", "without 'type'", id="nest-ok"),
    pytest.param(b'{"v": 1, "type": "figures", "at": NaN}', "NaN", id="nan"),
    pytest.param(
        json.dumps({**outcome(), "identity": "\ud800"}).encode(), "lone surrogate", id="surrogate"
    ),
]


@pytest.mark.parametrize(("damage", "what"), DAMAGE)
def test_a_wrongly_typed_line_is_damage_at_its_line_and_nothing_changes(
    tmp_path: Path, damage: dict[str, Any] | bytes, what: str
) -> None:
    ledger = Ledger(tmp_path)
    before = _write(ledger, intent(), damage, outcome(minute=3))
    with pytest.raises(LedgerCorrupt) as caught:
        _use(ledger)
    message = str(caught.value)
    assert message.startswith(f"ledger damaged at {ledger.events_path} line 2: ")
    assert what in message
    assert ledger.events_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]  # nothing set aside


def test_a_long_bad_value_is_echoed_short(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    _write(ledger, intent(), {**outcome(), "identity": ["x" * 100_000]})
    with pytest.raises(LedgerCorrupt) as caught:
        ledger.events()
    assert len(str(caught.value)) < 600
    assert "characters)" in str(caught.value)


def test_an_unknown_event_type_is_ignored_and_counted(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    future = {"v": 1, "type": "post.boosted", "at": "2026-03-01T09:05:00.000000Z", "run": "r9"}
    _write(ledger, intent(), {**future, "identity": ["anything", {"goes": 1}]}, outcome())
    state = ledger.state()
    assert (state.event_count, state.ignored) == (3, 1)
    assert state.posts["p1"].status == "scheduled"


def test_an_unknown_event_type_still_needs_a_sound_envelope(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    _write(ledger, intent(), {"v": 1, "type": "post.boosted", "at": "soon", "run": "r"})
    with pytest.raises(LedgerCorrupt, match=r"line 2: .*at must be a UTC time"):
        ledger.state()


def test_events_jsonl_that_is_a_folder_is_damage_not_a_crash(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.events_path.mkdir()
    (ledger.events_path / "keep").write_text("x")
    with pytest.raises(LedgerCorrupt, match="is a folder, not the event log"):
        ledger.state()
    assert (ledger.events_path / "keep").read_text() == "x"


@pytest.mark.parametrize("name", [".lock", ".lock.holder"])
def test_a_lock_file_that_is_a_folder_is_a_ledger_error(tmp_path: Path, name: str) -> None:
    ledger = Ledger(tmp_path)
    (tmp_path / name).mkdir()
    with pytest.raises(LedgerError, match="is a folder"), ledger.lock():
        pass  # pragma: no cover - the lock is refused
    assert (tmp_path / name).is_dir()


# --- fuzzing: any JSON value in any field of any event type --------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        ["2026-03-01T09:00:00.000000Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "x"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(BASE)))
    event = dict(BASE[kind])
    names = sorted(event)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from([*names, "extra"]))
        if draw(st.booleans()) and name in event and name != "type":
            del event[name]
        else:
            event[name] = draw(JSON)
    return event


#: Brief in the suite; `FUZZ_EXAMPLES=5000 pytest ...` (or `make fuzz`) runs it at length.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))


@settings(max_examples=FUZZ_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=mutated_events())
def test_any_json_in_any_field_is_read_or_refused_as_damage(
    tmp_path: Path, event: dict[str, Any]
) -> None:
    ledger = Ledger(tmp_path)
    before = _write(ledger, intent(), event, outcome(minute=3))
    try:
        _use(ledger)
        status_data(ledger.state())
    except LedgerCorrupt as exc:
        assert str(exc).startswith(f"ledger damaged at {ledger.events_path} line 2: ")
    assert ledger.events_path.read_bytes() == before
