"""The runner in-process against the sandbox: its jobs drive the ledger, a job that raises does
not take it down, a calendar edit triggers one sync, its reads stay inside the API's budget, and
its webhook server applies signed events."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pipeline.ledger import LedgerError
from pipeline.runner.jobs import CalendarWatch, calendar_signature
from pipeline.runner.scheduler import Runner, RunnerConfig
from pipeline.runner.shared import GuardedLedger
from tests.runner.conftest import SECRET, TEXT_NETWORKS, Env, sign, wait_for
from tests.runner.test_webhooks import event

FAST = RunnerConfig(sync_every=0.2, track_every=0.1, figures_every=0.1, watch_every=0.05)


class Sync:
    """A stand-in for the publisher's sync pass: counts its calls, raises when told to."""

    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures
        self.lock = threading.Lock()

    def __call__(self) -> object:
        with self.lock:
            self.calls += 1
            call = self.calls
        if call <= self.failures:
            raise RuntimeError(f"the calendar does not validate (call {call})")
        return f"sync {call}: nothing to do"

    def count(self) -> int:
        with self.lock:
            return self.calls


@contextmanager
def running(
    env: Env, sync: Callable[[], object], config: RunnerConfig = FAST, **kw: object
) -> Iterator[Runner]:
    runner = Runner(
        ledger=env.ledger,
        client=env.client,
        sync=sync,
        config=config,
        clock=env.now,
        stop=env.stop,
        **kw,  # type: ignore[arg-type]
    )
    runner.start()
    try:
        yield runner
    finally:
        runner.shutdown()


def test_the_runner_tracks_posts_to_the_end_and_survives_a_failing_sync(env: Env) -> None:
    sync = Sync(failures=2)
    start = env.now()
    identities = [env.schedule(p, f"Runner {p}", start + timedelta(hours=1)) for p in TEXT_NETWORKS]
    with running(env, sync) as runner:
        wait_for(lambda: sync.count() >= 4, what="sync runs after two failures")
        env.advance(timedelta(hours=1, minutes=1))
        wait_for(
            lambda: {env.status(i) for i in identities} == {"published"},
            what="posts published through polling",
        )
    assert runner.counts["sync_errors"] == 2 and runner.counts["sync_runs"] >= 4
    events = env.ledger.events()
    assert events[-1]["type"] == "run.finished" and events[-1]["run"] == runner.run_id
    assert any(e["type"] == "run.started" and e["run"] == runner.run_id for e in events)
    assert "published" in env.ledger.results_path.read_text(encoding="utf-8")


def test_a_calendar_edit_triggers_one_sync_soon(env: Env, tmp_path: Path) -> None:
    calendar = tmp_path / "calendars" / "october.yaml"
    calendar.parent.mkdir()
    calendar.write_text("posts: []\n", encoding="utf-8")
    sync = Sync()
    config = RunnerConfig(
        calendar_paths=(calendar.parent,),
        sync_every=3600.0,  # only the start and the edit can cause a sync here
        track_every=3600.0,
        figures_every=3600.0,
        watch_every=0.05,
    )
    with running(env, sync, config):
        wait_for(lambda: sync.count() == 1, what="the first sync")
        calendar.write_text("posts: [{id: launch}]\n", encoding="utf-8")
        wait_for(lambda: sync.count() == 2, what="a sync after the edit")
        signature = calendar_signature(config.calendar_paths)
        # Several watch ticks later, still one sync for one edit.
        wait_for(lambda: calendar_signature(config.calendar_paths) == signature)
        threading.Event().wait(0.5)
        assert sync.count() == 2


def test_reads_stay_within_the_budget_while_figures_and_tracking_work(env: Env) -> None:
    """150 figures readings and the tracking pages, with the read window at 0.6 s: the sandbox,
    which answers 429 beyond 60 reads a (scaled) minute, never had to."""
    posts = [env.publish_now(TEXT_NETWORKS[n % 4], f"Budget {n}") for n in range(150)]
    start = env.now()
    waiting = [env.schedule(p, f"Later {p}", start + timedelta(hours=2)) for p in TEXT_NETWORKS]
    env.advance(timedelta(hours=1, minutes=1))
    reads_before = env.handle.counters()["requests"]
    config = RunnerConfig(
        sync_every=3600.0, track_every=0.05, figures_every=0.05, figures_max_reads=200
    )
    with running(env, Sync(), config):
        wait_for(lambda: len(env.ledger.state().figures) == len(posts), what="every post's figures")
        env.advance(timedelta(hours=1))
        wait_for(lambda: {env.status(i) for i in waiting} == {"published"})
    counters = env.handle.counters()
    reads = sum(
        counters["requests"].get(name, 0) - reads_before.get(name, 0)
        for name in ("GET /api/v2/posts", "GET /api/v2/posts/{id}")
    )
    assert reads > 150  # more than two windows' worth, so the budget was really tested
    assert counters["rate_limited_total"] == 0


def test_the_webhook_server_of_the_runner_applies_signed_events(env: Env) -> None:
    identity = env.schedule("x", "Webhook", env.now() + timedelta(hours=1))
    config = RunnerConfig(
        sync_every=3600.0, track_every=3600.0, figures_every=3600.0, webhook_port=0
    )
    with running(env, Sync(), config, webhook_secret=SECRET) as runner:
        assert runner.webhook_url is not None and runner.webhook_url.startswith("http://127.0.0.1:")
        body = event(scheduled_post_id=env.keys[identity], event_id="evt_runner")
        with httpx.Client() as http:
            assert http.post(runner.webhook_url, content=body).status_code == 401
            answer = http.post(
                runner.webhook_url, content=body, headers={"X-Webhook-Signature": sign(body)}
            )
        assert answer.status_code == 200
        assert env.status(identity) == "published"
    with pytest.raises(httpx.ConnectError):  # shut down with the runner
        httpx.post(runner.webhook_url, content=body, timeout=2.0)


def test_the_runner_needs_the_ledger_lock_and_a_secret_for_webhooks(
    env: Env, tmp_path: Path
) -> None:
    unlocked = GuardedLedger(tmp_path / "other")
    runner = Runner(ledger=unlocked, client=env.client, sync=Sync(), config=FAST)
    with pytest.raises(LedgerError):
        runner.start()
    runner.shutdown()  # a runner that never started stops quietly
    with pytest.raises(ValueError, match="STATUS200_WEBHOOK_SECRET"):
        Runner(
            ledger=env.ledger,
            client=env.client,
            sync=Sync(),
            config=RunnerConfig(webhook_port=0),
        )


def test_the_watch_says_changed_once_per_edit_once_it_has_settled(tmp_path: Path) -> None:
    calendar = tmp_path / "october.yaml"
    calendar.write_text("posts: []\n", encoding="utf-8")
    watch = CalendarWatch([tmp_path])
    assert not watch.changed()  # no sync has read the calendars yet
    watch.sync_starting()
    assert not watch.changed() and not watch.changed()
    calendar.write_text("posts: [{id: a}]\n", encoding="utf-8")
    assert not watch.changed()  # just saved: look once more before calling it settled
    assert watch.changed()
    assert not watch.changed()  # one edit, one sync
    (tmp_path / "notes.txt").write_text("not a calendar", encoding="utf-8")
    (tmp_path / ".draft.yaml").write_text("hidden", encoding="utf-8")
    assert not watch.changed() and not watch.changed()
    (tmp_path / "november.csv").write_text("id\n", encoding="utf-8")
    assert not watch.changed() and watch.changed()
