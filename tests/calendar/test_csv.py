"""CSV calendars as spreadsheets export them, and every way they go wrong."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.calendar.csv_source import read_csv
from pipeline.calendar.schema import Defaults, build_entry, prepare_defaults
from tests.helpers import check, found

HEADER = "id,date,time,timezone,platforms,account,text,media,captions.x,tiktok.privacyLevel\n"


def test_rows_become_entries_with_their_physical_lines(tmp_path: Path) -> None:
    body = (
        HEADER
        + 'a,2026-12-01,09:00,Europe/Paris,x;linkedin,@brand,"Line one\nline two",,"Short for X",\n'
        + "b,2026-12-02,18:30,UTC,threads,@brand,Plain,,,\n"
    )
    result = check(tmp_path, {"cal.csv": body})
    assert result.diagnostics == []
    a, b = result.entries
    assert (a.source.line, b.source.line) == (2, 4)  # row a spans lines 2-3
    assert a.platforms == ("x", "linkedin")
    assert a.caption_for("x") == "Short for X"
    assert a.caption_for("linkedin") == "Line one\nline two"
    assert a.at_utc == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    body = (
        HEADER
        + 'a,2026-12-01,09:00,UTC,x,@b,"multi\r\nline",,,\r\nb,2026-12-01,10:00,UTC,x,@b,hi,,,\r\n'
    )
    result = check(tmp_path, {"cal.csv": ("\ufeff" + body).encode("utf-8")})
    assert result.diagnostics == []
    assert [e.source.line for e in result.entries] == [2, 4]
    assert result.entries[0].text == "multi\r\nline"


def test_numeric_dates_need_a_declared_format(tmp_path: Path) -> None:
    body = "id,date,time,timezone,platforms,account,text\na,12/01/2026,9:00 AM,UTC,x,@b,hi\n"
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E407", 2)}
    declared = check(tmp_path / "us", {"cal.csv": "# date_format: us\n" + body})
    assert declared.diagnostics == []
    assert declared.entries[0].at_utc == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert declared.entries[0].source.line == 3  # the directive line counts
    eu = check(
        tmp_path / "eu", {"cal.csv": "# date_format: eu\n" + body.replace("9:00 AM", "21:00")}
    )
    assert eu.entries[0].at_utc == datetime(2026, 1, 12, 21, 0, tzinfo=UTC)


def test_project_date_format_applies_to_csv(tmp_path: Path) -> None:
    body = "id,date,time,timezone,platforms,account,text\na,12/01/2026,9:00 PM,UTC,x,@b,hi\n"
    result = check(tmp_path, {"pipeline.yaml": "date_format: us\n", "cal.csv": body})
    assert result.diagnostics == []
    assert result.entries[0].at_utc == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def test_unclosed_quote_is_e102_and_stops(tmp_path: Path) -> None:
    body = (
        HEADER + 'a,2026-12-01,09:00,UTC,x,@b,"never closed,,,\nb,2026-12-02,09:00,UTC,x,@b,hi,,,\n'
    )
    result = check(tmp_path, {"cal.csv": body})
    assert [d.code for d in result.diagnostics] == ["E102"]
    assert result.diagnostics[0].line == 2


def test_stray_quote_is_e102(tmp_path: Path) -> None:
    body = HEADER + 'a,2026-12-01,09:00,UTC,x,@b,"quoted"tail,,,\n'
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E102", 2)}


def test_too_many_cells_is_e102_with_hint(tmp_path: Path) -> None:
    body = (
        "id,date,time,timezone,platforms,account,text\na,2026-12-01,09:00,UTC,x,@b,Hello, world\n"
    )
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E102", 2)}
    assert "double quotes" in result.diagnostics[0].hint


def test_semicolon_separated_export_is_explained(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.csv": "id;date;time\na;2026-12-01;09:00\n"})
    assert found(result) == {("E102", 1)}
    assert "comma" in result.diagnostics[0].hint


def test_huge_cell_is_e112(tmp_path: Path) -> None:
    body = (
        "id,date,time,timezone,platforms,account,text\n"
        + "a,2026-12-01,09:00,UTC,x,@b,"
        + "y" * 2_000_000
        + "\n"
    )
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E112", 2)}


def test_columns_unknown_typo_and_ignored(tmp_path: Path) -> None:
    body = "id,date,time,timezone,platforms,account,text,captoins.x,Owner,notes\na,2026-12-01,09:00,UTC,x,@b,hi,,me,x\n"
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E104", 1), ("W102", 1)}


def test_option_cells_are_coerced_and_checked(tmp_path: Path) -> None:
    body = (
        "id,date,time,timezone,platforms,account,text,media,tiktok.privacyLevel,tiktok.disabledComments,youtube.tags\n"
        "a,2026-12-01,09:00,UTC,tiktok,@b,hi,https://cdn.example.com/v.mp4,PUBLIC_TO_EVERYONE,yes,\n"
        "b,2026-12-01,10:00,UTC,tiktok,@b,hi,https://cdn.example.com/v.mp4,public,maybe,\n"
        "c,2026-12-01,11:00,UTC,youtube,@b,hi,https://cdn.example.com/v.mp4,,,cats;dogs\n"
    )
    result = check(tmp_path, {"cal.csv": body})
    a, _, c = result.entries
    assert dict(a.options["tiktok"]) == {
        "privacyLevel": "PUBLIC_TO_EVERYONE",
        "disabledComments": True,
    }
    assert {(d.code, d.line) for d in result.diagnostics if d.code.startswith("E")} == {("E109", 3)}
    assert len([d for d in result.diagnostics if d.code == "E109"]) == 2
    assert c.options["youtube"]["tags"] == ["cats", "dogs"]


def test_account_columns_per_platform(tmp_path: Path) -> None:
    body = (
        "id,date,time,timezone,platforms,account,account.linkedin,text\n"
        "a,2026-12-01,09:00,UTC,x;linkedin,@brand,@brand-company,hi\n"
    )
    result = check(tmp_path, {"cal.csv": body})
    assert result.diagnostics == []
    assert dict(result.entries[0].accounts) == {"x": "@brand", "linkedin": "@brand-company"}


def test_blank_rows_are_skipped_and_header_only_is_fine(tmp_path: Path) -> None:
    result = check(tmp_path, {"a.csv": HEADER + ",,,,,,,,,\n\n", "b.csv": HEADER, "c.csv": ""})
    assert result.diagnostics == [] and result.entries == []


def test_bare_captions_column_beside_captions_x_is_e104(tmp_path: Path) -> None:
    """`captions.` (nothing after the dot) once raised a TypeError beside `captions.x`."""
    for header in ("captions.,captions.x", "captions.x,captions."):
        body = f"id,date,time,timezone,platforms,account,text,{header}\n" + (
            "a,2026-12-01,09:00,UTC,x,@b,hi,one,two\n"
        )
        result = check(tmp_path, {"cal.csv": body})
        assert found(result) == {("E104", 1)}
        assert "after the dot" in result.diagnostics[0].message
        assert result.entries[0].captions  # the good column still counts


def test_tab_separated_export_gets_one_hint(tmp_path: Path) -> None:
    body = "id\tdate\ttime\ttimezone\nb\t2026-12-01\t09:00\tUTC\n"
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E102", 1)}
    assert "tabs" in result.diagnostics[0].message
    assert "comma" in result.diagnostics[0].hint


def test_excel_sep_comma_line_is_skipped(tmp_path: Path) -> None:
    body = "sep=,\nid,date,time,timezone,platforms,account,text\na,2026-12-01,09:00,UTC,x,@b,hi\n"
    result = check(tmp_path, {"cal.csv": body})
    assert result.diagnostics == []
    assert [(e.id, e.source.line) for e in result.entries] == [("a", 3)]


def test_excel_sep_semicolon_line_is_one_clear_error(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.csv": "sep=;\nid;date;time\na;2026-12-01;09:00\n"})
    assert found(result) == {("E102", 1)}
    assert "';'" in result.diagnostics[0].message and "first line" in result.diagnostics[0].message


def test_control_characters_in_csv_cells_are_e116(tmp_path: Path) -> None:
    body = "id,date,time,timezone,platforms,account,text\na,2026-12-01,09:00,UTC,x,@b,hi\x1b[2J\n"
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E116", 2)}
    assert "U+001B (ESC) at column 3" in result.diagnostics[0].message


_CELLS = st.one_of(
    st.sampled_from(
        ["", "x", "x;linkedin", "2026-12-01", "09:00", "UTC", "@b", "a.jpg", "https://[::1/x"]
    ),
    st.text(max_size=8),
)
_DOTTED = st.sampled_from(["captions.", "captions.x", "tiktok.", "tiktok.privacyLevel"])
_COLUMNS = _DOTTED | st.sampled_from(
    [
        "id", "date", "time", "at", "timezone", "platforms", "account", "text", "media",
        "captions.", "captions.x", "captions", "account.", "account.x", "tiktok.", ".x", "x.",
        "tiktok.privacyLevel", "clip.job", "clip_index", "sep=", "", "#", "notes",
    ]
)  # fmt: skip


@settings(max_examples=200)
@given(
    header=st.lists(_COLUMNS, min_size=1, max_size=6),
    rows=st.lists(st.lists(_CELLS, min_size=1, max_size=7), min_size=1, max_size=3),
    lead=st.sampled_from(["", "sep=,\n", "sep=;\n", "# date_format: %d/%d/%Y\n", "\t"]),
)
def test_any_csv_gives_diagnostics_never_an_exception(
    header: list[str], rows: list[list[str]], lead: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    calendar = read_csv("cal.csv", "/nowhere", lead + buffer.getvalue())
    defaults, _ = prepare_defaults(
        calendar.defaults, Defaults(), file="cal.csv", line=0, date_format=calendar.date_format
    )
    for record in calendar.records:
        build_entry(record, defaults, "/nowhere", "/nowhere")
    for d in calendar.diagnostics:
        assert d.file == "cal.csv"
