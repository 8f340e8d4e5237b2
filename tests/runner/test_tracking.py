"""Tracking against the sandbox: scheduled posts reach their final state in the ledger through
pages of GET /posts, at a cost of a few reads however many posts there are."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pipeline.api import PostPage
from pipeline.ledger.events import PostCancelOutcome, PostStatusSeen
from pipeline.model import POST_STATUSES, LedgerPost
from pipeline.runner.tracking import Observation, ScanMemo, TrackReport, is_news, track
from tests.runner.conftest import TEXT_NETWORKS, Env

HOUR = timedelta(hours=1)


def _pass(env: Env, **kwargs: Any) -> TrackReport:
    return track(env.client, env.ledger, now=env.now(), **kwargs)


def test_scheduled_posts_reach_their_final_state_through_polling(env: Env) -> None:
    start = env.now()
    ok = env.schedule("x", "Launch day", start + HOUR)
    refused = env.schedule("linkedin", "Refused #sandbox-fail", start + HOUR)
    unconfirmed = env.schedule("threads", "Never confirmed #sandbox-timeout", start + HOUR)
    later = env.schedule("facebook", "Next week", start + 3 * HOUR)
    dropped = env.schedule("x", "Cancelled on the dashboard", start + 2 * HOUR)
    env.client.cancel_post(env.keys[dropped])  # someone else cancels it: the ledger still waits

    first = _pass(env)
    assert [(c.identity, c.new) for c in first.changes] == [(dropped, "cancelled")]
    assert first.reads == 1  # nothing is due yet: only the ended scheduled posts were listed

    env.advance(HOUR + timedelta(minutes=1))
    second = _pass(env)
    changed = {c.identity: c.new for c in second.changes}
    assert changed == {ok: "published", refused: "failed", unconfirmed: "processing"}
    state = env.ledger.state()
    published = state.posts[ok]
    assert published.permalink and published.platform_post_id
    assert state.details[ok].history_post_id  # what its figures are read with
    assert "refused" in (state.posts[refused].last_error or "")
    assert state.posts[later].status == "scheduled"

    env.advance(timedelta(minutes=5))  # the threads post settles as timeout
    third = _pass(env)
    assert third.timeouts == (unconfirmed,)
    assert env.status(unconfirmed) == "processing"  # reported, not failed, never resent
    assert third.late == ()

    with open(env.ledger.results_path, newline="", encoding="utf-8") as handle:
        rows = {row["identity"]: row for row in csv.DictReader(handle)}
    assert rows[ok]["status"] == "published" and rows[ok]["permalink"]
    assert rows[dropped]["status"] == "cancelled"


def test_a_post_past_its_time_is_reported_late_once_the_grace_is_over(env: Env) -> None:
    start = env.now()
    # The service has it for +3 h, the ledger believes +1 h: at +1 h 30 it has not gone out.
    late = env.schedule("x", "Delayed", start + 3 * HOUR, ledger_time=start + HOUR)
    env.advance(HOUR + timedelta(minutes=10))
    within_grace = _pass(env, late_grace=timedelta(minutes=15))
    assert within_grace.late == ()
    env.advance(timedelta(minutes=20))
    report = _pass(env, late_grace=timedelta(minutes=15))
    assert [p.identity for p in report.late] == [late]
    assert timedelta(minutes=29) < report.late[0].late_by < timedelta(minutes=32)
    assert env.status(late) == "scheduled" and report.complete


def test_what_the_memo_learned_saves_reads_in_later_passes(env: Env) -> None:
    memo = ScanMemo()
    start = env.now()
    unconfirmed = env.schedule("threads", "Never confirmed #sandbox-timeout", start + HOUR)
    # The service has this one for +3 h; the ledger believes +1 h (as for a queued post).
    moved = env.schedule("x", "Moved by the service", start + 3 * HOUR, ledger_time=start + HOUR)
    env.advance(HOUR + timedelta(minutes=20))
    first = _pass(env, memo=memo)
    assert [p.identity for p in first.late] == [moved]
    assert moved in memo.service_due  # looked up once: the service's own time is known
    env.advance(timedelta(minutes=1))  # the threads post settles as timeout
    assert _pass(env, memo=memo).timeouts == (unconfirmed,)
    quiet = _pass(env, memo=memo)
    # Neither is searched in History again: one page of ended scheduled posts, nothing else.
    assert quiet.reads == 1 and quiet.changes == ()
    env.advance(2 * HOUR)
    final = _pass(env, memo=memo)
    assert [(c.identity, c.new) for c in final.changes] == [(moved, "published")]
    assert env.status(unconfirmed) == "processing"


def test_many_posts_cost_a_few_pages_and_the_pass_stops_when_all_are_found(env: Env) -> None:
    start = env.now()
    identities = [
        env.schedule(TEXT_NETWORKS[n % 4], f"Post {n}", start + HOUR + timedelta(minutes=n % 7))
        for n in range(130)
    ]
    before = env.handle.counters()["requests"].get("GET /api/v2/posts", 0)
    assert _pass(env).reads == 1  # not due: one page of ended scheduled posts (none)

    env.advance(2 * HOUR)
    report = _pass(env)
    assert len(report.changes) == 130 and report.complete
    assert report.reads == 2  # 130 posts in History: two pages of 100, nothing else
    assert {env.status(i) for i in identities} == {"published"}
    assert _pass(env).reads == 0  # nothing left to track
    after = env.handle.counters()["requests"]["GET /api/v2/posts"]
    assert after - before == 3  # the sandbox counted the same reads


def test_a_pass_bounded_by_max_reads_is_partial_and_the_next_one_finishes(env: Env) -> None:
    start = env.now()
    identities = [env.schedule(TEXT_NETWORKS[n % 4], f"P{n}", start + HOUR) for n in range(110)]
    env.advance(2 * HOUR)
    memo = ScanMemo()
    partial = _pass(env, max_reads=1, memo=memo)
    assert not partial.complete and partial.reads == 1 and len(partial.changes) == 100
    assert partial.late == ()  # an incomplete scan proves nothing about lateness
    rest = _pass(env, max_reads=1, memo=memo)  # goes on from where the first one stopped
    assert len(rest.changes) == 10 and rest.reads == 1
    assert {env.status(i) for i in identities} == {"published"}
    assert memo.cursors == {}


def test_a_finished_post_is_never_moved_back(env: Env) -> None:
    start = env.now()
    identity = env.schedule("x", "Goes out", start + HOUR)
    # The ledger learned (somehow) that it failed; the service will publish it.
    env.ledger.append(
        PostStatusSeen(run="test", identity=identity, status="failed", origin="webhook")
    )
    env.advance(2 * HOUR)
    events_before = env.ledger.events_path.read_bytes()
    report = _pass(env)
    assert report.changes == () and report.pending == 0
    assert env.status(identity) == "failed"
    assert env.ledger.events_path.read_bytes() == events_before


def test_a_post_replaced_meanwhile_gets_no_news_of_its_old_self(env: Env) -> None:
    """The state is re-read under the write guard: ids of a cancelled generation map to
    nothing, so their news is dropped."""
    start = env.now()
    identity = env.schedule("x", "Old version", start + HOUR)
    env.advance(2 * HOUR)  # the old version goes out at the service

    class Replacing:
        """A client that lets the 'publisher' replace the post between the read and the append:
        cancel the old version, then send the new one (generation 1, no answer yet)."""

        def __init__(self) -> None:
            self.inner = env.client

        def list_posts(self, **kwargs: Any) -> PostPage:
            page = self.inner.list_posts(**kwargs)
            env.ledger.append_many(
                [
                    PostCancelOutcome(
                        run="pub",
                        identity=identity,
                        scheduled_post_id=env.keys[identity],
                        reason="replace",
                        result="cancelled",
                    ),
                    replace(
                        env._intent(identity, "x", "key-generation-1", start + 3 * HOUR),
                        generation=1,
                    ),
                ]
            )
            return page

    report = track(Replacing(), env.ledger, now=env.now())  # type: ignore[arg-type]
    assert report.changes == ()
    assert env.status(identity) == "unknown"  # the new version's request, not the old news
    assert env.ledger.state().identity_for(env.keys[identity]) is None


_STATUSES = st.sampled_from(POST_STATUSES)
_T = datetime(2026, 10, 1, tzinfo=UTC)


@given(
    old=_STATUSES,
    new=st.sampled_from(("scheduled", "processing", "published", "failed", "cancelled")),
    has_ids=st.booleans(),
)
def test_tracking_news_never_moves_a_post_backwards(old: str, new: str, has_ids: bool) -> None:
    post = LedgerPost(
        identity="p",
        entry_id="p",
        source="c.yaml:1",
        platform="x",
        account="@demo",
        scheduled_for=_T,
        status=old,  # type: ignore[arg-type]
        fingerprint="f",
        scheduled_post_id="sp",
    )
    seen = Observation(status=new, post_id="h" if has_ids else None)
    news = is_news(post, None, seen)
    rank = {"unknown": 0, "deferred": 0, "scheduled": 1, "queued": 1, "processing": 2}
    if old in ("published", "failed", "cancelled"):
        assert not news
    elif news:
        assert rank.get(new, 3) >= rank[old]
    if new in ("published", "failed", "cancelled") and old not in (
        "published",
        "failed",
        "cancelled",
    ):
        assert news  # a final state always lands on a post that has not finished
