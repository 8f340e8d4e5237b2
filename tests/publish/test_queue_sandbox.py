"""Queues and pools against the sandbox: edits never move or cancel what the service holds,
and a pool repeat is a new post with its own identity and Idempotency-Key, sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.publish.conftest import Rig

CONFIG = """timezone: UTC
slots:
  daily: {daily: ["09:00", "15:00"]}
  mornings: {daily: ["09:00"]}
pools:
  tips: {horizon_days: 2}
"""


def _calendar(*posts: str) -> str:
    return "defaults: {account: '@demo', platforms: [x]}\nposts:\n" + "".join(
        f"  - {p}\n" for p in posts
    )


def _sent(rig: Rig) -> tuple[int, int]:
    """(posts the service accepted, cancel requests it received) so far: a harmless 429 at a
    busy lane is no create."""
    counters: dict[str, Any] = rig.counters()
    accepted = counters["statuses"].get("POST /api/v2/posts", {})
    created = sum(n for status, n in accepted.items() if status.startswith("2"))
    cancels = sum(n for name, n in counters["requests"].items() if name.startswith("DELETE "))
    return created, cancels


def _times(rig: Rig) -> dict[str, Any]:
    return {i: p.scheduled_for for i, p in rig.state().posts.items()}


def test_queue_insert_and_reorder_create_only_the_new_post(rig: Rig) -> None:
    (rig.root / "pipeline.yaml").write_text(CONFIG, encoding="utf-8")
    q = {n: f"{{id: {n}, queue: daily, text: 'post {n}'}}" for n in ("q1", "q2", "q3", "new")}
    rig.write(_calendar(q["q1"], q["q2"], q["q3"]))
    first = rig.publish()
    assert first.exit_code == 0, first.failures
    assert _sent(rig) == (3, 0)
    before = _times(rig)
    assert len(set(before.values())) == 3
    rig.write(_calendar(q["q3"], q["q1"], q["new"], q["q2"]))  # reordered, one inserted
    second = rig.publish()
    assert second.exit_code == 0, second.failures
    assert second.counts["created"] == 1 and second.counts["unchanged"] == 3
    assert _sent(rig) == (4, 0)  # only the new post; nothing cancelled, nothing moved
    after = _times(rig)
    assert {i: after[i] for i in before} == before
    assert after["new/x"] > max(before.values())  # after the slots the queue already holds
    third = rig.publish()
    assert third.counts.get("created", 0) == 0 and _sent(rig) == (4, 0)


def test_a_pool_repeat_after_its_cooldown_is_a_new_post_sent_once(rig: Rig) -> None:
    (rig.root / "pipeline.yaml").write_text(CONFIG, encoding="utf-8")
    rig.write(
        _calendar(
            "{id: tip, queue: mornings, text: 'evergreen tip', "
            "evergreen: {pool: tips, cooldown_days: 3}}"
        )
    )
    first = rig.publish()
    assert first.exit_code == 0, first.failures
    assert _sent(rig) == (1, 0)
    assert set(rig.state().posts) == {"tip@r1/x"}
    assert rig.publish().counts.get("created", 0) == 0 and _sent(rig) == (1, 0)
    rig.sandbox.advance(3 * 86400)  # r1 went out; the cooldown has passed by the next slot
    again = rig.publish()
    assert again.exit_code == 0, again.failures
    assert _sent(rig) == (2, 0)
    posts = rig.state().posts
    assert set(posts) == {"tip@r1/x", "tip@r2/x"}
    r1, r2 = posts["tip@r1/x"], posts["tip@r2/x"]
    assert r1.idempotency_key and r2.idempotency_key and r1.idempotency_key != r2.idempotency_key
    assert r1.scheduled_for and r2.scheduled_for
    assert r2.scheduled_for - r1.scheduled_for >= timedelta(days=3)
    assert rig.publish().counts.get("created", 0) == 0 and _sent(rig) == (2, 0)
