"""The calendar feed (`pipeline report --format ics`), parsed back with icalendar.

One event per planned or recorded post, a UID per identity that stays put across runs, times in
UTC, statuses from the plan and the ledger, the series, queue or pool a post came from, and
nothing secret. The golden file pins the bytes; after an intended change regenerate with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/report/test_ics.py

and review the diff of tests/golden/calendar.ics before committing it.
"""

from __future__ import annotations

import os
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from pipeline.cli import main
from pipeline.plan.diff import Plan, PlanOptions, Step, make_plan, planned_posts
from pipeline.report.ics import PLANNED, UID_DOMAIN, feed_events, render_ics, safe_url
from pipeline.report.origin import origin_of, origin_of_id
from tests.helpers import NOW, REPO
from tests.report import living
from tests.report.scenario import Scenario, build

GOLDEN = REPO / "tests" / "golden" / "calendar.ics"


def events(data: bytes) -> dict[str, Any]:
    """The feed's VEVENTs by UID (a duplicate UID fails here)."""
    found: dict[str, Any] = {}
    for event in Calendar.from_ical(data).walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"duplicate UID {uid}"
        found[uid] = event
    return found


def uid(identity: str) -> str:
    return f"{identity}@{UID_DOMAIN}"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build(tmp_path_factory.mktemp("scenario"))


def test_one_event_per_planned_or_recorded_post(scenario: Scenario) -> None:
    data = render_ics(feed_events(scenario.plan, scenario.state.posts), now=NOW)
    planned = {s.identity for s in scenario.plan.steps if s.action in PLANNED}
    recorded = {i for i, r in scenario.state.posts.items() if r.scheduled_for is not None}
    found = events(data)
    assert set(found) == {uid(i) for i in planned | recorded}
    assert planned and recorded - planned  # both kinds are there
    times = {s.identity: s.scheduled_for for s in scenario.plan.steps if s.action in PLANNED}
    times |= {i: r.scheduled_for for i, r in scenario.state.posts.items() if i not in planned}
    for identity, at in times.items():
        event = found[uid(identity)]
        assert event.decoded("DTSTART") == at
        assert event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DURATION") == timedelta(minutes=15)
        assert event.decoded("DTSTAMP") == NOW
        assert [str(c) for c in event["CATEGORIES"].cats] == [identity.split("/")[-1]]


def test_statuses_follow_the_ledger_and_the_plan(scenario: Scenario) -> None:
    found = events(render_ics(feed_events(scenario.plan, scenario.state.posts), now=NOW))
    status = {u.removesuffix(f"@{UID_DOMAIN}"): str(e["STATUS"]) for u, e in found.items()}
    assert status["winter-launch/x"] == "CONFIRMED"  # scheduled at the service
    assert status["autumn-sale/x"] == "CONFIRMED"  # published
    assert status["winter-launch/linkedin"] == "CANCELLED"  # failed: will not go out as is
    assert status["tips/linkedin"] == "TENTATIVE"  # planned, not sent
    description = str(found[uid("winter-launch/linkedin")]["DESCRIPTION"])
    assert "status: failed" in description
    published = found[uid("autumn-sale/x")]
    assert str(published["URL"]) == "https://x.example/acme/status/1"
    assert "permalink: https://x.example/acme/status/1" in str(published["DESCRIPTION"])
    assert "URL" not in found[uid("old-promo/threads")]  # a javascript: permalink
    assert "javascript" not in str(found[uid("old-promo/threads")]["DESCRIPTION"])


def test_summary_and_description_say_what_and_where(scenario: Scenario) -> None:
    found = events(render_ics(feed_events(scenario.plan, scenario.state.posts), now=NOW))
    event = found[uid("tips/linkedin")]
    assert str(event["SUMMARY"]) == "linkedin · @acme-eu: Tip #1: layer up"
    description = str(event["DESCRIPTION"]).splitlines()
    assert description[0] == "status: planned (to create)"
    assert "entry: tips on linkedin" in description
    assert any(
        line.startswith("source: ") and line.endswith("december.yaml:11") for line in description
    )


def test_the_uids_stay_put_across_runs_and_sends(scenario: Scenario) -> None:
    """Before anything is sent, after, and on a later day: the same posts, the same UIDs."""
    before = events(render_ics(feed_events(living.plan(), {}), now=NOW))
    records = living.ledger()
    after = events(
        render_ics(feed_events(living.plan(records), records), now=NOW + timedelta(days=1))
    )
    assert set(before) <= set(after)
    assert set(after) - set(before) == {
        uid(i) for i in records if i != "weekly-tip@2026-12-01/linkedin"
    }
    again = render_ics(feed_events(living.plan(records), records), now=NOW + timedelta(days=1))
    assert again == render_ics(
        feed_events(living.plan(records), records), now=NOW + timedelta(days=1)
    )


def test_series_queue_and_pool_posts_say_where_they_came_from() -> None:
    records = living.ledger()
    found = events(render_ics(feed_events(living.plan(records), records), now=NOW))
    description = {
        u.removesuffix(f"@{UID_DOMAIN}"): str(e["DESCRIPTION"]) for u, e in found.items()
    }
    assert (
        "from: series weekly-tip, occurrence 2026-12-01"
        in description["weekly-tip@2026-12-01/linkedin"]
    )
    assert "from: queue weekdays, slot 08:30 Europe/Berlin" in description["launch-teaser/x"]
    assert "from: pool tips, repeat 3 of best-tip" in description["best-tip@r3/x"]
    # A past occurrence only the ledger knows still names its series.
    assert (
        "from: series weekly-tip, occurrence 2026-11-26"
        in description["weekly-tip@2026-11-26/linkedin"]
    )
    assert "from:" not in description["winter/x"]
    status = {u.removesuffix(f"@{UID_DOMAIN}"): str(e["STATUS"]) for u, e in found.items()}
    assert status == {
        "weekly-tip@2026-11-26/linkedin": "CONFIRMED",  # published
        "weekly-tip@2026-12-01/linkedin": "CONFIRMED",  # scheduled, unchanged
        "weekly-tip@2026-12-03/linkedin": "TENTATIVE",
        "weekly-tip@2026-12-08/linkedin": "CONFIRMED",  # still waiting at the service
        "launch-teaser/x": "TENTATIVE",
        "best-tip@r3/x": "TENTATIVE",
        "winter/x": "TENTATIVE",
        "old-promo/x": "CANCELLED",
    }


def test_an_occurrence_the_series_no_longer_makes_shows_cancelled() -> None:
    records = living.ledger()
    gone = records["weekly-tip@2026-12-08/linkedin"]
    base = living.plan(records)
    steps = [s for s in base.steps if s.identity != gone.identity]
    steps.append(Step("cancel", gone.identity, None, gone, "no longer in the series"))
    plan = Plan(steps, base.forecast)
    event = events(render_ics(feed_events(plan, records), now=NOW))[uid(gone.identity)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert "status: scheduled (to cancel: no longer in the series)" in str(event["DESCRIPTION"])


def test_nothing_secret_reaches_the_feed() -> None:
    records = living.ledger()
    data = render_ics(feed_events(living.plan(records), records), now=NOW)
    text = data.decode("utf-8")
    for secret in living.SECRETS:
        assert secret not in text
    unfolded = text.replace("\r\n ", "")
    assert "https://shop.example/winter" in unfolded
    assert "https://intranet.example:8443/x" in unfolded
    assert "https://linkedin.example/posts/1" in unfolded


@given(st.text(max_size=200))
def test_safe_url_never_keeps_a_query_or_credentials(url: str) -> None:
    for candidate in (url, f"https://u:p@host.example/{url}?q={url}#f"):
        safe = safe_url(candidate)
        if safe is not None:
            assert safe.startswith(("http://", "https://"))
            assert "?" not in safe and "#" not in safe and "@" not in safe.split("/")[2]


def test_the_feed_is_what_calendar_apps_read() -> None:
    data = render_ics(feed_events(living.plan(), {}), now=NOW)
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)  # folded (octets, CRLF excluded)
    feed = Calendar.from_ical(data)
    assert str(feed["VERSION"]) == "2.0"
    assert str(feed["METHOD"]) == "PUBLISH"
    assert str(feed["PRODID"]).startswith("-//")
    assert str(feed["X-WR-CALNAME"]) == "Content calendar"


def test_golden_feed() -> None:
    records = living.ledger()
    data = render_ics(feed_events(living.plan(records), records), now=NOW)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(data)
    assert GOLDEN.exists(), f"{GOLDEN} missing: run with UPDATE_GOLDEN=1 to create it"
    assert data == GOLDEN.read_bytes()


def test_origins_read_from_entries_and_from_ids() -> None:
    series, queue, pool = (origin_of(e) for e in living.ENTRIES[1:4])
    assert series is not None and series.badge == "↻ weekly-tip"
    assert queue is not None and queue.badge == "⇥ weekdays 08:30"
    assert pool is not None and pool.badge == "♻ tips #3"
    assert origin_of(living.ENTRIES[4]) is None
    assert origin_of_id("weekly-tip@2027-01-05.2") == origin_of_id("weekly-tip@2027-01-05.2")
    found = origin_of_id("best-tip@r12")
    assert found is not None and (found.kind, found.detail, found.template) == (
        "pool",
        "12",
        "best-tip",
    )
    assert origin_of_id("plain-id") is None and origin_of_id(None) is None


# --- the command --------------------------------------------------------------------------


def _report(tmp_path: Path, *more: str) -> tuple[int, str, str]:
    return (
        main(
            [
                "report",
                str(REPO / "demo" / "schedules"),
                "--config",
                str(REPO / "demo" / "pipeline.yaml"),
                "--ledger",
                str(tmp_path / "ledger"),
                "--now",
                "2026-11-28T12:00:00Z",
                "--format",
                "ics",
                *more,
            ]
        ),
        "",
        "",
    )


def test_the_command_writes_the_demo_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUS200_API_KEY", "rl_live_supersecret_key")
    output = tmp_path / "calendar.ics"
    code, _, _ = _report(tmp_path, "--output", str(output))
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == f"wrote {output} (50 events)\n"  # the demo plan creates 50 posts
    data = output.read_bytes()
    found = events(data)
    assert len(found) == 50
    assert {str(e["STATUS"]) for e in found.values()} == {"TENTATIVE"}
    assert {e.decoded("DTSTAMP") for e in found.values()} == {
        datetime(2026, 11, 28, 12, tzinfo=UTC)
    }
    assert b"supersecret" not in data
    code, _, _ = _report(tmp_path, "--output", str(tmp_path / "again.ics"))
    assert code == 0 and (tmp_path / "again.ics").read_bytes() == data


def test_the_command_writes_calendar_ics_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = _report(tmp_path)
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith("wrote calendar.ics (")
    assert len(events((tmp_path / "calendar.ics").read_bytes())) == 50
    assert not (tmp_path / "report.html").exists()


@settings(max_examples=60, deadline=None)
@given(
    # Lone surrogates never get this far: the calendar and the ledger refuse them.
    ids=st.lists(
        st.text(
            st.characters(codec="utf-8", blacklist_characters="@"),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    caption=st.text(st.characters(codec="utf-8"), max_size=300),
)
def test_any_ids_and_captions_parse_back(ids: list[str], caption: str) -> None:
    """Commas, semicolons, newlines, controls and bidi marks in ids and captions: the feed still
    parses, with one event per post, and no raw control character in any value."""
    entries = [
        living.entry(i, n + 1, datetime(2026, 12, 1, 9, n), caption) for n, i in enumerate(ids)
    ]
    plan = make_plan(planned_posts(entries, {}), {}, PlanOptions(now=NOW))
    data = render_ics(feed_events(plan, {}), now=NOW)
    found = Calendar.from_ical(data).walk("VEVENT")
    assert len(found) == len(ids)
    for event in found:
        for key in ("UID", "SUMMARY", "DESCRIPTION"):
            value = str(event[key]).replace("\n", "") if key == "DESCRIPTION" else str(event[key])
            assert not any(unicodedata.category(c) == "Cc" for c in value), value
            assert not any(c in value for c in "\u202e\u2066\u2028\u2029"), value


def test_a_locked_post_shows_what_went_out() -> None:
    """Edited after it was published: the event keeps the time it went out and no caption
    (the calendar's new text is not what was posted)."""
    sent_at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    records = {"winter/x": living.record("winter/x", "winter", sent_at, "published")}
    plan = living.plan(records)
    assert [s.action for s in plan.steps if s.identity == "winter/x"] == ["locked"]
    event = events(render_ics(feed_events(plan, records), now=NOW))[uid("winter/x")]
    assert event.decoded("DTSTART") == sent_at
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert description.startswith("status: published (already published")
    assert "caption:" not in description and str(event["SUMMARY"]) == "x · @acme"
