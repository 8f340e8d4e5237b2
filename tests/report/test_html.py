"""The HTML report: its tables, its grids and charts, its escaping, and that it fetches nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import ProjectConfig, load_config
from pipeline.ledger import fold
from pipeline.model import Diagnostic, Entry, Severity, SourceRef
from pipeline.plan.build import build_plan
from pipeline.plan.diff import PlanOptions
from pipeline.report.html import render_html
from pipeline.report.html_charts import PLOT_H
from pipeline.report.html_data import build_report_data
from pipeline.report.plan import preview
from pipeline.rules.context import PlanSettings
from pipeline.validate.check import ValidationResult, validate
from tests.helpers import NOW, REPO, check
from tests.report.htmltree import Node, parse
from tests.report.scenario import CAP, XSS, Scenario, build


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def page(scenario: Scenario) -> Node:
    return parse(render_html(scenario.data))


def chips(root: Node) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for node in root.find_all("li", class_="post"):
        found.setdefault(node.attrs["data-identity"] or "", []).append(node)
    return found


# --- the tables ---------------------------------------------------------------------------------


def test_status_comes_from_the_ledger_else_planned(scenario: Scenario) -> None:
    posts = scenario.data.posts.set_index("identity")
    recorded = scenario.state.posts
    for identity, row in posts.iterrows():
        expected = recorded[identity].status if identity in recorded else "planned"
        assert row["status"] == expected, identity
    assert {"scheduled", "failed", "published", "planned"} <= set(posts["status"])


def test_posts_only_the_ledger_knows_are_shown_as_not_in_the_calendar(scenario: Scenario) -> None:
    posts = scenario.data.posts
    calendar_ids = {
        f"{e.id}/{p}" for e in scenario.result.entries for p in e.platforms if e.at_utc is not None
    }
    assert set(posts["identity"]) == calendar_ids | set(scenario.state.posts)
    outside = posts[~posts["in_calendar"].astype(bool)]
    assert set(outside["identity"]) == set(scenario.state.posts) - calendar_ids
    assert not outside.empty


def test_entries_with_errors_are_marked_invalid(scenario: Scenario) -> None:
    invalid = scenario.result.invalid_entries()
    posts = scenario.data.posts[scenario.data.posts["in_calendar"].astype(bool)]
    marked = {tuple(s.rsplit(":", 1)) for s in posts[posts["invalid"].astype(bool)]["source"]}
    assert {(f, str(n)) for f, n in invalid} == marked


def test_figures_keep_none_as_not_reported(scenario: Scenario) -> None:
    figures = scenario.data.figures
    readings = [r for rows in scenario.state.figures.values() for r in rows]
    assert len(figures) == len(readings)
    for reading in readings:
        row = figures[
            (figures["identity"] == reading.identity) & (figures["polled_at"] == reading.polled_at)
        ].iloc[0]
        for name, value in reading.metrics.items():
            assert row[name] is value or row[name] == value  # None stays None: not NaN, not 0


# --- the grids ----------------------------------------------------------------------------------


def test_month_and_week_grids_show_every_post_with_time_account_preview_status(
    scenario: Scenario, page: Node
) -> None:
    posts = scenario.data.posts.set_index("identity")
    for grid in ("month-pager", "week-pager"):
        shown = chips(page.find(id=grid))
        assert set(shown) == set(posts.index), grid
        for identity, nodes in shown.items():
            post = posts.loc[identity]
            assert len(nodes) == 1
            text = {
                cls: nodes[0].find("span", class_=cls).text() for cls in ("t", "acct", "cap", "st")
            }
            assert text == {
                "t": post["local_time"],
                "acct": post["account"],
                "cap": post["preview"],
                "st": post["status"],
            }
            assert nodes[0].has_class(f"pf-{post['platform']}")


def test_local_time_is_the_time_the_calendar_wrote(scenario: Scenario, page: Node) -> None:
    # winter-launch is written as 09:00 in Europe/Berlin: 08:00 UTC in December.
    chip = chips(page.find(id="week-pager"))["winter-launch/x"][0]
    assert chip.find("span", class_="t").text() == "09:00"
    assert scenario.data.posts.set_index("identity").loc["winter-launch/x", "at_utc"] == datetime(
        2026, 12, 1, 8, 0, tzinfo=UTC
    )


def test_pagers_open_at_the_first_page_with_posts_still_to_come(page: Node) -> None:
    for grid, label in (("month-pager", "December 2026"), ("week-pager", "Week 49")):
        pages = page.find(id=grid).find_all("section", class_="page")
        visible = [p for p in pages if "hidden" not in p.attrs]
        assert len(visible) == 1
        assert (visible[0].attrs["data-label"] or "").startswith(label)


def test_a_busy_day_shows_a_few_posts_and_a_count_of_the_rest(tmp_path: Path) -> None:
    posts = "".join(
        f"  - {{id: p{i}, at: '2026-12-05 {8 + i:02d}:00', platform: x, text: post {i}}}\n"
        for i in range(7)
    )
    result = check(
        tmp_path, {"c.yaml": "defaults: {timezone: UTC, account: '@a'}\nposts:\n" + posts}
    )
    root = parse(render_html(build_report_data(result, None, None, NOW)))
    month = root.find(id="month-pager")
    assert len(month.find_all("li", class_="post")) == 4
    assert month.find("li", class_="more").text() == "+3 more"
    assert len(root.find(id="week-pager").find_all("li", class_="post")) == 7


# --- the diagnostics ----------------------------------------------------------------------------


def test_diagnostics_are_grouped_by_file_with_file_line(scenario: Scenario, page: Node) -> None:
    section = page.find("section", id="diagnostics")
    rows = section.find_all("tr", class_="diag")
    assert len(rows) == len(scenario.result.diagnostics)
    expected = Counter(
        (d.severity.value, f"{d.file}:{d.line}", d.code, d.platform or "(none)")
        for d in scenario.result.diagnostics
    )
    got = Counter(
        (
            r.attrs["data-severity"],
            r.find("code").text(),
            r.attrs["data-code"],
            r.attrs["data-platform"],
        )
        for r in rows
    )
    assert got == expected
    groups = section.find_all("div", class_="dgroup")
    assert {g.attrs["data-file"] for g in groups} == {d.file for d in scenario.result.diagnostics}
    severities = Counter(d.severity.value for d in scenario.result.diagnostics)
    for severity in ("error", "warning"):
        label = section.find("input", id=f"f-sev-{severity}")
        assert label.attrs["value"] == severity
    assert severities["error"] and severities["warning"]  # the scenario exercises both


# --- posts per day against the cap --------------------------------------------------------------


def _bars(page: Node) -> dict[tuple[str, str], int]:
    totals = {}
    for chart in page.find_all("div", class_="account-chart"):
        for day in chart.find_all("g", class_="day"):
            totals[(chart.attrs["data-account"] or "", day.attrs["data-day"] or "")] = int(
                day.attrs["data-total"] or 0
            )
    return totals


def test_bars_count_future_calendar_posts_per_account_and_utc_day(
    scenario: Scenario, page: Node
) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for entry in scenario.result.entries:
        if entry.at_utc is not None and entry.at_utc > NOW:
            for platform in entry.platforms:
                expected[(entry.accounts[platform], entry.at_utc.date().isoformat())] += 1
    assert _bars(page) == dict(expected)


def test_days_over_the_cap_are_the_days_with_allowance_warnings(
    scenario: Scenario, page: Node
) -> None:
    by_id = {e.id: e for e in scenario.result.entries}
    warned = set()
    for d in scenario.result.diagnostics:
        if d.code == "W401":
            entry = by_id[d.entry]
            assert entry.at_utc is not None and d.platform is not None
            warned.add((entry.accounts[d.platform], entry.at_utc.date().isoformat()))
    over = {
        (chart.attrs["data-account"], day.attrs["data-day"])
        for chart in page.find_all("div", class_="account-chart")
        for day in chart.find_all("g", class_="day")
        if day.has_class("over")
    }
    assert over == warned and over
    assert all(total > CAP for key, total in _bars(page).items() if key in over)
    assert len(page.find_all("line", class_="cap")) == len(
        page.find_all("div", class_="account-chart")
    )


def test_without_a_plan_the_report_says_there_is_no_cap(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "c.yaml": "posts:\n  - {at: '2026-12-05 09:00', platform: x, account: '@a', text: hi, timezone: UTC}\n"
        },
    )
    assert result.config.plan is None
    root = parse(render_html(build_report_data(result, None, None, NOW)))
    assert root.find(id="no-plan")
    assert not root.find_all("line", class_="cap")
    assert _bars(root) == {("@a", "2026-12-05"): 1}


def test_a_cap_far_above_every_bar_is_named_not_drawn(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "pipeline.yaml": "plan: {tier: skilled, daily: 100}\n",
            "c.yaml": "posts:\n  - {at: '2026-12-05 09:00', platforms: [x, threads], account: '@a', text: hi, timezone: UTC}\n",
        },
    )
    root = parse(render_html(build_report_data(result, None, None, NOW)))
    chart = root.find("div", class_="account-chart")
    assert not chart.find_all("line", class_="cap")
    assert chart.find("text", class_="far").text() == "cap 100 (far above)"
    bars = chart.find("g", class_="day").find_all("rect")
    assert sum(float(r.attrs["height"] or 0) for r in bars) > PLOT_H / 2  # not a sliver
    assert chart.find("p", class_="ok-list")


def test_a_monthly_plan_has_no_daily_cap_line(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "pipeline.yaml": "plan: {tier: free, monthly: 30}\n",
            "c.yaml": "posts:\n  - {at: '2026-12-05 09:00', platform: x, account: '@a', text: hi, timezone: UTC}\n",
        },
    )
    assert result.config.plan == PlanSettings("free", monthly=30)
    root = parse(render_html(build_report_data(result, None, None, NOW)))
    assert "30 posts a month" in root.find("section", id="daily").text()
    assert not root.find_all("line", class_="cap")


# --- figures ------------------------------------------------------------------------------------


def test_figures_table_shows_not_reported_as_a_dash(scenario: Scenario, page: Node) -> None:
    table = page.find("table", id="figures-table")
    heads = [th.text() for th in table.find_all("th")]
    rows = {
        tr.find("td").text(): tr.find_all("td") for tr in table.find_all("tr") if tr.find_all("td")
    }
    assert set(rows) == set(scenario.state.figures)
    for identity, readings in scenario.state.figures.items():
        latest = max(readings, key=lambda r: r.polled_at)
        cells = rows[identity]
        for name in ("views", "likes", "saves", "watch time seconds"):
            cell = cells[heads.index(name)]
            value = latest.metrics.get(name.replace(" ", "_"))
            if value is None:
                assert (cell.text(), cell.attrs["data-v"]) == ("—", "")
            else:
                assert cell.text() == f"{value:,}" and float(cell.attrs["data-v"] or "") == value


def test_a_gap_in_a_figure_breaks_its_line(scenario: Scenario, page: Node) -> None:
    block = page.find("div", class_="post-figures", data_identity="autumn-sale/x")
    charts = {
        fig.find("figcaption").text().split(":")[0]: fig.find("svg")
        for fig in block.find_all("figure")
    }
    readings = scenario.state.figures["autumn-sale/x"]
    likes = [r.metrics.get("likes") for r in readings]
    assert likes.count(None) == 1 and likes[1] is None  # reported, not reported, reported
    assert len(charts["likes"].find_all("circle")) == 2
    assert len(charts["likes"].find_all("polyline")) == 2  # two runs, never joined through 0
    assert len(charts["views"].find_all("polyline")) == 1
    assert "saves" not in charts  # never reported: listed as such, not drawn
    assert "saves" in block.find("p", class_="silent").text()


def test_only_http_permalinks_become_links(page: Node) -> None:
    hrefs = [a.attrs.get("href") or "" for a in page.find_all("a")]
    assert "https://x.example/acme/status/1" in hrefs
    assert not [h for h in hrefs if not h.startswith(("#", "https://", "http://"))]


# --- escaping and self-containment --------------------------------------------------------------


def test_a_script_caption_is_text(scenario: Scenario, page: Node) -> None:
    html = render_html(scenario.data)
    assert "<script>window.__pwned" not in html
    scripts = page.find_all("script")
    assert len(scripts) == 2 and all("__pwned" not in s.text() for s in scripts[1:])
    chip = chips(page.find(id="week-pager"))["xss/x"][0]
    assert chip.find("span", class_="cap").text() == preview(XSS, 60)
    assert XSS in (chip.attrs["title"] or "")
    data = json.loads(page.find("script", id="report-data").text())
    assert {p["identity"]: p["preview"] for p in data["posts"]}["xss/x"] == preview(XSS, 60)


def test_the_page_fetches_nothing_and_runs_only_its_own_script(page: Node) -> None:
    for node in page.walk():
        assert "src" not in node.attrs, node.tag
    assert [n.attrs.get("href") for n in page.find_all("link")] == ["data:,"]
    style = page.find("style").text()
    assert "@import" not in style and "url(" not in style
    policy = page.find("meta", http_equiv="Content-Security-Policy").attrs["content"] or ""
    assert "default-src 'none'" in policy
    code = [s for s in page.find_all("script") if "type" not in s.attrs]
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].text().encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def _synthetic(text: str, account: str, entry_id: str, message: str, file: str) -> ValidationResult:
    at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    entry = Entry(
        source=SourceRef(file, 3),
        id=entry_id,
        platforms=("x",),
        accounts={"x": account},
        text=text,
        at_local=at.replace(tzinfo=None),
        tz="UTC",
        at_utc=at,
    )
    diagnostic = Diagnostic(
        file, 3, "E201", "caption-too-long", Severity.ERROR, entry_id, "x", message, message
    )
    return ValidationResult(
        [entry],
        [diagnostic],
        [file],
        ProjectConfig(root="/nowhere", plan=PlanSettings("pro", daily=1)),
        NOW,
    )


# Markup's own characters, often; any other character (but lone surrogates) now and then.
_TEXT = st.text(
    st.one_of(
        st.sampled_from(list("<>&\"'/!-=`;: \n\r\tscript")),
        st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(text=_TEXT, account=_TEXT, entry_id=_TEXT, message=_TEXT, file=_TEXT)
def test_no_text_can_change_the_page_structure(
    text: str, account: str, entry_id: str, message: str, file: str
) -> None:
    """Whatever users write, the page has the same elements as with plain words, and the text
    reads back exactly (the parser unescapes what `esc` escaped)."""
    plain = parse(
        render_html(build_report_data(_synthetic("a", "b", "c", "d", "e"), None, None, NOW))
    )
    html = render_html(
        build_report_data(_synthetic(text, account, entry_id, message, file), None, None, NOW)
    )
    root = parse(html)
    assert root.shape() == plain.shape()
    row = root.find("tr", class_="diag")
    cells = [td.text() for td in row.find_all("td")]
    assert cells[3] == entry_id and cells[1] == f"{file}:3"
    assert row.find("td", class_="sev").text() == "error"
    chip = root.find("li", class_="post")
    assert chip.find("span", class_="acct").text() == account
    assert text[:300] in (chip.attrs["title"] or "")
    data = json.loads(root.find("script", id="report-data").text())
    assert data["posts"][0]["account"] == account
    assert "<" not in root.find("script", id="report-data").text()


def test_an_empty_calendar_renders(tmp_path: Path) -> None:
    result = check(tmp_path, {"c.yaml": "posts: []\n"})
    root = parse(render_html(build_report_data(result, fold([]), None, NOW)))
    assert root.find(id="no-problems")
    assert "No posts" in root.find("section", id="month").text()
    assert "no figures" in root.find("section", id="figures").text()


# --- the example calendars ----------------------------------------------------------------------


def _example_files() -> list[Path]:
    folder = REPO / "demo" / "schedules"
    return sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml", ".csv"))


def test_the_example_calendars_render(tmp_path: Path) -> None:
    assert _example_files(), "demo/schedules/ lost its example calendars"
    folder = str(REPO / "demo" / "schedules")
    result = validate([folder], load_config(folder), NOW)
    plan = build_plan(result, {}, PlanOptions(now=NOW)).plan
    data = build_report_data(result, None, plan, NOW + timedelta(minutes=1))
    root = parse(render_html(data))
    expected = {
        f"{e.id}/{p}" if e.id else None for e in result.entries if e.at_utc for p in e.platforms
    }
    expected.discard(None)
    shown = set(chips(root.find(id="week-pager")))
    assert expected <= shown and expected
    assert len(root.find_all("tr", class_="diag")) == len(result.diagnostics)
