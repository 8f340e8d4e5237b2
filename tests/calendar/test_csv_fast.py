"""The columnar path (calendar/csv_fast, validate/columnar) against the row-by-row path.

Generated CSV calendars, valid and broken, must give the same diagnostics (every field, the
wording too), the same entries and the same summary both ways; `PIPELINE_VALIDATE_PATH=rows`
and `path="rows"` keep the row path callable.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import pipeline.calendar as calendar_package
from pipeline.calendar import csv_fast, read_calendar
from pipeline.calendar.csv_fast import CsvTable
from pipeline.calendar.raw import RawCalendar
from pipeline.config import load_config
from pipeline.validate.check import ValidationResult, validate

NOW = datetime(2026, 11, 25, tzinfo=UTC)

IDS = st.sampled_from(["", "a", "b", "c", " d ", "post-1", "post-2", "  "])
DATES = st.sampled_from(
    ["2026-12-01", "2026-11-24", "2027-12-30", "2026-13-01", "12/01/2026", "tomorrow", "", " "]
) | st.sampled_from(["2026-03-29", "2026-10-25", "2026-11-25", "2026-11-25 00:00:30"])
TIMES = st.sampled_from(["09:00", "02:30", "25:00", "", "9", "00:00:30", "08:15:00", "23:59"])
# The cells csv_fast._quick_when reads itself, and the ones beside them it must leave alone.
DATES |= st.sampled_from(
    ["2027-02-30", "0001-01-01", "9999-12-31", " 2026-12-01", "２０２６-12-01"]
)
TIMES |= st.sampled_from(["9:05", "09:60", "24:00", " 09:00 ", "9:5", "09:00 PM", "０9:00"])
ATS = st.sampled_from(["", "2026-12-02 10:00", "2026-12-02T10:00+01:00", "2026-12-02 10:00Z"])
ZONES = st.sampled_from(["", "Europe/Berlin", "America/New_York", "Mars/Base", "+02:00", "UTC"])
PLATFORMS = st.sampled_from(
    ["x", "instagram", "x;linkedin", "facebook,threads", "twitter", "myspace", "", "X; x"]
) | st.sampled_from(["tiktok", "pinterest", "youtube", "skool", "instagram;pinterest;x", "ig"])
ACCOUNTS = st.sampled_from(["", "@brand", "@other", " "])
MEDIA = (
    st.sampled_from(["", "media/a.jpg", "media/b.png", "media/missing.jpg", "media/c.jpg"])
    | st.sampled_from(["https://cdn.example/v.mp4", "ftp://x.example/a.jpg", "../outside.jpg"])
    | st.sampled_from(
        ["https://cdn.example:8080/a.jpg", "media/wide.jpg", "media/a.jpg;media/b.png"]
    )
)
TITLES = st.sampled_from(["", "A title", "T" * 120, " "])
TEXTS = st.one_of(
    st.sampled_from(["", " ", "Hello", "café ☕", "line one\nline two", "bell \x07 here"])
    | st.sampled_from(["see https://shop.example.com/p/1", "a.co " * 20, "🎉" * 150])
    | st.sampled_from(["#a " * 31, "word " * 57, "x" * 281, "y" * 2201, "é" * 300, "\r\n#b"]),
    st.text(alphabet="ab #.\n😀é\t", max_size=300),
)
COLUMNS = ["id", "date", "time", "at", "timezone", "platforms", "platform", "account", "text"]
COLUMNS += ["title", "media", "notes", "_private", "Captions.x", "tiktok.privacyLevel", "colour"]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    core = ["id", "date", "time", "platforms", "text", "media"]
    extra = draw(st.lists(st.sampled_from(COLUMNS), max_size=4))
    header = list(dict.fromkeys(draw(st.permutations(core)) + extra))
    if draw(st.booleans()) and header:
        header.remove(draw(st.sampled_from(header)))
    values = {
        "id": IDS,
        "date": DATES,
        "time": TIMES,
        "at": ATS,
        "timezone": ZONES,
        "platforms": PLATFORMS,
        "platform": PLATFORMS,
        "account": ACCOUNTS,
        "text": TEXTS,
        "title": TITLES,
        "media": MEDIA,
    }
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        shape = draw(st.sampled_from(["row"] * 8 + ["blank", "spaces", "short", "long"]))
        row = [draw(values.get(column, st.sampled_from(["", "x", "note"]))) for column in header]
        if shape == "blank":
            row = [""] * len(header)
        elif shape == "spaces":
            row = [" "] * len(header)
        elif shape == "short":
            row = row[: max(len(row) - 2, 0)]
        elif shape == "long":
            row = [*row, draw(st.sampled_from(["", " ", "extra"]))]
        rows.append(row)
    return header, rows


def _project(folder: Path, header: list[str], rows: list[list[str]], config: str) -> Path:
    (folder / ".git").mkdir()
    (folder / "pipeline.yaml").write_text(config, encoding="utf-8")
    media = folder / "media"
    media.mkdir()
    Image.new("RGB", (64, 64)).save(media / "a.jpg")
    Image.new("RGB", (64, 64)).save(media / "b.png")
    Image.new("RGB", (300, 64)).save(media / "wide.jpg")
    (media / "c.jpg").write_bytes(b"not an image")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if len(rows) % 2 else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    (folder / "calendar.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


def _both(root: Path, *, keep_entries: bool) -> tuple[ValidationResult, ValidationResult]:
    config = load_config(str(root))
    return tuple(  # type: ignore[return-value]
        validate([str(root)], config, NOW, keep_entries=keep_entries, path=path)
        for path in ("columns", "rows")
    )


def _same(fast: ValidationResult, rows: ValidationResult, *, entries: bool = True) -> None:
    """`entries`: compared when kept (without `keep_entries` the columnar path keeps none)."""
    assert [d.as_dict() for d in fast.diagnostics] == [d.as_dict() for d in rows.diagnostics]
    assert fast.entries == rows.entries if entries else fast.entries == []
    assert fast.summary() == rows.summary()
    assert list(fast.media) == list(rows.media)


CONFIGS = st.sampled_from(
    [
        "timezone: Europe/Berlin\ndefaults:\n  account: '@brand'\n"
        "  tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}\nplan: {tier: skilled, daily: 3}\n",
        "defaults:\n  account: {x: '@x', default: '@d'}\n  platforms: [x]\n",
        "timezone: America/New_York\ndate_format: us\nplan: {tier: free, monthly: 2}\n",
        "timezone: UTC\ndefaults:\n  pinterest: {boardId: '1', description: 'Pinned'}\n",
    ]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), CONFIGS, st.booleans())
def test_columns_and_rows_agree(
    calendar: tuple[list[str], list[list[str]]], config: str, keep: bool
) -> None:
    header, rows = calendar
    with tempfile.TemporaryDirectory() as folder:
        root = _project(Path(folder), header, rows, config)
        fast, slow = _both(root, keep_entries=keep)
        _same(fast, slow, entries=keep)


def test_a_large_valid_calendar_agrees_and_is_read_as_columns(tmp_path: Path) -> None:
    platforms = ["x", "instagram;facebook", "linkedin;threads;x"]
    media = ["media/a.jpg", "", "media/b.png"]
    rows = [
        [f"p{i}", f"2026-12-{1 + i % 28:02d}", f"{8 + i % 12:02d}:{15 * (i % 4):02d}"]
        for i in range(600)
    ]
    for i, row in enumerate(rows):
        row += [platforms[i % 3], f"post {i} #tag", media[i % 3]]
    rows[7][0] = "p3"  # a duplicate id
    rows[11][4] = "long " * 60  # too long for X
    root = _project(tmp_path, ["id", "date", "time", "platforms", "text", "media"], rows, "")
    calendar = read_calendar(str(root / "calendar.csv"), str(root), columns=True)
    assert isinstance(calendar, CsvTable) and len(calendar.lines) == 600
    for keep in (True, False):
        fast, slow = _both(root, keep_entries=keep)
        _same(fast, slow, entries=keep)
    assert {d.code for d in fast.diagnostics} >= {"E106", "E201", "E110"}


@pytest.mark.parametrize(
    "header", [["id", "date", "captions.x"], ["id", "date", "tiktok.privacyLevel"], ["notes"]]
)
def test_other_columns_are_left_to_the_row_reader(tmp_path: Path, header: list[str]) -> None:
    root = _project(tmp_path, header, [["a", "2026-12-01", "x"]], "")
    calendar = read_calendar(str(root / "calendar.csv"), str(root), columns=True)
    assert not isinstance(calendar, CsvTable)


def test_the_row_path_is_chosen_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, ["id", "date", "platforms"], [["a", "2026-12-01 09:00", "x"]], "")
    seen: list[str] = []
    real = csv_fast.read_csv_data

    def spy(file: str, directory: str, data: bytes) -> RawCalendar | None:
        seen.append(file)
        return real(file, directory, data)

    monkeypatch.setattr(calendar_package, "read_csv_data", spy)
    config = load_config(str(root))
    validate([str(root)], config, NOW)
    assert len(seen) == 1
    monkeypatch.setenv("PIPELINE_VALIDATE_PATH", "rows")
    validate([str(root)], config, NOW)
    assert len(seen) == 1


@pytest.mark.parametrize(
    "head", ["sep=,\n", "# date_format: us\n# timezone: America/New_York\n", "sep=,\n# x: y\n"]
)
def test_lines_after_directives_agree(tmp_path: Path, head: str) -> None:
    root = _project(tmp_path, ["id", "date", "platforms", "text"], [], "")
    rows = 'a,12/01/2026 09:00,x,"two\nlines"\n\nb,2026-12-01 25:00,x,hi\r\nc,,,\n'
    (root / "calendar.csv").write_text(head + "id,date,platforms,text\n" + rows, encoding="utf-8")
    calendar = read_calendar(str(root / "calendar.csv"), str(root), columns=True)
    assert isinstance(calendar, CsvTable)
    fast, slow = _both(root, keep_entries=True)
    _same(fast, slow)
    assert len({d.line for d in fast.diagnostics}) >= 2
