"""results.csv and engagement.csv: exact columns, formats, and formula neutralisation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.ledger import events as ev
from pipeline.ledger.state import fold
from pipeline.ledger.store import Ledger
from pipeline.ledger.views import (
    RESULTS_COLUMNS,
    csv_bytes,
    engagement_table,
    neutralise,
    results_table,
    write_views,
)
from tests.ledger.builders import DUE, at, deferred, intent, make, outcome

TRIGGERS = ("=", "+", "-", "@")


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return (
        text.isascii() and text.strip() == text and text.lower().lstrip("+-")[:1] in "0123456789."
    )


def test_results_columns_are_exactly_the_documented_ones_first(tmp_path: Path) -> None:
    assert RESULTS_COLUMNS == (
        "entry_id",
        "source",
        "platform",
        "account",
        "scheduled_for",
        "status",
        "post_id",
        "platform_post_id",
        "file_ids",
        "attempts",
        "last_error",
        "updated_at",
    )
    ledger = Ledger(tmp_path)
    write_views(ledger, fold([]))  # even an empty ledger gets the header
    header = ledger.results_path.read_text().splitlines()[0].split(",")
    assert header[:12] == list(RESULTS_COLUMNS)
    assert {"identity", "permalink", "fingerprint"} <= set(header[12:])


def test_a_results_row_says_what_the_ledger_knows(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        ledger.append_many(
            [
                intent(minute=0),
                outcome(minute=1, file_ids=("f1", "f2")),
                intent("p2", minute=2, platform="linkedin", scheduled_for=at(30)),
                outcome(
                    "p2",
                    minute=3,
                    result="published",
                    scheduled_post_id=None,
                    post_id="hist-2",
                    permalink="https://lnkd.in/x",
                ),
                deferred("p3", minute=4, scheduled_for=None),
            ]
        )
        write_views(ledger)
    rows = _rows(ledger.results_path)
    assert [r["entry_id"] for r in rows] == ["p2", "p1", "p3"]  # earliest first, undated last
    p2, p1, p3 = rows
    assert p1["scheduled_for"] == DUE.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (p1["status"], p1["post_id"], p1["file_ids"], p1["attempts"]) == (
        "scheduled",
        "sp-p1",
        "f1;f2",
        "1",
    )
    assert p1["account"] == "'@brand"  # neutralised, as documented
    assert p1["updated_at"] == "2026-03-01T09:01:00Z"
    assert p1["source"] == "schedules/march.yaml:12"
    assert (p2["status"], p2["post_id"], p2["permalink"]) == (
        "published",
        "hist-2",
        "https://lnkd.in/x",
    )
    assert (p3["status"], p3["scheduled_for"], p3["post_id"], p3["attempts"]) == (
        "deferred",
        "",
        "",
        "0",
    )
    assert p3["reason"] == "waiting_cap"


def test_engagement_keeps_nulls_empty_and_zeros_zero(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    readings = [
        make(
            ev.Figures,
            identity="p1",
            post_id="h1",
            polled_at=at(90),
            metrics={"views": 0, "likes": None, "reach": 12, "watch_time_seconds": 3.5},
        ),
        make(ev.Figures, identity="p1", post_id="h1", polled_at=at(60), metrics={"views": 5}),
    ]
    with ledger.lock():
        ledger.append_many([intent(), outcome(), *readings])
        write_views(ledger)
    rows = _rows(ledger.engagement_path)
    assert list(rows[0]) == [
        "identity", "platform", "account", "post_id", "polled_at", "views", "likes", "comments",
        "shares", "impressions", "reach", "saves", "clicks", "watch_time_seconds",
    ]  # fmt: skip
    assert [r["polled_at"] for r in rows] == ["2026-03-01T10:00:00Z", "2026-03-01T10:30:00Z"]
    latest = rows[1]
    assert (latest["views"], latest["likes"], latest["reach"], latest["watch_time_seconds"]) == (
        "0",
        "",
        "12",
        "3.5",
    )
    assert latest["comments"] == ""  # absent from the reading: not reported
    assert latest["platform"] == "x"


def test_views_are_replaced_atomically(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    with ledger.lock():
        ledger.append(intent())
        write_views(ledger)
        first = ledger.results_path.read_text()
        ledger.append(outcome())
        write_views(ledger)
    assert first != ledger.results_path.read_text()
    assert (
        sorted(
            p.name
            for p in tmp_path.iterdir()
            if p.suffix == ".tmp" or p.name.startswith(".results")
        )
        == []
    )


def test_an_injected_formula_reaches_the_sheet_as_text() -> None:
    attack = "=cmd|' /C calc'!A0"
    failed = outcome(
        result="failed",
        scheduled_post_id=None,
        error_code=None,
        api_code=None,
        error_message=attack,
        http_status=None,
    )
    state = fold([intent(entry_id="+SUM(A1)", minute=0), failed])
    text = csv_bytes(results_table(state)).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["last_error"] == "'" + attack
    assert row["entry_id"] == "'+SUM(A1)"


def test_plain_numbers_are_left_alone() -> None:
    for number in ("-1", "-3.5", "+2", "-1e5", "-.5", "+0.25E-3"):
        assert neutralise(number) == number
    for text in ("-", "-1+2", "--1", "-1 ", "=1", "@1", "-١", "-1e", "+inf", "-nan"):
        assert neutralise(text) == "'" + text


@given(st.text())
def test_neutralise_never_lets_a_formula_start(text: str) -> None:
    out = neutralise(text)
    assert out in (text, "'" + text)
    if out.startswith(TRIGGERS):
        assert out == text and _is_number(text)


@given(st.lists(st.text(), min_size=1, max_size=5), st.text())
def test_no_written_cell_starts_a_formula(texts: list[str], account: str) -> None:
    """Whatever the texts (ids, accounts, errors, metrics' post ids), the CSV cells are safe."""
    events = []
    for n, text in enumerate(texts):
        identity = f"id{n}"
        events.append(intent(identity, entry_id=text, account=account or "@a", source=text))
        events.append(
            outcome(
                identity,
                result="failed",
                error_code=text,
                error_message=text,
                scheduled_post_id=text or None,
            )
        )
        events.append(
            make(
                ev.Figures, identity=identity, post_id=text, polled_at=at(5), metrics={"views": -1}
            )
        )
    state = fold(events)
    for table in (results_table(state), engagement_table(state)):
        for row in csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"), newline="")):
            for cell in row:
                if cell.startswith(TRIGGERS):
                    assert _is_number(cell), cell
