"""The HTML report's grids for living calendars: series occurrences (↻), queue posts (⇥ with
their slot), pool repeats (♻ with the pool and the repeat) and the posting slots still free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.report.free_slots import FREE_SLOT_DAYS, free_slots
from pipeline.report.html import render_html
from pipeline.report.html_data import ReportData, build_report_data
from tests.helpers import NOW
from tests.report import living
from tests.report.htmltree import Node, parse


def report(root: Path, *, slots: bool = True) -> ReportData:
    result = living.result(root, slots=slots)
    free = free_slots(result, living.weekday_slots)
    state = living.state()
    return build_report_data(result, state, living.plan(state.posts), NOW, free_slots=free)


def chips(page: Node) -> dict[str, Node]:
    """The week grid's chips by identity (each post is in one week)."""
    return {
        n.attrs["data-identity"] or "": n
        for week in page.find_all("table", class_="week")
        for n in week.find_all("li", class_="post")
    }


def test_posts_carry_their_origin(tmp_path: Path) -> None:
    posts = report(tmp_path).posts.set_index("identity")
    assert posts.loc["weekly-tip@2026-12-01/linkedin", "origin"] == "series"
    assert posts.loc["weekly-tip@2026-12-01/linkedin", "badge"] == "↻ weekly-tip"
    assert posts.loc["launch-teaser/x", "badge"] == "⇥ weekdays 08:30"
    assert posts.loc["best-tip@r3/x", "badge"] == "♻ tips #3"
    assert posts.loc["best-tip@r3/x", "origin_label"] == "pool tips, repeat 3 of best-tip"
    assert posts.loc["winter/x", "origin"] == ""
    # A past occurrence only the ledger knows is still marked, and not called removed.
    past = posts.loc["weekly-tip@2026-11-26/linkedin"]
    assert (past["origin"], past["in_calendar"]) == ("series", False)
    assert past["preview"] == "(not produced by the calendar now)"
    assert posts.loc["old-promo/x", "preview"] == "(not in the calendar any more)"


def test_the_grids_mark_series_queue_and_pool_posts(tmp_path: Path) -> None:
    page = parse(render_html(report(tmp_path)))
    found = chips(page)
    for identity, kind, badge in (
        ("weekly-tip@2026-12-01/linkedin", "series", "↻ weekly-tip"),
        ("weekly-tip@2026-11-26/linkedin", "series", "↻ weekly-tip"),
        ("launch-teaser/x", "queue", "⇥ weekdays 08:30"),
        ("best-tip@r3/x", "pool", "♻ tips #3"),
    ):
        chip = found[identity]
        assert chip.attrs["data-origin"] == kind and chip.has_class(f"or-{kind}")
        mark = chip.find("span", class_="orig")
        assert mark.text() == badge
        assert "from " in (chip.attrs["title"] or "")
    assert found["winter/x"].find_all("span", class_="orig") == []


def test_free_slots_are_the_queue_slots_no_post_takes(tmp_path: Path) -> None:
    result = living.result(tmp_path, slots=True)
    free = free_slots(result, living.weekday_slots)
    lanes = {(s.slots, s.account, s.platform) for s in free}
    assert lanes == {("weekdays", "@acme", "x")}  # the queue's entries post to x as @acme
    instants = [s.at.astimezone(UTC) for s in free]
    assert instants == sorted(instants)
    assert instants[0] >= NOW and instants[-1] < NOW + timedelta(days=FREE_SLOT_DAYS)
    taken = {e.at_utc for e in living.ENTRIES if "x" in e.platforms}
    assert taken & set(instants) == set()
    # The queue post and the pool repeat sit in the 2 Dec slots; the others stay free.
    assert datetime(2026, 12, 2, 7, 30, tzinfo=UTC) not in instants
    assert datetime(2026, 12, 2, 16, 0, tzinfo=UTC) not in instants
    assert datetime(2026, 12, 1, 7, 30, tzinfo=UTC) in instants
    every = living.weekday_slots("weekdays", NOW, NOW + timedelta(days=FREE_SLOT_DAYS))
    assert len(free) == len(every) - 2


def test_no_slots_no_free_slots(tmp_path: Path) -> None:
    """Without `slots:` in pipeline.yaml, or without a slot generator, nothing is free."""
    assert free_slots(living.result(tmp_path, slots=False), living.weekday_slots) == []
    assert free_slots(living.result(tmp_path, slots=True), None) == []
    page = parse(render_html(report(tmp_path, slots=False)))
    assert page.find_all("li", class_="free") == []
    assert page.find_all("li", class_="free-count") == []


def test_the_grids_show_free_slots(tmp_path: Path) -> None:
    data = report(tmp_path)
    page = parse(render_html(data))
    week = page.find("div", id="week-pager")
    shown = week.find_all("li", class_="free")
    assert len(shown) == len(data.free_slots)
    first = next(n for n in shown if n.attrs["data-at"] == "2026-12-01T07:30:00Z")
    assert (first.attrs["data-platform"], first.attrs["data-account"]) == ("x", "@acme")
    assert first.find("span", class_="t").text() == "08:30"
    assert "free" in first.text()
    month = page.find("div", id="month-pager")
    counts = {
        cell.attrs["data-date"]: cell.find("li", class_="free-count").text()
        for cell in month.find_all("td", class_="day")
        if cell.find_all("li", class_="free-count")
    }
    assert counts["2026-12-01"] == "2 free slots"
    assert "2026-12-02" not in counts  # the queue post and the pool repeat fill that day
    # Free slots reach past the last post: the pager has weeks for them.
    last = max(living.weekday_slots("weekdays", NOW, NOW + timedelta(days=FREE_SLOT_DAYS)))
    assert any(n.attrs["data-at"] == f"{last.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" for n in shown)


def test_the_report_command_shows_the_free_slots_of_pipeline_yaml(tmp_path: Path) -> None:
    """Through the CLI, with the schedule stage's real slot generator: a weekday queue with one
    post leaves the other slots of the next four weeks free, at their Berlin wall times."""
    from pipeline.cli import main

    (tmp_path / ".git").mkdir()
    (tmp_path / "pipeline.yaml").write_text(
        'timezone: Europe/Berlin\nslots:\n  weekdays: {mon-fri: ["08:30", "17:00"]}\n',
        encoding="utf-8",
    )
    (tmp_path / "cal.yaml").write_text(
        "defaults: {account: '@a', platforms: [x]}\n"
        "posts:\n  - {id: q, queue: weekdays, text: queued}\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    code = main(
        ["report", str(tmp_path / "cal.yaml"), "--now", "2027-01-04T06:00Z", "--output", str(out)]
    )
    assert code == 0
    page = parse(out.read_text(encoding="utf-8"))
    free = page.find("div", id="week-pager").find_all("li", class_="free")
    # 20 weekdays × 2 slots in 28 days, less the one the queue post takes (Mon 08:30).
    assert len(free) == 39
    assert {n.find("span", class_="t").text() for n in free} == {"08:30", "17:00"}
    assert all(n.attrs["data-at"] != "2027-01-04T07:30:00Z" for n in free)
