"""Clip posts through the ledger, against the sandbox over a real socket: one request for all of
an entry's platforms recorded per platform, a re-run that submits nothing, and crashes or lost
answers that never lead to a second upload."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.api.settings import Secret
from pipeline.backends.clips import ClipClient, ClipJob, ClipSettings
from pipeline.backends.clips.publish import ClipRecorder, clip_key, request_for, send_clip_post
from pipeline.backends.clips.run import ClipRunResult, publish_clip_steps
from pipeline.backends.clips.unknown import is_clip_post, resolve_unknown, unknown_clip_posts
from pipeline.ledger import Ledger
from pipeline.ledger.views import write_views
from pipeline.model import Entry
from pipeline.plan.diff import PlanOptions, make_plan, planned_posts
from tests.clips.conftest import DEMO_JOB, KEY, START, client_of, entry
from tests.sandbox_handle import SandboxHandle

POST = "POST /api/social/post"
BERLIN_9AM = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Europe/Berlin


def _entries() -> list[Entry]:
    return [
        entry(id="launch", text="Launch day #ai", at=BERLIN_9AM, tz="Europe/Berlin"),
        entry(id="tips", index=2, account="@demo", platforms=("tiktok", "instagram")),
    ]


def _ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ledger", secrets=[KEY])


def _run(
    client: ClipClient, ledger: Ledger, entries: Sequence[Entry], run_id: str
) -> ClipRunResult:
    """What the publisher does with the clip steps of its plan."""
    posts = planned_posts(list(entries), {})
    plan = make_plan(posts, ledger.state().posts, PlanOptions(now=START))
    with ledger.lock("test"):
        return publish_clip_steps(client, ledger, run_id, plan.steps, START)


def _uploads(sandbox: SandboxHandle) -> int:
    return int(sandbox.counters()["clip_uploads_total"])


def test_one_request_recorded_per_platform(tmp_path: Path, sandbox: SandboxHandle) -> None:
    ledger = _ledger(tmp_path)
    posts = planned_posts(_entries()[:1], {})
    with client_of(sandbox) as client:
        job = client.job(DEMO_JOB)
        with ledger.lock("test"):
            outcomes = send_clip_post(client, ledger, "run-1", posts, job, START)
            write_views(ledger)
    upload = sandbox.clip_posts()
    assert len(upload) == 1 and sandbox.counters()["requests"][POST] == 1
    assert upload[0]["platforms"] == ["tiktok", "instagram", "youtube"]
    assert (upload[0]["scheduled_date"], upload[0]["timezone"]) == (
        "2026-12-01T09:00:00",
        "Europe/Berlin",
    )
    assert upload[0]["description"] == "Launch day #ai" and upload[0]["title"] is None
    upload_id = upload[0]["upload_id"]
    assert {i: (o.result, o.post_id, o.api_code) for i, o in outcomes.items()} == {
        p.identity: ("processing", upload_id, "queued") for p in posts
    }
    events = ledger.events()
    assert [e["type"] for e in events] == ["post.intent"] * 3 + ["post.outcome"] * 3
    intents = events[:3]
    assert [e["platform"] for e in intents] == ["tiktok", "instagram", "youtube"]
    assert all(e["request"] == intents[0]["request"] for e in intents)
    assert "api_key" not in intents[0]["request"]
    assert intents[0]["request"]["job_id"] == DEMO_JOB
    assert [e["idempotency_key"] for e in intents] == [
        clip_key(e["identity"], e["fingerprint"], 0) for e in intents
    ]
    assert len({e["idempotency_key"] for e in intents}) == 3
    state = ledger.state()
    assert {p.status for p in state.posts.values()} == {"processing"}
    assert {p.post_id for p in state.posts.values()} == {upload_id}
    assert all(is_clip_post(state, p.identity) for p in posts)
    for path in (ledger.events_path, ledger.results_path):
        assert KEY not in path.read_text(encoding="utf-8")
    rows = ledger.results_path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 4 and all(upload_id in row for row in rows[1:])


def test_a_rerun_submits_nothing(tmp_path: Path, sandbox: SandboxHandle) -> None:
    ledger = _ledger(tmp_path)
    with client_of(sandbox) as client:
        first = _run(client, ledger, _entries(), "run-1")
        events = len(ledger.events())
        second = _run(client, ledger, _entries(), "run-2")
    assert first.counts == {"submitted": 5} and first.failures == []
    assert _uploads(sandbox) == 2  # one request per entry: 3 + 2 platforms
    assert sandbox.counters()["clip_posts"] == {"tiktok": 2, "instagram": 2, "youtube": 1}
    assert second.counts == {} and second.outcomes == {}
    assert sandbox.counters()["requests"].get(POST) == 2
    assert len(ledger.events()) == events  # nothing written either
    edited = [entry(id="launch", text="Edited", at=BERLIN_9AM, tz="Europe/Berlin")]
    plan = make_plan(planned_posts(edited, {}), ledger.state().posts, PlanOptions(now=START))
    assert {s.action for s in plan.steps} == {"locked"}  # an upload cannot be changed


class Crash(Exception):
    """The process dies: raised by a recorder right after the request went out."""


class CrashAfterSending(ClipRecorder):
    def after_attempt(self, attempt: int, outcome: object) -> None:
        raise Crash


def test_a_crash_before_sending_is_reported_then_sent_once_when_the_user_says(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    ledger = _ledger(tmp_path)
    posts = planned_posts(_entries()[:1], {})
    with ledger.lock("test"):  # intents fsynced, then the process died before the request
        ClipRecorder(ledger, "crashed", posts, request_for(posts, START), {}, {}).before_attempt(1)
    with client_of(sandbox) as client:
        for run in ("run-2", "run-3"):
            again = _run(client, ledger, _entries()[:1], run)
            assert again.counts == {"unknown": 3} and _uploads(sandbox) == 0
        unknown = unknown_clip_posts(ledger.state())
        assert sorted(u.platform for u in unknown) == ["instagram", "tiktok", "youtube"]
        assert unknown[0].reason is None and unknown[0].platforms == (
            "tiktok",
            "instagram",
            "youtube",
        )
        assert "Upload-Post dashboard" in again.failures[0] and DEMO_JOB in again.failures[0]
        with ledger.lock("test"):
            for u in unknown:
                resolve_unknown(ledger, "user", u.identity, posted=False)
        resent = _run(client, ledger, _entries()[:1], "run-4")
    assert resent.counts == {"submitted": 3}
    assert _uploads(sandbox) == 1
    state = ledger.state()
    assert {p.generation for p in state.posts.values()} == {1}  # a fresh ledger key
    assert {p.status for p in state.posts.values()} == {"processing"}


def test_a_crash_after_sending_never_double_posts(tmp_path: Path, sandbox: SandboxHandle) -> None:
    ledger = _ledger(tmp_path)
    posts = planned_posts(_entries()[:1], {})
    with client_of(sandbox) as client:
        recorder = CrashAfterSending(ledger, "crashed", posts, request_for(posts, START), {}, {})
        with ledger.lock("test"), pytest.raises(Crash):
            client.post(request_for(posts, START), observer=recorder)
        assert _uploads(sandbox) == 1 and {p.status for p in ledger.state().posts.values()} == {
            "unknown"
        }
        for run in ("run-2", "run-3", "run-4"):
            again = _run(client, ledger, _entries()[:1], run)
            assert again.counts == {"unknown": 3}
        assert _uploads(sandbox) == 1 and sandbox.counters()["requests"][POST] == 1
        upload_id = sandbox.clip_posts()[0]["upload_id"]
        with ledger.lock("test"):
            for p in posts:  # the user found it in the dashboard
                resolve_unknown(ledger, "user", p.identity, posted=True, upload_id=upload_id)
        settled = _run(client, ledger, _entries()[:1], "run-5")
    assert settled.counts == {} and _uploads(sandbox) == 1
    assert {(p.status, p.post_id) for p in ledger.state().posts.values()} == {
        ("processing", upload_id)
    }


@pytest.mark.parametrize(("action", "uploads"), [("drop", 0), ("commit_then_drop", 1)])
def test_a_lost_answer_is_unknown_and_not_resent(
    tmp_path: Path, sandbox: SandboxHandle, action: str, uploads: int
) -> None:
    ledger = _ledger(tmp_path)
    sandbox.set_faults({POST: {"script": [action]}})
    with client_of(sandbox) as client:
        first = _run(client, ledger, _entries()[:1], "run-1")
        second = _run(client, ledger, _entries()[:1], "run-2")
    assert first.counts == {"unknown": 3} and second.counts == {"unknown": 3}
    assert sandbox.counters()["requests"][POST] == 1 and _uploads(sandbox) == uploads
    reasons = {u.reason for u in unknown_clip_posts(ledger.state())}
    assert reasons == {"no_answer"}


def test_refusals_fail_per_platform_and_an_unreachable_server_defers(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    ledger = _ledger(tmp_path)
    sandbox.set_faults({POST: {"error_500": 1.0}})
    with client_of(sandbox) as client:
        failed = _run(client, ledger, _entries()[1:], "run-1")
    assert failed.counts == {"failed": 2} and sandbox.counters()["requests"][POST] == 3
    assert _uploads(sandbox) == 0
    events = [e for e in ledger.events() if e["type"] == "post.outcome"]
    assert len(events) == 6 and {e["error_code"] for e in events} == {"upstream_error"}
    assert {p.attempts for p in ledger.state().posts.values()} == {3}
    # The clip server gone: the preflight holds every clip post back and nothing is written.
    other = _ledger(tmp_path / "other")
    dead = ClipSettings(base_url="http://127.0.0.1:9", api_key=Secret(KEY), attempts=1)
    with ClipClient(dead, sleep=lambda s: None) as client:
        held = _run(client, other, _entries(), "run-2")
    assert held.counts == {"held": 5} and held.problems and other.events() == []


def test_held_back_by_the_preflight_and_not_sent(tmp_path: Path, sandbox: SandboxHandle) -> None:
    ledger = _ledger(tmp_path)
    entries = [
        entry(id="bad-index", index=9),
        entry(id="brand", account="mybrand", platforms=("instagram", "youtube")),
    ]
    with client_of(sandbox) as client:
        result = _run(client, ledger, entries, "run-1")
    # brand's instagram is connected and goes out; its youtube is held back.
    assert result.counts == {"held": 4, "submitted": 1}
    assert sorted(f.split(":")[0] for f in result.failures) == [
        "bad-index/instagram",
        "bad-index/tiktok",
        "bad-index/youtube",
        "brand/youtube",
    ]
    assert [u["platforms"] for u in sandbox.clip_posts()] == [["instagram"]]
    assert "E507" in next(f for f in result.failures if f.startswith("brand/youtube"))


def test_a_post_whose_time_has_come_goes_out_now_and_a_missed_one_is_not_sent(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    ledger = _ledger(tmp_path)
    soon = entry(id="now", at=START + timedelta(seconds=30), platforms=("tiktok",))
    late = entry(id="late", at=START - timedelta(hours=1), platforms=("tiktok",))
    with client_of(sandbox) as client:
        result = _run(client, ledger, [soon, late], "run-1")
    assert result.counts == {"submitted": 1, "failed": 1}
    (upload,) = sandbox.clip_posts()
    assert upload["scheduled_date"] is None and upload["timezone"] is None
    missed = ledger.state().posts["late/tiktok"]  # reported once, then left alone
    assert (missed.status, missed.last_error) == (
        "failed",
        "missed: its time passed before it could be sent",
    )


def test_a_job_not_finished_is_not_sent_and_the_key_is_needed(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    ledger = _ledger(tmp_path)
    posts = planned_posts([entry(platforms=("tiktok",))], {})
    busy = ClipJob("j", "processing", ())
    with client_of(sandbox) as client, ledger.lock("test"):
        outcomes = send_clip_post(client, ledger, "r", posts, busy, START)
    assert {o.error_code for o in outcomes.values()} == {"not_sent"}
    with client_of(sandbox, key=None) as client, ledger.lock("test"):
        outcomes = send_clip_post(client, ledger, "r", posts, None, START)
    assert "UPLOAD_POST_API_KEY" in next(iter(outcomes.values())).error_message  # type: ignore[operator]
    assert ledger.events() == [] and _uploads(sandbox) == 0
