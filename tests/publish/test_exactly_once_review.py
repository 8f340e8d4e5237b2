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
