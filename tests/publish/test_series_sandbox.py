"""Series edits against the sandbox: exactly once per occurrence, counted at the service.

Every kind of edit of a recurring post: its text (waiting occurrences replaced), its rule
(dropped occurrences cancelled without --prune, new ones created, kept ones untouched), a skip,
an override; a re-run sends nothing, and occurrences already published are locked."""

from __future__ import annotations

from typing import Any

from pipeline.api import Status200Client
from pipeline.ledger import Ledger
from pipeline.runner.tracking import track
from tests.publish.conftest import Rig
from tests.publish.test_publish_sandbox import total_created

#: Tuesdays in December 2026 at 09:00 Berlin time (the rig's clock starts on 28 November).
SERIES = """\
defaults: {timezone: Europe/Berlin, account: '@demo'}
posts:
  - id: weekly-tip
    at: 2026-12-01 09:00
    repeat: "FREQ=WEEKLY;BYDAY=TU"
    until: 2026-12-31
    platforms: [x, linkedin]
    text: "Tip of the week"
"""
OCCURRENCES = ("2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29")


def at_service(rig: Rig) -> dict[str, Any]:
    counters = rig.counters()
    return {
        # Scheduled posts created (a scheduled post going out later creates a post too).
        "created": sum(counters["scheduled_created"].values()),
        "published_at_once": total_created(counters) - sum(counters["scheduled_created"].values()),
        "cancelled": sum(counters["cancelled"].values()),
        "waiting": counters["waiting_total"],
        "posts": counters["requests"].get("POST /api/v2/posts", 0),
        "deletes": counters["requests"].get("DELETE /api/v2/posts/{id}", 0),
    }


def events(rig: Rig) -> int:
    return len((rig.ledger_dir / "events.jsonl").read_text().splitlines())


def first_run(rig: Rig) -> dict[str, Any]:
    rig.write(SERIES)
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert summary.counts["created"] == 10
    before = at_service(rig)
    assert (before["created"], before["cancelled"], before["waiting"]) == (10, 0, 10)
    waiting = {i for i, p in rig.state().posts.items() if p.status == "scheduled"}
    assert waiting == {f"weekly-tip@{d}/{p}" for d in OCCURRENCES for p in ("x", "linkedin")}
    return before


def test_a_rerun_sends_nothing_and_records_nothing(rig: Rig) -> None:
    before = first_run(rig)
    lines = events(rig)
    again = rig.publish()
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 10
    assert at_service(rig) == before
    assert events(rig) == lines  # an idle run does not grow the ledger


def test_a_text_edit_replaces_every_waiting_occurrence(rig: Rig) -> None:
    before = first_run(rig)
    rig.write(SERIES.replace("Tip of the week", "Tip of the week, edited"))
    summary = rig.publish()
    assert summary.counts["replaced"] == 10 and summary.counts["created"] == 0
    after = at_service(rig)
    assert after["cancelled"] - before["cancelled"] == 10
    assert after["created"] - before["created"] == 10
    assert after["waiting"] == 10
    assert rig.publish().counts["unchanged"] == 10
    assert at_service(rig) == after


def test_a_rule_edit_cancels_dropped_creates_new_and_keeps_the_rest(rig: Rig) -> None:
    """Every other week, Tuesday and Thursday: 8 and 22 Dec dropped, 3, 17 and 31 Dec new,
    1, 15 and 29 Dec the same posts as before (no request for them)."""
    before = first_run(rig)
    kept = {i: p.post_id for i, p in rig.state().posts.items() if i[11:21] in ("2026-12-01",)}
    rig.write(SERIES.replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"))
    summary = rig.publish()  # no --prune: this is an edit of the series, not a removal
    assert summary.counts["cancelled"] == 4
    assert summary.counts["created"] == 6
    assert summary.counts["unchanged"] == 6
    after = at_service(rig)
    assert after["cancelled"] - before["cancelled"] == 4
    assert after["created"] - before["created"] == 6
    assert after["deletes"] - before["deletes"] == 4
    assert after["waiting"] == 12
    states = rig.state().posts
    for day in ("2026-12-08", "2026-12-22"):
        assert {states[f"weekly-tip@{day}/{p}"].status for p in ("x", "linkedin")} == {"cancelled"}
    for day in ("2026-12-03", "2026-12-17", "2026-12-31", *OCCURRENCES[::2]):
        assert {states[f"weekly-tip@{day}/{p}"].status for p in ("x", "linkedin")} == {"scheduled"}
    assert all(states[i].post_id == post_id for i, post_id in kept.items())
    assert rig.publish().counts["unchanged"] == 12
    assert at_service(rig) == after


def test_a_skip_cancels_that_occurrence_only(rig: Rig) -> None:
    before = first_run(rig)
    rig.write(SERIES.replace("    until:", "    skip: [2026-12-15]\n    until:"))
    summary = rig.publish()
    assert (summary.counts["cancelled"], summary.counts["created"]) == (2, 0)
    assert summary.counts["unchanged"] == 8
    after = at_service(rig)
    assert after["cancelled"] - before["cancelled"] == 2
    assert after["created"] == before["created"] and after["waiting"] == 8
    assert rig.publish().counts["unchanged"] == 8 and at_service(rig) == after


def test_an_override_replaces_that_occurrence_only(rig: Rig) -> None:
    before = first_run(rig)
    rig.write(
        SERIES + '    overrides:\n      2026-12-22: {at: "10:30", text: "Christmas special"}\n'
    )
    summary = rig.publish()
    assert (summary.counts["replaced"], summary.counts["created"]) == (2, 0)
    after = at_service(rig)
    assert after["cancelled"] - before["cancelled"] == 2
    assert after["created"] - before["created"] == 2
    assert after["waiting"] == 10
    moved = rig.state().posts["weekly-tip@2026-12-22/x"]
    assert moved.scheduled_for is not None and moved.scheduled_for.strftime("%H:%M") == "09:30"
    assert rig.publish().counts["unchanged"] == 10 and at_service(rig) == after


def test_published_occurrences_are_locked_and_the_rest_follow_the_edit(rig: Rig) -> None:
    before = first_run(rig)
    rig.sandbox.advance(4 * 24 * 3600)  # 2 December: the first occurrence went out
    ledger = Ledger(rig.ledger_dir, secrets=[rig.sandbox.api_key])
    with ledger.lock("test"), Status200Client(rig.settings()) as client:
        track(client, ledger, now=rig.now())
    assert {rig.state().posts[f"weekly-tip@2026-12-01/{p}"].status for p in ("x", "linkedin")} == {
        "published"
    }
    rig.write(SERIES.replace("Tip of the week", "Tip, edited"))
    summary = rig.publish()
    assert summary.counts["replaced"] == 8 and summary.counts["created"] == 0
    plan = summary.plan
    assert plan is not None
    assert {s.identity for s in plan.of("locked")} == {
        "weekly-tip@2026-12-01/x",
        "weekly-tip@2026-12-01/linkedin",
    }
    after = at_service(rig)
    assert after["cancelled"] - before["cancelled"] == 8
    assert after["created"] - before["created"] == 8


def test_occurrences_beyond_the_waiting_cap_wait_quietly(rig: Rig) -> None:
    """The cap defers the latest occurrences; the template makes them again on every run, so
    they are shown in the plan but not recorded (an open-ended series would grow the ledger)."""
    rig.write(SERIES)
    first = rig.publish(waiting_cap=4)
    assert first.counts["created"] == 4 and first.counts["deferred"] == 0
    assert first.plan is not None and len(first.plan.of("defer")) == 6
    assert all(s.quiet for s in first.plan.of("defer"))
    states = rig.state().posts
    assert len(states) == 4 and {p.status for p in states.values()} == {"scheduled"}
    lines = events(rig)
    again = rig.publish(waiting_cap=4)
    assert again.counts["created"] == 0 and events(rig) == lines
    assert at_service(rig)["created"] == 4
    rest = rig.publish()  # room again (as earlier posts went out): the rest are sent once
    assert rest.counts["created"] == 6 and at_service(rig)["created"] == 10
