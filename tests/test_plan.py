"""The planner: identity, fingerprints, the diff against the ledger, the cap, the forecast."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.calendar import load_calendars
from pipeline.calendar.schema import SchemaContext
from pipeline.model import Entry, LedgerPost, identity
from pipeline.plan.diff import PlanOptions, make_plan, planned_posts
from tests.helpers import NOW


def entries(tmp_path: Path, body: str) -> list[Entry]:
    (tmp_path / "cal.yaml").write_text(
        "defaults: {timezone: UTC, account: '@brand'}\nposts:\n" + body, encoding="utf-8"
    )
    loaded = load_calendars([str(tmp_path)], SchemaContext(str(tmp_path)))
    assert not [d for d in loaded.diagnostics if d.is_error], loaded.diagnostics
    return loaded.entries


TWO = """
  - {id: a, at: 2026-12-01 09:00, platforms: [x, linkedin], text: hello}
  - {at: 2026-12-01 10:00, platform: threads, text: no id}
"""


def recorded(post, status: str, **changes) -> LedgerPost:
    base = LedgerPost(
        identity=post.identity,
        entry_id=post.entry.id,
        source=str(post.source),
        platform=post.platform,
        account=post.account,
        scheduled_for=post.scheduled_for,
        status=status,  # type: ignore[arg-type]
        fingerprint=post.fingerprint,
        post_id="00000000-0000-0000-0000-000000000001",
    )
    return dataclasses.replace(base, **changes)


def test_one_planned_post_per_platform_with_stable_identity(tmp_path: Path) -> None:
    posts = planned_posts(entries(tmp_path, TWO), {})
    # Time order first, identity breaking ties.
    assert [p.identity for p in posts] == [
        "a/linkedin",
        "a/x",
        "@brand/threads/2026-12-01T10:00:00Z",
    ]
    again = planned_posts(entries(tmp_path, TWO), {})
    assert [p.fingerprint for p in posts] == [p.fingerprint for p in again]


def test_fingerprint_changes_with_content_time_and_media_bytes(tmp_path: Path) -> None:
    base = planned_posts(entries(tmp_path, TWO), {})
    edited = planned_posts(entries(tmp_path, TWO.replace("hello", "hello!")), {})
    moved = planned_posts(entries(tmp_path, TWO.replace("09:00", "09:30")), {})
    by_id = lambda ps: {p.identity: p.fingerprint for p in ps}  # noqa: E731
    assert by_id(base)["a/x"] != by_id(edited)["a/x"]
    assert by_id(base)["a/x"] != by_id(moved)["a/x"]
    with_media = "  - {id: m, at: 2026-12-01 09:00, platform: x, text: t, media: [pic.jpg]}\n"
    one = planned_posts(entries(tmp_path, with_media), {str(tmp_path / "pic.jpg"): "aaa"})
    two = planned_posts(entries(tmp_path, with_media), {str(tmp_path / "pic.jpg"): "bbb"})
    assert one[0].fingerprint != two[0].fingerprint


def test_empty_ledger_creates_everything(tmp_path: Path) -> None:
    plan = make_plan(planned_posts(entries(tmp_path, TWO), {}), {}, PlanOptions(now=NOW))
    assert [s.action for s in plan.steps] == ["create"] * 3
    assert plan.counts == {"create": 3}


def test_diff_against_the_ledger(tmp_path: Path) -> None:
    posts = planned_posts(entries(tmp_path, TWO), {})
    by = {p.identity: p for p in posts}
    ledger = {
        "a/x": recorded(by["a/x"], "scheduled"),
        "a/linkedin": recorded(by["a/linkedin"], "scheduled", fingerprint="old"),
        by[next(i for i in by if i.startswith("@brand"))].identity: recorded(
            by[next(i for i in by if i.startswith("@brand"))], "published", fingerprint="old"
        ),
    }
    gone = recorded(by["a/x"], "scheduled", identity="removed/x")
    ledger["removed/x"] = gone
    plan = make_plan(posts, ledger, PlanOptions(now=NOW))
    actions = {s.identity: s.action for s in plan.steps}
    assert actions == {
        "a/x": "unchanged",
        "a/linkedin": "replace",
        "@brand/threads/2026-12-01T10:00:00Z": "locked",
        "removed/x": "orphan",
    }
    pruned = make_plan(posts, ledger, PlanOptions(now=NOW, prune=True))
    assert {s.identity: s.action for s in pruned.steps}["removed/x"] == "cancel"
    protected = make_plan(posts, ledger, PlanOptions(now=NOW, prune=True), frozenset({"removed/x"}))
    assert "removed/x" not in {s.identity for s in protected.steps}


def test_unknown_is_reconciled_failed_needs_a_change_or_a_flag(tmp_path: Path) -> None:
    posts = planned_posts(entries(tmp_path, TWO), {})
    by = {p.identity: p for p in posts}
    ledger = {
        "a/x": recorded(by["a/x"], "unknown"),
        "a/linkedin": recorded(by["a/linkedin"], "failed", last_error="x_rejected"),
    }
    plan = make_plan(posts, ledger, PlanOptions(now=NOW))
    actions = {s.identity: s.action for s in plan.steps}
    assert actions["a/x"] == "reconcile"
    assert actions["a/linkedin"] == "failed"
    retry = make_plan(posts, ledger, PlanOptions(now=NOW, retry_failed=True))
    assert {s.identity: s.action for s in retry.steps}["a/linkedin"] == "create"
    ledger["a/linkedin"] = recorded(by["a/linkedin"], "failed", fingerprint="older")
    changed = make_plan(posts, ledger, PlanOptions(now=NOW))
    assert {s.identity: s.action for s in changed.steps}["a/linkedin"] == "create"


def test_creates_beyond_the_waiting_cap_are_deferred_latest_first(tmp_path: Path) -> None:
    body = "".join(
        f"  - {{id: p{i}, at: '2026-12-{1 + i // 20:02d} {i % 20:02d}:00', platform: x, text: t}}\n"
        for i in range(30)
    )
    posts = planned_posts(entries(tmp_path, body), {})
    waiting = {
        f"w{i}": LedgerPost(
            f"w{i}", None, "f:1", "x", "@b", NOW + timedelta(days=3), "scheduled", "f"
        )
        for i in range(490)
    }
    plan = make_plan(posts, waiting, PlanOptions(now=NOW))
    creates = [s.identity for s in plan.steps if s.action == "create"]
    deferred = [s.identity for s in plan.steps if s.action == "defer"]
    assert creates == [f"p{i}" + "/x" for i in range(10)]
    assert deferred == [f"p{i}" + "/x" for i in range(10, 30)]


def test_forecast_lanes_media_and_late_posts(tmp_path: Path) -> None:
    body = "".join(
        f"  - {{id: p{i}, at: '2026-11-28 12:0{2 + i}', platforms: [x, linkedin], text: t, media: [m{i % 2}.jpg]}}\n"
        for i in range(4)
    )
    posts = planned_posts(entries(tmp_path, body), {})
    plan = make_plan(posts, {}, PlanOptions(now=NOW, post_interval=20, media_interval=20))
    fc = plan.forecast
    assert fc.media_imports == 2
    assert fc.busiest_count == 4
    # Two media imports at 0 s and 20 s; each lane sends at 0, 20, 40, 60 s.
    offsets = sorted({s.submit_at.total_seconds() for s in plan.steps if s.submit_at is not None})
    assert offsets == [0, 20, 40, 60]
    assert fc.duration == timedelta(seconds=60)
    # p0 is due at 12:02 and must be sent before 12:01: on time. p3 is due 12:05, sent at 12:01.
    assert not any(s.late for s in plan.steps)
    # 90 s apart: p2 goes at 12:03:00, p3 at 12:04:30 - not more than 60 s before their times.
    slow = make_plan(posts, {}, PlanOptions(now=NOW, post_interval=90, media_interval=90))
    late = sorted({s.identity.split("/")[0] for s in slow.steps if s.late})
    assert late == ["p2", "p3"]
    imported = make_plan(
        posts,
        {},
        PlanOptions(
            now=NOW, imported_media=frozenset(str(tmp_path / f"m{i}.jpg") for i in range(2))
        ),
    )
    assert imported.forecast.media_imports == 0


def test_identity_without_id_uses_account_platform_time(tmp_path: Path) -> None:
    (entry,) = entries(tmp_path, "  - {at: 2026-12-01 09:00, platform: x, text: t}\n")
    assert identity(entry, "x") == "@brand/x/2026-12-01T09:00:00Z"
    assert entry.at_utc == datetime(2026, 12, 1, 9, tzinfo=UTC)
