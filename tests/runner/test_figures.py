"""Figures: the thinning schedule (pure, property-tested) and readings from the sandbox into the
ledger and engagement.csv, where a metric not reported stays an empty cell."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ledger.schema import METRICS
from pipeline.runner.figures import DEFAULT_SCHEDULE, due_since, metrics_of, poll_figures
from tests.runner.conftest import Env

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@given(
    gaps=st.lists(st.floats(min_value=60.0, max_value=5 * 86400.0, allow_nan=False), max_size=200)
)
def test_a_poller_checking_at_any_times_reads_each_post_at_most_once_per_step(
    gaps: list[float],
) -> None:
    """Whenever the runner happens to look (every few minutes or once a week), a post is read
    at most once per schedule step, never before its first hour, and never after 30 days have
    been covered."""
    now, last = T0, None
    polls: list[datetime] = []
    for gap in gaps:
        now += timedelta(seconds=gap)
        if due_since(T0, last, now) is not None:
            polls.append(now)
            last = now
    assert len(polls) <= len(DEFAULT_SCHEDULE)
    assert all(p - T0 >= DEFAULT_SCHEDULE[0] for p in polls)
    steps = [max(a for a in DEFAULT_SCHEDULE if a <= p - T0) for p in polls]
    assert steps == sorted(set(steps))  # one reading per step reached, in order


@settings(max_examples=25, deadline=None)
@given(every=st.floats(min_value=600.0, max_value=3600.0))
def test_a_poller_checking_often_reads_at_every_step(every: float) -> None:
    now, last = T0, None
    polls = []
    while now < T0 + timedelta(days=40):
        now += timedelta(seconds=every)
        if due_since(T0, last, now) is not None:
            polls.append(now - T0)
            last = now
    assert len(polls) == len(DEFAULT_SCHEDULE)
    for age, step in zip(polls, DEFAULT_SCHEDULE, strict=True):
        assert step <= age <= step + timedelta(seconds=every)


@given(
    st.dictionaries(
        st.sampled_from((*METRICS, "engagement", "other")),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3)),
    )
)
def test_metrics_are_numbers_or_none_never_invented_zeros(values: dict[str, object]) -> None:
    metrics = metrics_of({"metrics": values, "not_reported": ["clicks"]})
    assert set(metrics) == set(METRICS)
    assert metrics["clicks"] is None
    for name, value in metrics.items():
        original = values.get(name)
        if value is None:
            continue
        assert value == original and not isinstance(original, bool)


def _engagement(env: Env) -> list[dict[str, str]]:
    with open(env.ledger.engagement_path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_figures_history_grows_on_schedule_and_nulls_stay_empty(env: Env) -> None:
    posts = [env.publish_now(p, f"Hello {p}") for p in ("x", "linkedin", "threads")]
    assert poll_figures(env.client, env.ledger, now=env.now()).due == 0  # not an hour old

    env.advance(HOUR + timedelta(minutes=1))
    first = poll_figures(env.client, env.ledger, now=env.now())
    assert first.reads == 3 and {r.identity for r in first.readings} == set(posts)
    assert poll_figures(env.client, env.ledger, now=env.now()).due == 0  # read for this step

    env.advance(5 * HOUR)
    second = poll_figures(env.client, env.ledger, now=env.now())
    assert second.reads == 3

    rows = _engagement(env)
    assert len(rows) == 6
    x_rows = [r for r in rows if r["platform"] == "x"]
    # X reports no saves, reach or watch time in the sandbox: empty cells, not zeros.
    assert all(
        r["saves"] == "" and r["reach"] == "" and r["watch_time_seconds"] == "" for r in x_rows
    )
    assert all(r["views"] != "" for r in x_rows)
    assert int(x_rows[1]["views"]) >= int(x_rows[0]["views"])
    state = env.ledger.state()
    assert all(len(state.figures[p]) == 2 for p in posts)
    assert all(
        row.post_id == state.details[p].history_post_id for p in posts for row in state.figures[p]
    )


def test_each_pass_reads_at_most_max_reads_most_overdue_first(env: Env) -> None:
    posts = [env.publish_now(p, f"Bounded {p}") for p in ("x", "linkedin", "threads")]
    env.advance(HOUR + timedelta(minutes=1))
    bounded = poll_figures(env.client, env.ledger, now=env.now(), max_reads=2)
    assert bounded.reads == 2 and bounded.left == 1
    assert [r.identity for r in bounded.readings] == posts[:2]  # published first, due first
    rest = poll_figures(env.client, env.ledger, now=env.now(), max_reads=2)
    assert [r.identity for r in rest.readings] == posts[2:] and rest.left == 0


def test_a_post_not_published_is_not_read(env: Env) -> None:
    start = env.now()
    env.schedule("x", "Waiting", start + 3 * HOUR)
    env.advance(2 * HOUR)
    report = poll_figures(env.client, env.ledger, now=env.now())
    assert report.due == 0 and report.reads == 0
