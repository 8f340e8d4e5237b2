"""`publish` against the sandbox: exactly once, media once, paced, diffed, reconciled."""

from __future__ import annotations

from typing import Any

from pipeline.ledger import Ledger
from pipeline.ledger.events import PostIntent
from pipeline.plan.keys import post_key
from tests.publish.conftest import Rig, calendar


def total_created(counters: dict[str, Any]) -> int:
    return int(
        sum(counters["scheduled_created"].values()) + sum(counters["posts_created"].values())
    )


def test_first_run_schedules_everything_second_run_sends_nothing(rig: Rig) -> None:
    rig.write(calendar(20))
    first = rig.publish()
    assert first.exit_code == 0, first.failures
    assert first.counts["created"] == 20
    counters = rig.counters()
    assert rig.sandbox.counters()["waiting_total"] == 20
    assert total_created(counters) == 20
    # Paced from each send, a lane may meet one 429 (harmless: nothing recorded) and learns.
    assert all(n <= 1 for n in counters["throttled"].get("demo", {}).values())
    assert counters["rate_limited_total"] == sum(counters["throttled"].get("demo", {}).values())
    assert sum(counters["media_imports"].values()) == 7  # distinct files, imported once each
    second = rig.publish()
    assert second.exit_code == 0
    assert second.counts["created"] == 0 and second.counts["unchanged"] == 20
    after = rig.counters()
    assert total_created(after) == 20 and sum(after["media_imports"].values()) == 7
    statuses = {p.status for p in rig.state().posts.values()}
    assert statuses == {"scheduled"}
    rows = (rig.ledger_dir / "results.csv").read_text().splitlines()
    assert rows[0].startswith(
        "entry_id,source,platform,account,scheduled_for,status,post_id,platform_post_id,file_ids,"
        "attempts,last_error,updated_at"
    )
    assert len(rows) == 21


def test_faults_never_double_post(rig: Rig) -> None:
    """5xx, dropped connections and commit-then-drop on every endpoint that writes."""
    rig.sandbox.set_faults(
        {
            "POST /api/v2/posts": {
                "error_500": 0.08,
                "error_502": 0.05,
                "error_503": 0.05,
                "drop": 0.05,
                "commit_then_drop": 0.1,
                "latency": 0.005,
            },
            "POST /api/v2/media": {"error_503": 0.1, "commit_then_drop": 0.15},
            "GET /api/v2/posts": {"error_500": 0.05},
        }
    )
    rig.write(calendar(200, distinct_media=11))
    summary = rig.publish()
    rig.sandbox.clear_faults()
    if summary.exit_code != 0:  # what the run could not settle, the next run settles
        summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    counters = rig.counters()
    assert total_created(counters) == 200, counters
    assert counters["waiting_total"] == 200
    # Paced from each send, a lane learns from its first 429; under this load a request slowed
    # down by the faults can teach it once more. Harmless either way: a 429 records nothing.
    throttled = counters["throttled"].get("demo", {})
    # A throttle hit whose 429 the commit_then_drop fault then cut off never reached the client.
    assert counters["rate_limited_total"] <= sum(throttled.values())
    assert all(n <= 2 for n in throttled.values()), throttled
    assert sum(counters["media_imports"].values()) == 11  # a replayed import is not an import
    states = rig.state().posts
    assert len(states) == 200 and {p.status for p in states.values()} == {"scheduled"}
    again = rig.publish()
    assert again.counts["unchanged"] == 200 and total_created(rig.counters()) == 200


def test_edit_replaces_removal_orphans_or_prunes(rig: Rig) -> None:
    rig.write(calendar(6))
    assert rig.publish().counts["created"] == 6
    edited = calendar(6).replace("text: 'Post 2 #n2'", "text: 'Post 2, edited'")
    edited = "\n".join(line for line in edited.splitlines() if "id: p5," not in line) + "\n"
    rig.write(edited)
    summary = rig.publish()
    assert summary.counts["replaced"] == 1 and summary.counts["created"] == 0
    counters = rig.counters()
    assert sum(counters["cancelled"].values()) == 1
    assert counters["waiting_total"] == 6  # p5 is orphaned, not cancelled, without --prune
    states = rig.state().posts
    assert states["p2/threads"].status == "scheduled" and states["p2/threads"].generation == 1
    pruned = rig.publish(prune=True)
    assert pruned.counts["cancelled"] == 1
    assert rig.counters()["waiting_total"] == 5
    assert rig.state().posts["p5/x"].status == "cancelled"


def test_reverting_an_edit_uses_a_fresh_key(rig: Rig) -> None:
    """Content A, then B (replace), then A again: A's old key would replay the cancelled post."""
    rig.write(calendar(1))
    rig.publish()
    rig.write(calendar(1).replace("Post 0", "Changed"))
    assert rig.publish().counts["replaced"] == 1
    rig.write(calendar(1))
    assert rig.publish().counts["replaced"] == 1
    assert rig.counters()["waiting_total"] == 1
    state = rig.state().posts["p0/x"]
    assert state.status == "scheduled" and state.generation == 2


def test_crash_between_intent_and_answer_is_reconciled_not_resent(rig: Rig) -> None:
    """A post the service has but the ledger only knows as an intent: found, not sent again."""
    rig.write(calendar(2))
    assert rig.publish().counts["created"] == 2
    # Rebuild a ledger that saw only the intent of p1 (the answer was lost in a crash).
    state = rig.state()
    p1 = state.posts["p1/linkedin"]
    rig.ledger_dir.rename(rig.root / "old-ledger")
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"):
        ledger.append(
            PostIntent(
                run="crashed",
                identity=p1.identity,
                entry_id="p1",
                source=p1.source,
                platform="linkedin",
                account="@demo",
                scheduled_for=p1.scheduled_for,
                fingerprint=p1.fingerprint,
                idempotency_key=post_key(p1.identity, p1.fingerprint, 0),
                generation=0,
                attempt=1,
                request={},
            )
        )
    summary = rig.publish()
    assert summary.counts["reconciled"] == 1
    assert summary.counts["created"] == 1  # p0, which this ledger never saw, is sent (same key)
    assert total_created(rig.counters()) == 2  # ... and replayed by the API: still two posts
    assert rig.state().posts["p1/linkedin"].scheduled_post_id == p1.scheduled_post_id


def test_unknown_post_proven_absent_is_sent_once(rig: Rig) -> None:
    rig.write(calendar(1))
    post_identity = "p0/x"
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"):
        ledger.append(
            PostIntent(
                run="crashed",
                identity=post_identity,
                entry_id="p0",
                source="schedules/cal.yaml:3",
                platform="x",
                account="@demo",
                scheduled_for=None,
                fingerprint="whatever",
                idempotency_key="cc1-post-lost",
                generation=0,
                attempt=1,
                request={},
            )
        )
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert total_created(rig.counters()) == 1
    assert rig.state().posts[post_identity].status == "scheduled"


def test_preflight_holds_back_only_affected_posts(rig: Rig) -> None:
    text = calendar(3) + (
        "  - {id: ghost, at: '2026-12-02 10:00', platform: x, account: '@nobody', text: hi}\n"
        "  - {id: pin, at: '2026-12-02 11:00', platform: pinterest, text: hi, "
        "media: ['https://cdn.example.com/p.jpg'], pinterest: {boardId: '404'}}\n"
    )
    rig.write(text)
    summary = rig.publish()
    assert summary.exit_code == 1
    assert summary.counts["created"] == 3 and summary.counts["held"] == 2
    assert any("@nobody: no such profile" in p for p in summary.problems)
    assert any("board 404 does not exist" in p for p in summary.problems)
    assert "ghost/x" not in rig.state().posts  # nothing recorded: the next run tries again


def test_dry_run_sends_and_records_nothing(rig: Rig) -> None:
    rig.write(calendar(5))
    summary = rig.publish(dry_run=True)
    assert summary.exit_code == 0, summary.failures
    assert summary.counts["would_send"] == 5
    assert total_created(rig.counters()) == 0
    assert not (rig.ledger_dir / "events.jsonl").exists() or rig.state().posts == {}


NO_X_ADDON = """
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    plan: {tier: skilled, allowance: unlimited, x_addon: false}
    profiles: [{name: demo, networks: all}]
"""


def test_refusals_are_failed_and_only_resent_when_asked(tmp_path) -> None:
    from tests.publish.conftest import SCALE, START
    from tests.sandbox_handle import running_sandbox

    with running_sandbox(NO_X_ADDON, time_scale=SCALE, start_at=START) as sandbox:
        rig = Rig(tmp_path, sandbox)
        rig.write(calendar(2))  # p0 on X (refused: no X add-on), p1 on LinkedIn
        first = rig.publish()
        assert first.exit_code == 1
        assert (first.counts["created"], first.counts["failed"]) == (1, 1)
        assert any("plan_required" in f for f in first.failures)
        failed = rig.state().posts["p0/x"]
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert failed.last_error is not None and "plan_required" in failed.last_error
        posts_requests = lambda: rig.counters()["requests"]["POST /api/v2/posts"]  # noqa: E731
        before = posts_requests()
        again = rig.publish()  # the plan shows it failed; nothing is sent
        assert again.counts["created"] == 0 and posts_requests() == before
        retried = rig.publish(retry_failed=True)
        assert retried.counts["failed"] == 1 and posts_requests() == before + 1
        assert rig.state().posts["p0/x"].generation == 1  # a fresh key for the retry


def test_clip_posts_go_through_the_clip_server_once(rig: Rig) -> None:
    """A calendar mixing Status 200 posts and a clip post for three networks."""
    from pipeline.backends.clips.client import ClipClient
    from pipeline.backends.clips.settings import ClipSettings
    from pipeline.sandbox.clipconfig import DEMO_JOB

    clip = (
        f"  - {{id: clip0, at: '2026-12-05 18:00', platforms: [tiktok, instagram, youtube], "
        f"account: '@acme', clip: {{job: '{DEMO_JOB}', index: 1}}}}\n"
    )
    rig.write(calendar(2) + clip)
    settings = ClipSettings.from_env(
        {
            "CLIP_SERVER_URL": rig.sandbox.clip_url,
            "UPLOAD_POST_API_KEY": str(rig.sandbox.upload_post_key),
        }
    )
    with ClipClient(settings) as clips:
        first = rig.publish(clip_client=clips)
        assert first.exit_code == 0, first.failures
        assert (first.counts["created"], first.counts["submitted"]) == (2, 3)
        again = rig.publish(clip_client=clips)
        assert again.counts["submitted"] == 0 and again.counts["unchanged"] == 5
    uploads = rig.sandbox.clip_posts()
    assert len(uploads) == 1 and sorted(uploads[0]["platforms"]) == [
        "instagram",
        "tiktok",
        "youtube",
    ]
    states = rig.state().posts
    assert {states[f"clip0/{p}"].status for p in ("tiktok", "instagram", "youtube")} == {
        "processing"
    }
    assert len({states[f"clip0/{p}"].post_id for p in ("tiktok", "instagram", "youtube")}) == 1
    assert str(rig.sandbox.upload_post_key) not in (rig.ledger_dir / "events.jsonl").read_text()


def test_a_post_whose_time_passes_before_it_is_sent_is_failed_once_and_blocks_nothing(
    rig: Rig,
) -> None:
    """The run's clock is three hours ahead of validation: every post missed its time."""
    from datetime import UTC, datetime, timedelta

    from pipeline.api import Status200Client
    from pipeline.apply.publisher import Publisher, PublishOptions
    from pipeline.config import load_config
    from pipeline.validate.check import validate

    rig.write(
        "defaults: {timezone: UTC, account: '@demo'}\nposts:\n"
        "  - {id: soon, at: '2026-11-28 13:00', platform: x, text: hi}\n"
    )
    paths = [str(rig.root / "schedules")]
    now = rig.now()
    result = validate(paths, load_config(paths[0]), now)
    assert result.errors == []
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"), Status200Client(rig.settings()) as client:
        summary = Publisher(
            client,
            ledger,
            result,
            PublishOptions(post_interval=0.1, media_interval=0.1),
            clock=lambda: datetime.now(UTC) + (now - datetime.now(UTC)) + timedelta(hours=3),
        ).run()
    assert summary.exit_code == 1 and any("missed its time" in f for f in summary.failures)
    assert total_created(rig.counters()) == 0
    post = rig.state().posts["soon/x"]
    assert (post.status, post.last_error) == (
        "failed",
        "missed: its time passed before it could be sent",
    )
    # Later runs: the past time is no calendar error now, and nothing is sent again.
    later = validate(
        paths, load_config(paths[0]), now + timedelta(hours=4), recorded=dict(rig.state().posts)
    )
    assert later.errors == []
