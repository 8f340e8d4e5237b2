"""Exactly once at the edges: reconciliation among look-alike posts, cancels without an answer."""

from __future__ import annotations

import uuid

import httpx
import pytest

from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.ledger.events import PostIntent
from pipeline.model import PlannedPost
from pipeline.plan.build import media_digests
from pipeline.plan.diff import planned_posts
from pipeline.plan.keys import post_key
from pipeline.validate.check import validate
from tests.publish.conftest import Rig
from tests.publish.test_publish_sandbox import total_created

TWINS = """defaults: {timezone: UTC, account: '@demo'}
posts:
  - {id: a, at: '2026-12-01 08:00', platform: x, text: 'First of two'}
"""
SECOND = "  - {id: b, at: '2026-12-01 08:00', platform: x, text: 'Second of two'}\n"


def test_reconciling_never_claims_another_posts_service_post(rig: Rig) -> None:
    """Two posts for the same profile, network and time: b's lost request is not a's post."""
    rig.write(TWINS)
    assert rig.publish().counts["created"] == 1
    rig.write(TWINS + SECOND)
    rig.sandbox.set_faults({"POST /api/v2/posts": {"drop": 1.0}})  # b never reaches the service
    rig.publish()
    rig.sandbox.clear_faults()
    posts = rig.state().posts
    assert posts["b/x"].scheduled_post_id != posts["a/x"].scheduled_post_id
    assert posts["b/x"].status == "unknown"  # not proven either way yet: never "found" as a
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert total_created(rig.counters()) == 2
    posts = rig.state().posts
    assert posts["b/x"].status == "scheduled"
    assert posts["b/x"].scheduled_post_id != posts["a/x"].scheduled_post_id


ONE = """defaults: {timezone: UTC, account: '@demo'}
posts:
  - {id: a, at: '2026-12-01 08:00', platform: linkedin, text: 'Original words'}
"""


def test_a_cancel_without_an_answer_is_finished_even_if_the_edit_is_undone(rig: Rig) -> None:
    """The DELETE of a replace went through but its answer was lost; the edit is then reverted.
    The service no longer holds the post, so it must be created again, not left "unchanged"."""
    rig.write(ONE)
    assert rig.publish().counts["created"] == 1
    rig.write(ONE.replace("Original words", "Edited words"))
    rig.sandbox.set_faults(
        {"DELETE /api/v2/posts/{id}": {"script": ["commit_then_drop"], "drop": 1.0}}
    )
    edited = rig.publish()
    rig.sandbox.clear_faults()
    assert edited.counts["failed"] == 1  # the cancel's answer never came
    assert rig.counters()["waiting_total"] == 0  # ... but the service did cancel it
    rig.write(ONE)  # the edit is undone: the calendar is as it was when the post was created
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert rig.counters()["waiting_total"] == 1
    post = rig.state().posts["a/linkedin"]
    assert post.status == "scheduled" and post.generation == 1


PAIR = """defaults: {timezone: UTC, account: '@demo'}
posts:
  - {id: keep, at: '2026-12-01 08:00', platform: x, text: 'Staying'}
  - {id: gone, at: '2026-12-03 08:00', platform: linkedin, text: 'Removed later'}
"""


def _forget_outcomes_of(rig: Rig, identity: str) -> None:
    """The ledger as a crash would have left it: the post's request went out, no answer noted."""
    events = rig.ledger_dir / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not (f'"identity":"{identity}"' in line and '"type":"post.outcome"' in line)
    ]
    assert len(kept) < len(lines)
    events.write_text("".join(kept), encoding="utf-8")


def test_an_unknown_post_removed_from_the_calendar_is_reconciled_and_pruned(rig: Rig) -> None:
    """Its request created it, the answer was lost, then the entry was removed: with --prune it
    must not be left to go out just because the ledger only knew it as unknown."""
    rig.write(PAIR)
    assert rig.publish().counts["created"] == 2
    _forget_outcomes_of(rig, "gone/linkedin")
    rig.write("".join(PAIR.splitlines(keepends=True)[0:3]))
    first = rig.publish(prune=True)
    assert first.exit_code == 0, first.failures
    assert rig.state().posts["gone/linkedin"].status == "scheduled"  # found: now an orphan
    second = rig.publish(prune=True)
    assert second.counts["cancelled"] == 1
    assert rig.counters()["waiting_total"] == 1
    assert rig.state().posts["gone/linkedin"].status == "cancelled"


def test_an_unknown_post_removed_from_the_calendar_and_absent_stops_being_unknown(
    rig: Rig,
) -> None:
    only_keep = "".join(PAIR.splitlines(keepends=True)[0:3])
    rig.write(only_keep)
    assert rig.publish().counts["created"] == 1
    rig.write(PAIR)
    rig.sandbox.set_faults({"POST /api/v2/posts": {"drop": 1.0}})  # it never arrives
    rig.publish()
    rig.sandbox.clear_faults()
    assert rig.state().posts["gone/linkedin"].status == "unknown"
    rig.write(only_keep)  # then it is taken out of the calendar
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert rig.state().posts["gone/linkedin"].status == "deferred"  # proven absent, settled
    again = rig.publish()
    assert again.exit_code == 0 and again.counts.get("unknown", 0) == 0
    assert total_created(rig.counters()) == 1


def _planned(rig: Rig) -> dict[str, PlannedPost]:
    """The calendar's planned posts, as the publisher derives them (identity, fingerprint)."""
    paths = [str(rig.root / "schedules")]
    result = validate(paths, load_config(paths[0]), rig.now())
    return {p.identity: p for p in planned_posts(result.entries, media_digests(result))}


def test_a_key_the_api_says_never_answered_is_not_kept_once_the_post_is_proven_absent(
    rig: Rig,
) -> None:
    """The service died on the first request before creating anything: its key stays
    `running`, and after 10 minutes every resend under it is 409 idempotency_outcome_unknown
    ("never resend; check GET /posts"). GET /posts proves the post absent, so it is sent under
    a fresh key now, not stuck for the rest of the key's 24 hours (its time may come first)."""
    rig.write(ONE)
    post = _planned(rig)["a/linkedin"]
    key = post_key(post.identity, post.fingerprint, 0)
    # The first request: claimed the key, then the server died before creating the post. (An
    # unknown profile id stands in for "died first": the request is refused after the key is
    # claimed, and commit_then_die leaves the key running with nothing created.)
    body = {
        "post": {
            "accountId": str(uuid.uuid4()),
            "platform": "linkedin",
            "scheduledFor": "2026-12-01T08:00:00Z",
            "content": {"text": "Original words"},
        }
    }
    rig.sandbox.set_faults({"POST /api/v2/posts": {"script": ["commit_then_die"]}})
    auth = {"Authorization": f"Bearer {rig.sandbox.api_key}", "Idempotency-Key": key}
    with httpx.Client(headers=auth) as http, pytest.raises(httpx.TransportError):
        http.post(f"{rig.sandbox.api_base}/posts", json=body)
    rig.sandbox.clear_faults()
    sent_at = rig.now()
    rig.sandbox.advance(60)  # the running key goes stale (10 min scaled), not yet expired
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"):  # ... and the ledger holds the intent of that first request
        ledger.append(
            PostIntent(
                run="crashed",
                identity=post.identity,
                entry_id="a",
                source=str(post.source),
                platform="linkedin",
                account="@demo",
                scheduled_for=post.scheduled_for,
                fingerprint=post.fingerprint,
                idempotency_key=key,
                generation=0,
                attempt=1,
                request=body,
                at=sent_at,  # on the publisher's time line (the sandbox's clock)
            )
        )
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert total_created(rig.counters()) == 1
    state = rig.state().posts["a/linkedin"]
    assert state.status == "scheduled" and state.generation == 1
