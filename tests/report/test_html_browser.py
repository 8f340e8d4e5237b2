"""The HTML report in a real browser: Debian's headless Chromium, driven by selenium.

Opens reports from file:// (as people do), checks the grids show the calendar's posts, that a
caption holding a <script> shows as text and never runs, that the diagnostics filters work, and
that the console stays free of errors. Screenshots go to test-artifacts/ (git-ignored).

Chromium missing is a failure, not a skip: CI installs it (.ci/run), and a skipped browser test
would let a broken report pass unnoticed. Locally: apt-get install chromium chromium-driver.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.config import load_config
from pipeline.plan.build import build_plan
from pipeline.plan.diff import PlanOptions
from pipeline.report.html import render_html
from pipeline.report.html_data import build_report_data
from pipeline.report.plan import preview
from pipeline.validate.check import validate
from tests.helpers import NOW, REPO
from tests.report.scenario import XSS, Scenario, build

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: the browser test needs Debian's chromium and "
            "chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def open_report(driver: Any, html: str, path: Path) -> None:
    path.write_text(html, encoding="utf-8")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.as_uri())
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.documentElement.dataset.ready") == "1"
    )


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def screenshot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height), 6000))
    driver.save_screenshot(str(ARTIFACTS / name))
    driver.set_window_size(1400, 1000)


_CHIPS_JS = """
return Array.from(document.querySelectorAll(arguments[0] + ' li.post'))
  .filter(function (li) { return li.offsetParent !== null; })
  .map(function (li) {
    return {identity: li.getAttribute('data-identity'), text: li.innerText,
            cap: li.querySelector('span.cap').innerText, title: li.getAttribute('title')};
  });
"""


def visible_chips(driver: Any, pager: str) -> dict[str, dict[str, str]]:
    """The chips a person sees on the pager's current page (one round trip, not one per chip)."""
    return {c["identity"]: c for c in driver.execute_script(_CHIPS_JS, f"#{pager}")}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build(tmp_path_factory.mktemp("scenario"))


@pytest.fixture
def opened(driver: Any, scenario: Scenario, tmp_path: Path) -> Any:
    open_report(driver, render_html(scenario.data), tmp_path / "report.html")
    return driver


def test_grids_show_the_calendar_posts(opened: Any, scenario: Scenario) -> None:
    days = dict(zip(scenario.data.posts["identity"], scenario.data.posts["local_day"], strict=True))
    december = {i for i, day in days.items() if day.month == 12}
    assert opened.find_element(By.CSS_SELECTOR, "#month-pager .pager-label").text == "December 2026"
    month = visible_chips(opened, "month-pager")
    assert set(month) == december
    week = visible_chips(opened, "week-pager")
    first_week = {i for i in december if days[i] <= date(2026, 12, 6)}
    assert set(week) == first_week and first_week
    chip = week["winter-launch/x"]
    for part in ("09:00", "@acme", "Winter collection is here", "scheduled"):
        assert part in chip["text"]
    opened.find_element(By.CSS_SELECTOR, "#week-pager button.next").click()
    assert set(visible_chips(opened, "week-pager")) == {"next-week/linkedin"}
    opened.find_element(By.CSS_SELECTOR, "#month-pager button.prev").click()
    assert opened.find_element(By.CSS_SELECTOR, "#month-pager .pager-label").text == "November 2026"
    assert set(visible_chips(opened, "month-pager")) == {
        i for i, day in days.items() if day.month == 11
    }
    assert console_errors(opened) == []


def test_a_script_caption_is_shown_and_never_run(opened: Any) -> None:
    assert opened.execute_script("return typeof window.__pwned") == "undefined"
    chip = visible_chips(opened, "week-pager")["xss/x"]
    assert chip["cap"] == preview(XSS, 60)
    assert XSS in chip["title"]
    data = opened.execute_script(
        "return JSON.parse(document.getElementById('report-data').textContent)"
    )
    assert {p["identity"]: p["preview"] for p in data["posts"]}["xss/x"] == preview(XSS, 60)
    assert opened.execute_script("return document.scripts.length") == 2
    assert console_errors(opened) == []


def _shown_rows(driver: Any) -> list[WebElement]:
    return [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.diag") if r.is_displayed()]


def test_diagnostics_filter_by_severity_and_platform(opened: Any, scenario: Scenario) -> None:
    diagnostics = scenario.result.diagnostics
    assert len(_shown_rows(opened)) == len(diagnostics)
    opened.find_element(By.ID, "f-sev-error").click()  # errors off
    rows = _shown_rows(opened)
    assert {r.get_attribute("data-severity") for r in rows} == {"warning"}
    assert len(rows) == sum(1 for d in diagnostics if not d.is_error)
    shown = opened.find_element(By.CSS_SELECTOR, "#diagnostics .f-shown").text
    assert shown == f"{len(rows)} shown"
    opened.find_element(By.ID, "f-sev-error").click()  # errors back on
    opened.find_element(By.ID, "f-sev-warning").click()  # warnings off
    assert len(_shown_rows(opened)) == sum(1 for d in diagnostics if d.is_error)
    opened.find_element(By.ID, "f-sev-warning").click()
    Select(opened.find_element(By.ID, "f-platform")).select_by_value("x")
    rows = _shown_rows(opened)
    assert {r.get_attribute("data-platform") for r in rows} == {"x"}
    assert len(rows) == sum(1 for d in diagnostics if d.platform == "x")
    assert console_errors(opened) == []


def test_figures_table_sorts_with_not_reported_last(opened: Any) -> None:
    table = opened.find_element(By.ID, "figures-table")
    heads = table.find_elements(By.CSS_SELECTOR, "thead th")
    names = [h.text.strip() for h in heads]

    def column(name: str) -> list[str]:
        index = names.index(name)
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        return [r.find_elements(By.TAG_NAME, "td")[index].text for r in rows]

    views = heads[names.index("views")]
    views.click()
    assert views.get_attribute("aria-sort") == "ascending"
    assert column("views") == ["90", "400"]
    views.click()
    assert column("views") == ["400", "90"]
    saves = heads[names.index("saves")]
    saves.click()
    saves.click()  # descending: "—" (not reported) still comes last
    assert column("saves") == ["2", "—"]
    assert console_errors(opened) == []
    screenshot(opened, "report-scenario.png")


def test_the_example_calendar_report(driver: Any, tmp_path: Path) -> None:
    folder = REPO / "demo" / "schedules"
    assert any(p.suffix in (".yaml", ".yml", ".csv") for p in folder.glob("*")), folder
    result = validate([str(folder)], load_config(str(folder)), NOW)
    plan = build_plan(result, {}, PlanOptions(now=NOW)).plan
    data = build_report_data(result, None, plan, NOW + timedelta(minutes=1))
    open_report(driver, render_html(data), tmp_path / "report.html")
    screenshot(driver, "report.png")
    expected = {
        f"{e.id}/{p}" for e in result.entries if e.at_utc is not None and e.id for p in e.platforms
    }
    previews = dict(zip(data.posts["identity"], data.posts["preview"], strict=True))
    prev, following = (
        driver.find_element(By.CSS_SELECTOR, f"#week-pager button.{name}")
        for name in ("prev", "next")
    )
    while prev.is_enabled():  # back to the first week, then through every week
        prev.click()
    seen: set[str] = set()
    while True:
        for identity, chip in visible_chips(driver, "week-pager").items():
            assert chip["cap"] == previews[identity]
            seen.add(identity)
        if not following.is_enabled():
            break
        following.click()
    assert expected and expected <= seen
    assert console_errors(driver) == []
    assert os.path.getsize(ARTIFACTS / "report.png") > 10_000


_MARKS_JS = """
var root = document.querySelector(arguments[0]);
function shown(el) { return el.offsetParent !== null && el.getBoundingClientRect().width > 0; }
return {
  badges: Array.from(root.querySelectorAll('li.post span.orig')).filter(shown).map(function (s) {
    return {identity: s.closest('li.post').getAttribute('data-identity'), text: s.innerText};
  }),
  free: Array.from(root.querySelectorAll('li.free')).filter(shown).map(function (li) {
    return li.getAttribute('data-at') + ' ' + li.innerText;
  }),
  counts: Array.from(root.querySelectorAll('li.free-count')).filter(shown).map(function (li) {
    return li.closest('td').getAttribute('data-date') + ' ' + li.innerText;
  })
};
"""


def test_series_queue_pool_marks_and_free_slots_are_visible(driver: Any, tmp_path: Path) -> None:
    from pipeline.report.free_slots import free_slots
    from tests.report import living

    result = living.result(tmp_path, slots=True)
    state = living.state()
    data = build_report_data(
        result,
        state,
        living.plan(state.posts),
        NOW,
        free_slots=free_slots(result, living.weekday_slots),
    )
    open_report(driver, render_html(data), tmp_path / "living.html")
    # It opens at the first week with something to come: 30 Nov - 6 Dec.
    assert driver.find_element(By.CSS_SELECTOR, "#week-pager .pager-label").text.startswith(
        "Week 49"
    )
    week = driver.execute_script(_MARKS_JS, "#week-pager")
    badges = {b["identity"]: b["text"] for b in week["badges"]}
    assert badges == {
        "weekly-tip@2026-12-01/linkedin": "↻ weekly-tip",
        "weekly-tip@2026-12-03/linkedin": "↻ weekly-tip",
        "launch-teaser/x": "⇥ weekdays 08:30",
        "best-tip@r3/x": "♻ tips #3",
    }
    assert any(f.startswith("2026-12-01T07:30:00Z 08:30") and "free" in f for f in week["free"])
    assert not any(f.startswith("2026-12-02") for f in week["free"])
    month = driver.execute_script(_MARKS_JS, "#month-pager")
    assert month["free"] == []  # the month grid counts them instead
    assert month["counts"] == ["2026-11-30 2 free slots"]  # November's last free slots
    driver.find_element(By.CSS_SELECTOR, "#month-pager button.next").click()
    month = driver.execute_script(_MARKS_JS, "#month-pager")
    assert "2026-12-01 2 free slots" in month["counts"]
    assert not any(c.startswith("2026-12-02") for c in month["counts"])
    assert {b["text"] for b in month["badges"]} >= {"↻ weekly-tip", "♻ tips #3"}
    # Past the last post, weeks of free slots only.
    following = driver.find_element(By.CSS_SELECTOR, "#week-pager button.next")
    following.click()
    following.click()
    week = driver.execute_script(_MARKS_JS, "#week-pager")
    assert week["badges"] == [] and len(week["free"]) == 10  # Mon-Fri, 08:30 and 17:00
    screenshot(driver, "report-living.png")
    assert console_errors(driver) == []
