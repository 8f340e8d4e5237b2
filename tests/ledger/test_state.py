"""The fold's rules, one event type and one status transition at a time."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ledger import events as ev
from pipeline.ledger.schema import OUTCOME_RESULTS
from pipeline.ledger.state import fold
from pipeline.model import POST_STATUSES
from tests.ledger.builders import DUE, at, deferred, intent, make, outcome


def test_an_intent_without_an_outcome_is_unknown() -> None:
    post = fold([intent(minute=0)]).posts["p1"]
    assert post.status == "unknown"
    assert post.attempts == 1
    assert post.idempotency_key == "key-p1-0"
    assert post.first_sent_at == at(0)
    assert post.updated_at == at(0)
    assert (post.entry_id, post.source, post.platform, post.account) == (
        "p1",
        "schedules/march.yaml:12",
        "x",
        "@brand",
    )
    assert post.scheduled_for == DUE
    assert post.fingerprint == "fp0"


def test_a_scheduled_outcome_gives_the_scheduled_post_id_as_post_id() -> None:
    post = fold([intent(), outcome(minute=1, file_ids=("f1", "f2"))]).posts["p1"]
    assert post.status == "scheduled"
    assert post.post_id == post.scheduled_post_id == "sp-p1"
    assert post.file_ids == ("f1", "f2")
    assert post.updated_at == at(1)
    assert post.last_error is None


def test_a_post_published_at_once_shows_its_post_id() -> None:
    state = fold(
        [
            intent(),
            outcome(
                result="published",
                http_status=200,
                api_code=None,
                scheduled_post_id=None,
                post_id="hist-1",
                platform_post_id="tw-9",
                permalink="https://x.com/brand/status/9",
            ),
        ]
    )
    post = state.posts["p1"]
    assert (post.status, post.post_id, post.scheduled_post_id) == ("published", "hist-1", None)
    assert post.platform_post_id == "tw-9"
    assert post.permalink == "https://x.com/brand/status/9"
    assert state.details["p1"].history_post_id == "hist-1"


@pytest.mark.parametrize("result", OUTCOME_RESULTS)
def test_every_outcome_result_is_a_status(result: str) -> None:
    post = fold([intent(), outcome(result=result)]).posts["p1"]
    assert post.status == result
    assert post.status in POST_STATUSES


def test_a_failed_outcome_records_the_error() -> None:
    failed = outcome(
        result="failed",
        http_status=422,
        api_code="x_rejected",
        scheduled_post_id=None,
        error_code="x_rejected",
        error_message="duplicate content",
    )
    state = fold([intent(), failed])
    assert state.posts["p1"].last_error == "x_rejected: duplicate content"
    assert state.details["p1"].error_code == "x_rejected"


def test_a_failure_without_a_code_names_the_http_status() -> None:
    failed = outcome(result="unknown", http_status=502, api_code=None, scheduled_post_id=None)
    post = fold([intent(), failed]).posts["p1"]
    assert (post.status, post.last_error) == ("unknown", "HTTP 502")


def test_resending_with_the_same_key_counts_attempts_and_keeps_the_first_send_time() -> None:
    events = [
        intent(minute=0),
        outcome(minute=1, result="unknown", http_status=500, error_code="server_error"),
        intent(minute=2, attempt=2),
        outcome(minute=3, attempt=2, replayed=True),
    ]
    state = fold(events)
    post = state.posts["p1"]
    assert post.attempts == 2
    assert post.first_sent_at == at(0)
    assert post.status == "scheduled"
    assert post.last_error == "server_error"  # the latest error stays visible
    assert state.details["p1"].total_attempts == 2


def test_post_unknown_marks_the_post_for_reconciliation() -> None:
    unknown = make(
        ev.PostUnknown, identity="p1", attempt=1, reason="idempotency_outcome_unknown", minute=1
    )
    state = fold([intent(), unknown])
    assert state.posts["p1"].status == "unknown"
    assert state.details["p1"].reason == "idempotency_outcome_unknown"
    assert state.posts["p1"].last_error == "idempotency_outcome_unknown"
    assert [p.identity for p in state.unknown()] == ["p1"]


def test_reconciled_found_takes_the_status_and_ids_found() -> None:
    found = make(
        ev.PostReconciled, identity="p1", found=True, status="scheduled", scheduled_post_id="sp-9"
    )
    post = fold([intent(), found]).posts["p1"]
    assert (post.status, post.post_id, post.attempts, post.generation) == (
        "scheduled",
        "sp-9",
        1,
        0,
    )


def test_reconciled_absent_clears_unknown_with_a_fresh_generation() -> None:
    absent = make(ev.PostReconciled, identity="p1", found=False, minute=5)
    state = fold([intent(), absent])
    post = state.posts["p1"]
    assert post.status == "deferred"
    assert state.details["p1"].reason == "absent"
    assert (post.generation, post.attempts) == (1, 0)
    assert post.updated_at == at(5)
    # The publisher sends again with generation 1 and its new key.
    resent = fold(
        [intent(), absent, intent(minute=6, generation=1, idempotency_key="k1", attempt=1)]
    )
    post = resent.posts["p1"]
    assert (post.status, post.attempts, post.idempotency_key) == ("unknown", 1, "k1")
    assert post.first_sent_at == at(6)


def test_a_cancel_intent_leaves_the_status_and_remembers_the_cancel() -> None:
    cancel = make(ev.PostCancelIntent, identity="p1", scheduled_post_id="sp-p1", reason="replace")
    state = fold([intent(), outcome(), cancel])
    assert state.posts["p1"].status == "scheduled"
    assert state.details["p1"].pending_cancel == "sp-p1"


def _cancel_outcome(result: str, minute: float = 3, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {"identity": "p1", "scheduled_post_id": "sp-p1", "reason": "prune"}
    values.update(fields)
    return make(ev.PostCancelOutcome, result=result, minute=minute, **values)


def test_a_cancelled_outcome_cancels_and_starts_a_new_generation() -> None:
    cancel = make(ev.PostCancelIntent, identity="p1", scheduled_post_id="sp-p1", reason="prune")
    state = fold([intent(), outcome(), cancel, _cancel_outcome("cancelled")])
    post = state.posts["p1"]
    assert (post.status, post.generation, post.attempts) == ("cancelled", 1, 0)
    assert post.scheduled_post_id == "sp-p1"  # the row still says which post was cancelled
    assert state.details["p1"].pending_cancel is None


def test_a_repeated_cancel_does_not_start_another_generation() -> None:
    again = _cancel_outcome("already_cancelled", minute=4)
    post = fold([intent(), outcome(), _cancel_outcome("cancelled"), again]).posts["p1"]
    assert (post.status, post.generation) == ("cancelled", 1)


def test_a_cancel_lost_in_a_crash_is_completed_by_already_cancelled() -> None:
    cancel = make(ev.PostCancelIntent, identity="p1", scheduled_post_id="sp-p1", reason="prune")
    post = fold([intent(), outcome(), cancel, _cancel_outcome("already_cancelled")]).posts["p1"]
    assert (post.status, post.generation) == ("cancelled", 1)


def test_not_cancellable_keeps_the_status_and_reports_why() -> None:
    refused = _cancel_outcome(
        "not_cancellable", http_status=409, error_code="not_cancellable", error_message="published"
    )
    state = fold([intent(), outcome(), refused])
    assert state.posts["p1"].status == "scheduled"
    assert state.posts["p1"].generation == 0
    assert state.posts["p1"].last_error == "not_cancellable: published"
    assert state.details["p1"].pending_cancel is None


def test_a_failed_cancel_stays_pending() -> None:
    cancel = make(ev.PostCancelIntent, identity="p1", scheduled_post_id="sp-p1", reason="prune")
    state = fold([intent(), outcome(), cancel, _cancel_outcome("failed", http_status=502)])
    assert state.posts["p1"].status == "scheduled"
    assert state.details["p1"].pending_cancel == "sp-p1"
    assert state.posts["p1"].last_error == "cancel failed"


def test_replace_cancels_then_creates_a_new_generation() -> None:
    events = [
        intent(minute=0),
        outcome(minute=1, file_ids=("f1",)),
        make(ev.PostCancelIntent, identity="p1", scheduled_post_id="sp-p1", reason="replace"),
        _cancel_outcome("cancelled", reason="replace"),
        intent(minute=5, generation=1, fingerprint="fp1", idempotency_key="key-1", attempt=1),
        outcome(minute=6, scheduled_post_id="sp-new"),
    ]
    post = fold(events).posts["p1"]
    assert (post.status, post.generation, post.attempts) == ("scheduled", 1, 1)
    assert (post.post_id, post.fingerprint, post.idempotency_key) == ("sp-new", "fp1", "key-1")
    assert post.file_ids == ()  # the new post's answer carried none; the old ones went with it
    assert post.first_sent_at == at(5)


def test_the_new_generation_clears_the_old_posts_ids_at_its_first_intent() -> None:
    events = [
        intent(),
        outcome(),
        _cancel_outcome("cancelled"),
        intent(minute=5, generation=1, idempotency_key="key-1"),
    ]
    post = fold(events).posts["p1"]
    assert (post.status, post.scheduled_post_id, post.post_id) == ("unknown", None, None)


def test_a_deferred_post_is_known_without_being_sent() -> None:
    state = fold([deferred(reason="waiting_cap")])
    post = state.posts["p1"]
    assert (post.status, post.attempts, post.idempotency_key) == ("deferred", 0, None)
    assert state.details["p1"].reason == "waiting_cap"
    later = fold([deferred(), intent(minute=10)]).posts["p1"]
    assert (later.status, later.attempts) == ("unknown", 1)


def test_tracking_moves_a_scheduled_post_to_published() -> None:
    seen = make(
        ev.PostStatusSeen,
        identity="p1",
        status="published",
        origin="poll",
        post_id="hist-1",
        platform_post_id="tw-1",
        permalink="https://x.com/s/1",
        minute=30,
    )
    state = fold([intent(), outcome(), seen])
    post = state.posts["p1"]
    assert (post.status, post.platform_post_id, post.permalink) == (
        "published",
        "tw-1",
        "https://x.com/s/1",
    )
    assert post.post_id == "sp-p1"  # results.csv keeps the scheduled post's id
    assert state.details["p1"].history_post_id == "hist-1"
    assert post.updated_at == at(30)


def test_a_late_webhook_does_not_undo_a_finished_post() -> None:
    published = make(ev.PostStatusSeen, identity="p1", status="published", origin="poll")
    late = make(ev.PostStatusSeen, identity="p1", status="scheduled", origin="webhook", minute=9)
    assert fold([intent(), outcome(), published, late]).posts["p1"].status == "published"


def test_tracking_records_a_failure() -> None:
    failed = make(
        ev.PostStatusSeen,
        identity="p1",
        status="failed",
        origin="webhook",
        error_code="TOKEN_REFRESH_FAILED",
        error_message="reconnect the account",
    )
    post = fold([intent(), outcome(), failed]).posts["p1"]
    assert (post.status, post.last_error) == (
        "failed",
        "TOKEN_REFRESH_FAILED: reconnect the account",
    )


def test_media_intent_then_outcome() -> None:
    key = "sha256:" + "ab" * 32
    url = "https://media.example/a.jpg"
    events = [
        make(ev.MediaIntent, key=key, url=url, idempotency_key="m1", attempt=1, minute=0),
        make(
            ev.MediaOutcome,
            key=key,
            status="ready",
            file_id="file-1",
            size=2048,
            media_type="image/jpeg",
            expires_at=at(60 * 24 * 7),
            minute=1,
        ),
    ]
    record = fold(events).media[key]
    assert (record.file_id, record.status, record.size, record.media_type) == (
        "file-1",
        "ready",
        2048,
        "image/jpeg",
    )
    assert (record.url, record.attempts, record.idempotency_key) == (url, 1, "m1")
    assert record.expires_at == at(60 * 24 * 7)
    assert record.usable(at(10))
    assert not record.usable(at(60 * 24 * 8))


def test_a_media_import_without_an_answer_is_unknown_and_not_usable() -> None:
    key = "https://media.example/a.jpg"
    record = fold([make(ev.MediaIntent, key=key, url=key, idempotency_key="m", attempt=1)]).media[
        key
    ]
    assert record.status == "unknown"
    assert not record.usable(at(0))


def test_a_failed_media_import_keeps_its_error() -> None:
    key = "k"
    events = [
        make(ev.MediaIntent, key=key, url="https://m/x", idempotency_key="m", attempt=1),
        make(ev.MediaOutcome, key=key, status="failed", error_code="media_failed", minute=3),
    ]
    record = fold(events).media[key]
    assert (record.status, record.last_error) == ("failed", "media_failed")


def test_figures_keep_their_history_and_nulls() -> None:
    first = make(
        ev.Figures,
        identity="p1",
        post_id="hist-1",
        polled_at=at(60),
        metrics={"views": 10, "likes": None},
    )
    second = make(
        ev.Figures, identity="p1", post_id="hist-1", polled_at=at(120), metrics={"views": 25}
    )
    state = fold([intent(), outcome(), first, second])
    rows = state.figures["p1"]
    assert [r.polled_at for r in rows] == [at(60), at(120)]
    assert rows[0].metrics == {"views": 10, "likes": None}
    # Figures are their own history: they do not count as the post changing.
    assert state.posts["p1"].updated_at == at(1)


def test_applied_webhooks_are_remembered() -> None:
    events = [
        make(ev.WebhookApplied, event_id="evt-1", event_type="post.published"),
        make(ev.WebhookApplied, event_id="evt-2", event_type="post.failed"),
    ]
    assert fold(events).applied_webhooks == {"evt-1", "evt-2"}


def test_a_disconnected_profile_flags_its_pending_posts_until_reconnected() -> None:
    other = intent("p2", platform="tiktok", account="@brand")
    done = make(ev.PostStatusSeen, identity="p3", status="published", origin="poll")
    gone = make(
        ev.ProfileDisconnected,
        account="@brand",
        platform="x",
        reason="token_expired",
        message="reconnect X",
    )
    events = [intent(), outcome(), other, intent("p3"), done, gone]
    state = fold(events)
    assert state.disconnected[("@brand", "x")].reason == "token_expired"
    assert [p.identity for p in state.flagged()] == ["p1"]
    back = make(ev.ProfileReconnected, account="@brand", platform="x", minute=9)
    assert fold([*events, back]).disconnected == {}


def test_runs_are_recorded_and_an_unfinished_run_shows() -> None:
    events = [
        make(ev.RunStarted, run="a", command="publish", minute=0),
        make(ev.RunFinished, run="a", counts={"created": 3}, exit_code=0, minute=1),
        make(ev.RunStarted, run="b", command="publish", minute=2),
    ]
    runs = fold(events).runs
    assert runs["a"].counts == {"created": 3}
    assert (runs["a"].finished_at, runs["a"].exit_code) == (at(1), 0)
    assert runs["b"].started_at == at(2)
    assert runs["b"].finished_at is None


def test_unknown_types_and_orphans_are_counted_not_fatal() -> None:
    stray = outcome("nobody")
    future = {"v": 1, "type": "post.something_new", "at": "2026-01-01T00:00:00Z", "run": "r"}
    state = fold([intent(), stray, future])
    assert (state.event_count, state.ignored, state.orphans) == (3, 1, 1)
    assert set(state.posts) == {"p1"}


def test_folding_the_stored_json_gives_the_same_state() -> None:
    events = [intent(), outcome(), intent("p2"), deferred("p3")]
    stored = [json.loads(json.dumps(e)) for e in events]
    assert fold(stored) == fold(events)


_OPS = st.sampled_from(
    ["intent", "scheduled", "failed", "unknown", "absent", "found", "cancel", "published", "late"]
)


@given(st.lists(_OPS, max_size=30))
def test_any_sequence_folds_to_a_valid_post(ops: list[str]) -> None:
    """Whatever order events come in, the post has a known status and consistent counters."""
    events = [deferred(minute=0)]
    generation = 0
    for n, op in enumerate(ops, 1):
        if op == "intent":
            state = fold(events)
            generation = state.posts["p1"].generation
            key = f"k{generation}"
            events.append(intent(minute=n, generation=generation, idempotency_key=key))
        elif op in ("scheduled", "failed", "unknown"):
            events.append(outcome(minute=n, result=op))
        elif op == "absent":
            events.append(make(ev.PostReconciled, identity="p1", found=False, minute=n))
        elif op == "found":
            found = make(ev.PostReconciled, identity="p1", found=True, status="queued", minute=n)
            events.append(found)
        elif op == "cancel":
            events.append(_cancel_outcome("cancelled", minute=n))
        else:
            status = "published" if op == "published" else "processing"
            seen = make(ev.PostStatusSeen, identity="p1", status=status, origin="poll", minute=n)
            events.append(seen)
    state = fold(events)
    post = state.posts["p1"]
    assert post.status in POST_STATUSES
    assert 0 <= post.attempts <= state.details["p1"].total_attempts == ops.count("intent")
    assert post.generation >= generation
    assert post.updated_at == at(len(ops))
    if ops and ops[-1] == "intent":
        assert post.status == "unknown"


def test_api_ids_lead_to_the_current_generation_only() -> None:
    events = [
        intent(),
        outcome(scheduled_post_id="sp-old"),
        _cancel_outcome("cancelled", reason="replace", scheduled_post_id="sp-old"),
        intent(minute=5, generation=1, idempotency_key="key-1"),
        outcome(minute=6, scheduled_post_id="sp-new"),
        make(ev.PostStatusSeen, identity="p1", status="published", origin="poll", post_id="h-1"),
    ]
    state = fold(events)
    assert state.identity_for("sp-new") == "p1"
    assert state.identity_for("h-1") == "p1"
    assert state.identity_for("sp-old") is None


def test_a_ready_import_without_a_known_expiry_is_not_reused() -> None:
    """The import's own outcome carries no expiry (the publisher records it next): a crash in
    between must not leave a file id that is reused for ever, long after the API dropped it."""
    key = "sha256:" + "cd" * 32
    events = [
        make(ev.MediaIntent, key=key, url="https://m/x.jpg", idempotency_key="m", attempt=1),
        make(ev.MediaOutcome, key=key, status="ready", file_id="file-1", minute=1),
    ]
    record = fold(events).media[key]
    assert (record.status, record.file_id, record.expires_at) == ("ready", "file-1", None)
    assert not record.usable(at(2))


def test_a_429_waited_out_leaves_no_error_once_the_post_is_taken() -> None:
    events = [
        intent(minute=0),
        outcome(minute=1, result="failed", http_status=429, error_code="rate_limited"),
        intent(minute=2, attempt=2),
        outcome(minute=3, attempt=2),
    ]
    state = fold(events)
    post = state.posts["p1"]
    assert (post.status, post.last_error, post.attempts) == ("scheduled", None, 2)
    assert state.details["p1"].error_code is None
