"""The service's throttles: 20 s per account and network (scheduling requests count), one media
import per 20 s, 60 reads a minute and 10 posting-options reads on top; all scaled."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta

from tests.sandbox.conftest import api, text_post
from tests.sandbox_handle import SandboxHandle, running_sandbox

TWO_ACCOUNTS = """
accounts:
  - name: first
    keys: [rl_first]
    profiles: [{name: one, networks: all}, {name: two, networks: all}]
  - name: second
    keys: [rl_second]
    profiles: [{name: other, networks: all}]
"""


def _later(hours: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def test_post_throttle_is_per_account_and_network(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        assert client.post("/posts", json=text_post("x")).status_code == 200
        refused = client.post("/posts", json=text_post("x", "again"))
        other_network = client.post("/posts", json=text_post("linkedin"))
        sandbox.advance(20)
        after = client.post("/posts", json=text_post("x", "after the wait"))
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= error["retry_after_seconds"] <= 20
    assert refused.headers["retry-after"] == str(error["retry_after_seconds"])
    assert other_network.status_code == 200
    assert after.status_code == 200


def test_scheduling_requests_count_and_profiles_share_the_window() -> None:
    with (
        running_sandbox(TWO_ACCOUNTS) as sandbox,
        api(sandbox, "rl_first") as first,
        api(sandbox, "rl_second") as second,
    ):
        body = {
            "post": {
                "accountId": "@one",
                "platform": "threads",
                "scheduledFor": _later(),
                "content": {"text": "later"},
            }
        }
        assert first.post("/posts", json=body).status_code == 202
        now = {"post": {"accountId": "@two", "platform": "threads", "content": {"text": "now"}}}
        other_profile = first.post("/posts", json=now)
        other_account = second.post(
            "/posts",
            json={
                "post": {"accountId": "@other", "platform": "threads", "content": {"text": "mine"}}
            },
        )
    assert other_profile.status_code == 429  # account x network, not profile
    assert other_account.status_code == 200


def test_time_scale_shrinks_the_window_and_retry_after() -> None:
    with running_sandbox(time_scale=0.5) as sandbox, api(sandbox) as client:
        client.post("/posts", json=text_post("x"))
        refused = client.post("/posts", json=text_post("x", "again"))
        sandbox.advance(10)
        after = client.post("/posts", json=text_post("x", "after ten seconds"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 10
    assert after.status_code == 200


def test_refusals_before_the_engine_do_not_start_the_window(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        bad = client.post("/posts", json=text_post("x", scheduledFor="2026-10-01T09:00:00"))
        assert bad.status_code == 400
        assert client.post("/posts", json=text_post("x")).status_code == 200


def test_media_throttle_one_import_per_20_seconds(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        first = client.post("/media", json={"url": "https://example.com/a.jpg"})
        second = client.post("/media", json={"url": "https://example.com/b.jpg"})
        status = client.get("/media", params={"file_id": first.json()["file_id"]})
        sandbox.advance(20)
        third = client.post("/media", json={"url": "https://example.com/c.jpg"})
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json()["code"] == "rate_limited" and isinstance(second.json()["error"], str)
    assert second.headers["retry-after"] == str(second.json()["retry_after_seconds"])
    assert status.status_code == 200  # following an import is not throttled
    assert third.status_code == 200


def test_options_reads_count_among_the_sixty(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        profile = client.get("/accounts").json()["data"][0]["profile_id"]
        options = [client.get(f"/accounts/{profile}/options").status_code for _ in range(11)]
        reads = [client.get("/posts").status_code for _ in range(49)]
        sixty_first = client.get("/posts")
        sandbox.advance(60)
        after = client.get("/posts")
    assert options == [200] * 10 + [429]  # the refused options read is not one of the 60
    assert reads == [200] * 49  # 1 + 10 options + 49 = 60
    assert sixty_first.status_code == 429
    assert after.status_code == 200


def test_the_sixty_first_read_is_refused_with_the_limit(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        codes = [client.get("/accounts").status_code for _ in range(61)]
        refused = client.get("/posts")
    assert codes[:60] == [200] * 60 and codes[60] == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and error["limit"] == 60
    assert refused.headers["cache-control"] == "private, no-store"
    assert int(refused.headers["retry-after"]) >= 1


def test_options_limit_names_ten(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        profile = client.get("/accounts").json()["data"][0]["profile_id"]
        for _ in range(10):
            client.get(f"/accounts/{profile}/options")
        refused = client.get(f"/accounts/{profile}/options")
        still_reads = client.get("/posts")
    assert refused.status_code == 429 and refused.json()["error"]["limit"] == 10
    assert still_reads.status_code == 200


def test_older_address_throttles_before_reading_the_profile(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client, api(sandbox, older=True) as older:
        assert client.post("/posts", json=text_post("x")).status_code == 200
        unknown = {"post": {"accountId": "@nobody", "platform": "x", "content": {"text": "hi"}}}
        on_older = older.post("/api-posts", json=unknown)
        on_v2 = client.post("/posts", json=unknown)
    assert on_older.status_code == 429
    assert on_v2.status_code == 403 and on_v2.json()["error"]["code"] == "account_not_found"


def test_a_scheduled_post_going_out_does_not_throttle_the_next_request(
    sandbox: SandboxHandle,
) -> None:
    with api(sandbox) as client:
        body = text_post("linkedin", "at ten past")
        body["post"]["scheduledFor"] = _later(1)
        assert client.post("/posts", json=body).status_code == 202
        sandbox.advance(3600 + 1)
        assert client.get("/posts").json()["data"][0]["kind"] == "post"
        right_after = client.post("/posts", json=text_post("linkedin", "now"))
    assert right_after.status_code == 200


def test_a_scaled_window_passes_in_real_time() -> None:
    # Waiting longer than the scaled window (0.2 s) is always enough: no timing bound is asserted.
    with running_sandbox(time_scale=0.01) as sandbox, api(sandbox) as client:
        client.post("/posts", json=text_post("x"))
        refused = client.post("/posts", json=text_post("x", "too soon"))
        threading.Event().wait(0.3)
        after = client.post("/posts", json=text_post("x", "after the scaled window"))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert after.status_code == 200


def _throttles(stamp: str, import_latency: float = 0.0) -> str:
    return f"""
accounts:
  - name: demo
    keys: [rl_sandbox_demo]
    plan: {{tier: skilled, allowance: unlimited, x_addon: true}}
    profiles: [{{name: demo, networks: all}}]
throttles: {{stamp: {stamp}, import_latency: {import_latency}, exact_waits: true}}
"""


def _second_post_wait(stamp: str) -> float:
    """retry_after_seconds of a post sent right after one that took 1 s (added latency)."""
    with running_sandbox(_throttles(stamp)) as sandbox, api(sandbox) as client:
        sandbox.set_faults({"POST /api/v2/posts": {"latency": 1.0}})
        assert client.post("/posts", json=text_post("x")).status_code == 200
        sandbox.clear_faults()
        refused = client.post("/posts", json=text_post("x", "again"))
        assert refused.status_code == 429
        assert sandbox.counters()["throttled"] == {"demo": {"x": 1}}
        assert refused.headers["retry-after"] == str(
            math.ceil(refused.json()["error"]["retry_after_seconds"])
        )
        return float(refused.json()["error"]["retry_after_seconds"])


def test_stamped_on_arrival_a_post_counts_from_before_its_latency() -> None:
    # The first post arrived at least its 1-s latency before the second: at most 19 s are left.
    assert _second_post_wait("arrival") <= 19.0


def test_stamped_before_answering_a_post_counts_from_after_its_latency() -> None:
    # Counted when it answered, just before the second arrived: nearly all 20 s are left.
    assert _second_post_wait("answer") > 19.0


def _second_import_wait(stamp: str) -> float:
    """retry_after_seconds of an import sent right after one that took 1 s to answer."""
    with running_sandbox(_throttles(stamp, import_latency=1.0)) as sandbox, api(sandbox) as client:
        first = client.post("/media", json={"url": "https://example.com/a.jpg"})
        second = client.post("/media", json={"url": "https://example.com/b.jpg"})
        assert first.status_code == 200 and second.status_code == 429
        assert sandbox.counters()["throttled"] == {"demo": {"media": 1}}
        assert sandbox.counters()["media_imports"] == {"demo": 1}
        return float(second.json()["retry_after_seconds"])


def test_stamped_on_arrival_an_import_counts_from_its_start() -> None:
    assert _second_import_wait("arrival") <= 19.0


def test_stamped_before_answering_an_import_counts_from_its_answer() -> None:
    assert _second_import_wait("answer") > 19.0


def test_exact_waits_are_milliseconds_and_the_header_stays_whole() -> None:
    with running_sandbox(_throttles("answer")) as sandbox, api(sandbox) as client:
        client.post("/posts", json=text_post("x"))
        refused = client.post("/posts", json=text_post("x", "again"))
    wait = refused.json()["error"]["retry_after_seconds"]
    assert round(wait, 3) == wait and 19 < wait <= 20
    assert refused.headers["retry-after"] == str(math.ceil(wait))
