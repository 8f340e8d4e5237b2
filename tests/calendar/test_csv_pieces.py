"""A large CSV calendar read and checked in two pieces, one per process (`csv_source.cut`,
`validate._later_pieces`), against the same file read whole.

The pieces must give exactly the whole file's rows, lines and diagnostics, whatever the file
holds: quoted newlines, CRLF, a BOM, directives, broken quoting on either side of the cut,
bytes that are not UTF-8, ids used in both pieces.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline.calendar as calendar_package
import pipeline.validate.check as check_module
from pipeline.calendar import read_calendar
from pipeline.calendar.csv_fast import CsvTable
from pipeline.calendar.csv_source import Piece, _lines, cut, lines_of, piece_data, read_csv
from pipeline.calendar.schema import CONTROL, control_in_bytes
from pipeline.config import load_config
from pipeline.rules.codes import make
from pipeline.validate import pieces
from pipeline.validate.check import ValidationResult, validate
from pipeline.validate.columnar import Part
from tests.calendar.test_csv_fast import CONFIGS, NOW, _project, calendars

CELLS = st.sampled_from(["", "a", "x;linkedin", "2026-12-01", '"quoted"', "a,b", "é😀"]) | st.text(
    alphabet='ab ,"\n\r', max_size=8
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """Any CSV a writer makes (quoted newlines and quotes included), with a varied head."""
    width = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=12))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(["id", "date", "platforms", "text"][:width])
    writer.writerows(rows)
    head = draw(st.sampled_from(["", "\ufeff", "sep=,\n", "# timezone: UTC\n# x: y\n"]))
    return head + out.getvalue()


def _records(text: str, lines_before: int = 0) -> list[tuple[int, dict[str, object]]]:
    read = read_csv("c.csv", "/", text, lines_before=lines_before)
    return [(r.line, r.fields) for r in read.records]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(csv_texts(), st.integers(2, 4))
def test_the_pieces_hold_the_whole_files_rows_on_their_lines(text: str, count: int) -> None:
    data = text.encode()
    found = cut(data, count)
    if found is None:
        return
    _, offsets = found
    assert offsets[0] < offsets[1] and offsets == sorted(set(offsets)) and offsets[-1] == len(data)
    pieces = [piece_data(data, offsets, i) for i in range(count)]
    from_pieces = [r for part, before in pieces for r in _records(part.decode("utf-8-sig"), before)]
    assert from_pieces == _records(data.decode("utf-8-sig"))


def test_a_cut_is_never_inside_a_quoted_cell() -> None:
    rows = "".join(f'r{i},"two\nlines, with ""quotes"""\n' for i in range(40))
    data = ("id,text\n" + rows).encode()
    found = cut(data, 3)
    assert found is not None
    for start in found[1][1:-1]:
        assert data[start : start + 1] == b"r"  # the start of a row, not its second line


@pytest.mark.parametrize("text", ["", "id,text\n", "id,text", "a;b;c\n1;2;3\n", "sep=;\na;b\n"])
def test_files_without_rows_or_commas_are_not_cut(text: str) -> None:
    assert cut(text.encode(), 2) is None


def test_a_part_travels_with_its_slots_as_columns() -> None:
    t0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
    part = Part(keys=[("a", "c.csv", 2, 2), (None, "c.csv", 3, 1)], sent={("c.csv", 2)})
    part.build = [make("E401", "c.csv", 3, "bad time", hint="fix it", entry="b")]
    part.checks = [make("E201", "c.csv", 2, "too long", entry="a", platform="x")]
    part.slots = [(t0 + timedelta(hours=i % 3), "c.csv", 2 + i, "a", "x", "@b") for i in range(9)]
    part.templates = frozenset({"series"})
    # What multiprocessing does with a child's answer (our own bytes, never a file's).
    again = pickle.loads(pickle.dumps(part))  # noqa: S301
    assert [d.as_dict() for d in again.checks + again.build] == [
        d.as_dict() for d in part.checks + part.build
    ]
    assert again == part and pickle.loads(pickle.dumps(Part())) == Part()  # noqa: S301


# -- validate: two processes against one ------------------------------------------------------


@pytest.fixture
def every_csv_is_large(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every CSV file is cut, and each merge of a later piece is counted (in this process)."""
    monkeypatch.setattr(calendar_package, "PIECE_MIN_BYTES", 0)
    merged: list[int] = []
    real = pieces.with_later

    def counted(*args: object) -> list[Part]:
        parts = real(*args)  # type: ignore[arg-type]
        merged.append(len(parts))
        return parts

    monkeypatch.setattr(check_module, "with_later", counted)  # where validate calls it
    return merged


def _split_and_whole(root: Path) -> tuple[ValidationResult, ValidationResult]:
    config = load_config(str(root))
    return (
        validate([str(root)], config, NOW, workers=2, keep_entries=False),
        validate([str(root)], config, NOW, workers=1, keep_entries=False),
    )


def _same(split: ValidationResult, whole: ValidationResult) -> None:
    assert [d.as_dict() for d in split.diagnostics] == [d.as_dict() for d in whole.diagnostics]
    assert split.summary() == whole.summary()
    assert dict(split.media) == dict(whole.media) and split.files == whole.files


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), CONFIGS)
def test_two_processes_and_one_agree(
    calendar: tuple[list[str], list[list[str]]], config: str
) -> None:
    header, rows = calendar
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as folder:
        patch.setattr(calendar_package, "PIECE_MIN_BYTES", 0)
        root = _project(Path(folder), header, rows, config)
        split, whole = _split_and_whole(root)
        _same(split, whole)


def _large(root: Path, rows: list[str], header: str = "id,date,platforms,text,media") -> Path:
    _project(root, ["id"], [], "timezone: Europe/Berlin\ndefaults: {account: '@brand'}\n")
    (root / "calendar.csv").write_bytes((header + "\n" + "".join(rows)).encode())
    return root


def _line_of(root: Path, start: str) -> int:
    text = (root / "calendar.csv").read_text(encoding="utf-8")
    return text.count("\n", 0, text.index("\n" + start) + 1) + 1


def _row(i: int, text: str = "hello", media: str = "") -> str:
    return f"p{i},2026-12-{1 + i % 28:02d} {8 + i % 12:02d}:00,x;linkedin,{text},{media}\n"


def test_a_large_calendar_is_checked_in_two_pieces(
    tmp_path: Path, every_csv_is_large: list[int]
) -> None:
    rows = [_row(i, '"two\nlines"' if i % 7 == 0 else "hi #a #b") for i in range(400)]
    rows[10] = _row(10, "x" * 300)  # too long for X, in the first piece
    rows[390] = _row(390, "y" * 3100)  # too long for LinkedIn too, in the second
    rows[395] = _row(5)  # an id of the first piece used again in the second
    rows[399] = _row(399, "hi", "media/b.png")  # media only the second piece names
    root = _large(tmp_path, rows)
    first = read_calendar(str(root / "calendar.csv"), str(root), columns=True, piece=Piece(0, 2))
    assert isinstance(first, CsvTable) and first.piece == Piece(0, 2)
    assert 0 < len(first.lines) < 400
    split, whole = _split_and_whole(root)
    assert every_csv_is_large == [2]  # the child's piece merged after the parent's
    _same(split, whole)
    too_long = {(d.entry, d.line) for d in split.diagnostics if d.code == "E201"}
    assert too_long >= {("p10", _line_of(root, "p10,")), ("p390", _line_of(root, "p390,"))}
    assert any(d.code == "E106" and d.entry == "p5" for d in split.diagnostics)
    assert "media/b.png" in " ".join(d.message for d in split.diagnostics if d.code == "W150")


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param('"open "quote" here', id="quote then text, first piece"),
        pytest.param('"a"b"c"', id="an even number of quotes, first piece"),
    ],
)
@pytest.mark.parametrize("at", [30, 370], ids=["first", "second"])
def test_broken_quoting_on_either_side_is_reported_as_read_whole(
    tmp_path: Path, every_csv_is_large: list[int], broken: str, at: int
) -> None:
    """Whichever piece fails, the file is read whole: no part, and no media, of a child's
    piece is taken (the last row's media is named only in the second piece)."""
    rows = [_row(i) for i in range(400)]
    rows[at] = f"p{at},2026-12-01 09:00,x,{broken},\n"
    rows[399] = _row(399, "hi", "media/b.png")
    root = _large(tmp_path, rows)
    split, whole = _split_and_whole(root)
    _same(split, whole)
    assert any(d.code == "E102" and "quoting" in d.message for d in split.diagnostics)
    assert set(every_csv_is_large) <= {1}  # read whole: no part merged from a child


def test_a_quote_inside_an_unquoted_cell_does_not_mislead_the_cut(
    tmp_path: Path, every_csv_is_large: list[int]
) -> None:
    rows = [_row(i, 'say "hi' if i == 3 else "hi") for i in range(400)]  # one '"' in a cell
    root = _large(tmp_path, rows)
    split, whole = _split_and_whole(root)
    _same(split, whole)
    assert split.summary()["entries"] == 400


def test_bytes_that_are_not_utf8_in_the_second_piece_are_found_on_their_line(
    tmp_path: Path, every_csv_is_large: list[int]
) -> None:
    root = _large(tmp_path, [_row(i) for i in range(400)])
    path = root / "calendar.csv"
    data = path.read_bytes()
    at = data.index(b"p390,")
    path.write_bytes(data[:at] + b"\xff" + data[at:])
    split, whole = _split_and_whole(root)
    _same(split, whole)
    assert [(d.code, d.line) for d in split.diagnostics if d.code == "E100"] == [("E100", 392)]


@pytest.mark.parametrize("head", ["\ufeff", "sep=,\n", "# timezone: America/New_York\n"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_heads_and_line_ends_keep_their_lines(
    tmp_path: Path, every_csv_is_large: list[int], head: str, newline: str
) -> None:
    rows = [_row(i, "25:00" if i % 50 == 0 else "ok").replace("\n", newline) for i in range(300)]
    rows = [r.replace(" 08:00", " 25:00") for r in rows]  # some bad times, on both sides
    root = _large(tmp_path, [])
    header = "id,date,platforms,text,media" + newline
    (root / "calendar.csv").write_bytes((head + header + "".join(rows)).encode())
    split, whole = _split_and_whole(root)
    assert every_csv_is_large == [2]
    _same(split, whole)
    assert len([d for d in split.diagnostics if d.is_error]) >= 2


def test_templates_elsewhere_send_the_project_to_the_rows_whole(
    tmp_path: Path, every_csv_is_large: list[int]
) -> None:
    root = _large(tmp_path, [_row(i) for i in range(300)])
    (root / "series.yaml").write_text(
        "posts:\n  - id: weekly\n    at: 2026-12-01 09:00\n    repeat: FREQ=WEEKLY;COUNT=4\n"
        "    platforms: [x]\n    text: Weekly\n",
        encoding="utf-8",
    )
    split, whole = _split_and_whole(root)
    assert every_csv_is_large == []
    _same(split, whole)
    assert split.summary()["entries"] == 301


@pytest.mark.parametrize("plan", ["{tier: skilled, daily: 5}", "{tier: free, monthly: 40}"])
def test_posts_over_the_allowance_are_named_from_both_pieces(
    tmp_path: Path, every_csv_is_large: list[int], plan: str
) -> None:
    """Over the allowance, the child's slots are fetched from it: W401/W402 name posts of
    both pieces, numbered across them, as in one process."""
    root = _large(tmp_path, [_row(i) for i in range(400)])
    (root / "pipeline.yaml").write_text(
        f"timezone: Europe/Berlin\ndefaults: {{account: '@brand'}}\nplan: {plan}\n",
        encoding="utf-8",
    )
    split, whole = _split_and_whole(root)
    assert every_csv_is_large == [2]
    _same(split, whole)
    over = [d for d in split.diagnostics if d.code in ("W401", "W402")]
    lines = {d.line for d in over}
    first = read_calendar(str(root / "calendar.csv"), str(root), columns=True, piece=Piece(0, 2))
    assert isinstance(first, CsvTable)
    assert min(lines) <= first.lines[-1] < max(lines)  # some in each piece


# -- reading bytes line by line (csv_source.lines_of, schema.control_in_bytes) -----------------


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from('ab,"\n\r\t é😀\x07\x1b\x7f\x85\x9f\xa0\u2028\ufeff')))
def test_bytes_read_line_by_line_as_the_decoded_text(text: str) -> None:
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        whole = data.decode("utf-8-sig")
        found = lines_of(data)
        assert found is not None
        head, lines = found
        assert lines == list(_lines(whole, 0)) and head == whole[:4096]
        assert control_in_bytes(data) is (CONTROL.search(whole) is not None)


def test_bytes_that_are_not_utf8_are_left_to_the_text_reader() -> None:
    assert lines_of(b"id,text\na,caf\xe9\n") is None


def _dies(inherited: tuple[object, ...]) -> object:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def _fails(inherited: tuple[object, ...]) -> object:
    raise RuntimeError("a bug in the child")


@pytest.mark.parametrize("child", [_dies, _fails], ids=["killed", "raises"])
def test_a_child_that_dies_or_fails_leaves_the_work_to_one_process(
    tmp_path: Path,
    every_csv_is_large: list[int],
    monkeypatch: pytest.MonkeyPatch,
    child: Callable[[tuple[object, ...]], object],
) -> None:
    rows = [_row(i) for i in range(300)]
    rows[250] = _row(250, "x" * 300)  # an error in the second piece
    root = _large(tmp_path, rows)
    monkeypatch.setattr(pieces, "_check_later_pieces", child)
    split, whole = _split_and_whole(root)
    _same(split, whole)
    assert every_csv_is_large == []  # never merged: validated again in one process
    assert any(d.code == "E201" and d.entry == "p250" for d in split.diagnostics)


def test_no_process_to_be_had_means_one_process(
    tmp_path: Path, every_csv_is_large: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _large(tmp_path, [_row(i) for i in range(300)])
    opened = len(os.listdir("/proc/self/fd"))

    def no_fork() -> int:
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    split, whole = _split_and_whole(root)
    assert every_csv_is_large == []
    _same(split, whole)
    assert len(os.listdir("/proc/self/fd")) == opened  # its pipes closed


def test_a_child_killed_before_it_is_asked_for_its_slots(
    tmp_path: Path, every_csv_is_large: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its slots are needed (an id of the first piece used again in the second): asked of a
    child the OOM killer took, the parent validates again in one process."""
    rows = [_row(i) for i in range(400)]
    rows[395] = _row(5)
    root = _large(tmp_path, rows)
    real = pieces.Child.kept_slots

    def killed_first(child: pieces.Child) -> object:
        os.kill(child._pid, signal.SIGKILL)
        os.waitpid(child._pid, 0)  # gone for sure: asking it is a broken pipe
        return real(child)

    monkeypatch.setattr(pieces.Child, "kept_slots", killed_first)
    split, whole = _split_and_whole(root)
    _same(split, whole)
    assert any(d.code == "E106" and d.entry == "p5" for d in split.diagnostics)


def test_an_embedder_ignoring_sigchld_is_no_problem(
    tmp_path: Path, every_csv_is_large: list[int]
) -> None:
    root = _large(tmp_path, [_row(i) for i in range(300)])
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        split, whole = _split_and_whole(root)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert every_csv_is_large == [2]
    _same(split, whole)


def test_no_fork_while_other_threads_run(tmp_path: Path, every_csv_is_large: list[int]) -> None:
    root = _large(tmp_path, [_row(i) for i in range(300)])
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        split, whole = _split_and_whole(root)
    finally:
        stop.set()
        thread.join()
    assert every_csv_is_large == []
    _same(split, whole)
