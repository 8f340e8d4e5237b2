"""Exactly once at the edges: reconciliation among look-alike posts, cancels without an answer."""

from __future__ import annotations

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
