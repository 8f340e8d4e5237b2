"""The read budget: at most `limit` reads start in any stretched window, on a fake clock."""

from __future__ import annotations

import threading
from bisect import bisect_left

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.api import RateLimited, ReadLimiter
from pipeline.api.limiter import DEFAULT_SLACK
from tests.api.conftest import V2, FakeTime, Script, error


def starts_within_window_at_most(times: list[float], limit: int, window: float) -> bool:
    ordered = sorted(times)
    return all(bisect_left(ordered, t + window) - i <= limit for i, t in enumerate(ordered))


def test_a_full_window_waits_until_the_oldest_read_leaves_it() -> None:
    t = FakeTime()
    limiter = ReadLimiter(60, 60.0, clock=t.clock, sleep=t.sleep)
    for _ in range(60):
        assert limiter.acquire() == 0.0
    assert t.sleeps == [] and limiter.available() == 0
    waited = limiter.acquire()
    assert waited == pytest.approx(60.0 * DEFAULT_SLACK)
    assert t.sleeps == [pytest.approx(60.0 * DEFAULT_SLACK)]


def test_slots_come_back_one_by_one_as_the_window_slides() -> None:
    t = FakeTime()
    limiter = ReadLimiter(3, 10.0, clock=t.clock, sleep=t.sleep, slack=1.0)
    limiter.acquire()
    t.now += 4
    limiter.acquire()
    limiter.acquire()
    t.now += 6  # the first read is now exactly one window old
    assert limiter.available() == 1
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(4.0)  # until the second read leaves the window


@given(
    limit=st.integers(1, 10),
    window=st.floats(0.1, 100.0),
    gaps=st.lists(st.floats(0.0, 30.0), min_size=1, max_size=60),
)
def test_no_window_ever_holds_more_than_the_limit(
    limit: int, window: float, gaps: list[float]
) -> None:
    t = FakeTime()
    limiter = ReadLimiter(limit, window, clock=t.clock, sleep=t.sleep)
    starts = []
    for gap in gaps:
        t.now += gap
        limiter.acquire()
        starts.append(t.now)
    assert starts_within_window_at_most(starts, limit, window * DEFAULT_SLACK * (1 - 1e-9))


def test_threads_sharing_a_limiter_never_exceed_it() -> None:
    t = FakeTime()
    limiter = ReadLimiter(5, 1.0, clock=t.clock, sleep=t.sleep, slack=1.0)
    starts: list[float] = []
    record = threading.Lock()

    def reader() -> None:
        for _ in range(20):
            limiter.acquire()
            with record:
                starts.append(t.now)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 80
    assert starts_within_window_at_most(starts, 5, 1.0 * (1 - 1e-9))


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        ReadLimiter(0, 60.0)
    with pytest.raises(ValueError):
        ReadLimiter(60, 0.0)


def accounts_server(t: FakeTime, per_minute: int = 60) -> Script:
    """GET /accounts that answers 429 like the API when more than `per_minute` reads arrive
    within any 60 seconds (of the fake clock)."""
    arrivals: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        arrivals.append(t.now)
        if sum(1 for a in arrivals if t.now - a < 60.0) > per_minute:
            return error(429, "rate_limited", "60 reads a minute", retry_after_seconds=60)
        return httpx.Response(200, json={"data": []})

    return Script().on("GET", f"{V2}/accounts", answer)


def test_a_long_running_reader_never_provokes_a_read_429(fake_time, make_client) -> None:
    script = accounts_server(fake_time)
    client = make_client(script)
    for _ in range(200):
        client.list_accounts()
    assert len(script.requests) == 200  # no 429, so no resend
    assert len(fake_time.sleeps) >= 2  # the client, not the server, did the waiting


def test_a_read_429_that_happens_anyway_is_waited_out(fake_time, make_client) -> None:
    script = Script().on(
        "GET",
        f"{V2}/accounts",
        error(
            429, "rate_limited", "slow down", retry_after_seconds=17, headers={"Retry-After": "17"}
        ),
        httpx.Response(200, json={"data": []}),
    )
    make_client(script).list_accounts()
    assert fake_time.sleeps == [17.0]
    assert len(script.requests) == 2


def test_a_read_429_beyond_the_wait_cap_is_raised(fake_time, make_client) -> None:
    script = Script().on(
        "GET", f"{V2}/accounts", error(429, "rate_limited", retry_after_seconds=900)
    )
    with pytest.raises(RateLimited) as caught:
        make_client(script, max_total_wait=300.0).list_accounts()
    assert caught.value.retry_after_seconds == 900
    assert len(script.requests) == 1 and fake_time.sleeps == []


def test_options_take_from_both_budgets_and_media_status_from_none(fake_time, make_client) -> None:
    profile = "d4e5f6a7-b8c9-0123-def0-234567890123"
    options: dict[str, object] = {
        "profile_id": profile,
        "profile_name": "p",
        "networks": [],
        "note": None,
    }
    script = (
        Script()
        .on("GET", f"{V2}/accounts/{profile}/options", httpx.Response(200, json={"data": options}))
        .on(
            "GET",
            f"{V2}/media",
            httpx.Response(
                200, json={"success": False, "file_id": profile, "status": "processing"}
            ),
        )
    )
    client = make_client(script)
    for _ in range(10):
        client.posting_options(profile)
    assert fake_time.sleeps == []
    assert client.read_limiter.available() == 50 and client.options_limiter.available() == 0
    for _ in range(100):
        client.media_status(profile)
    assert fake_time.sleeps == []  # GET /media is neither throttled nor counted
    client.posting_options(profile)  # the 11th options read waits for the options window
    assert fake_time.sleeps == [pytest.approx(60.0 * DEFAULT_SLACK)]


def test_the_window_comes_from_settings(fake_time, make_client) -> None:
    script = Script().on("GET", f"{V2}/accounts", httpx.Response(200, json={"data": []}))
    client = make_client(script, read_window=0.6)  # a sandbox with a time scale of 100
    for _ in range(61):
        client.list_accounts()
    assert fake_time.sleeps == [pytest.approx(0.6 * DEFAULT_SLACK)]
