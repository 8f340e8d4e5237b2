"""The CSV views are written with the csv module, byte for byte what pandas wrote before (so a
run need not import pandas): compared with pandas' `to_csv` on generated tables and ledgers."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ledger import events as ev
from pipeline.ledger.state import fold
from pipeline.ledger.views import Table, csv_bytes, engagement_table, results_table
from tests.ledger.builders import at, deferred, intent, make, outcome


def pandas_bytes(table: Table) -> bytes:
    """The writer the views used before: object dtype, None as an empty cell, "\\n" line ends."""
    frame = pd.DataFrame(table.rows, columns=list(table.columns), dtype=object)
    return frame.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


#: Text that needs quoting or neutralising: separators, quotes, line ends, formula starts, emoji.
TEXT = st.text(alphabet=st.sampled_from(list(",\"'\n\r\t =+-@;aZ0 é❄️\x00\u2028")), max_size=12)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.text(max_size=8),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
COLUMNS = ("a", "b,c", 'q"uote', "d")


@given(st.lists(st.dictionaries(st.sampled_from(COLUMNS), CELL), max_size=6))
def test_any_table_is_written_as_pandas_wrote_it(rows: list[dict[str, Any]]) -> None:
    """Missing keys, None, NaN, ints, floats, booleans and awkward text alike."""
    table = Table(COLUMNS, rows)
    assert csv_bytes(table) == pandas_bytes(table)


@given(
    st.lists(
        st.tuples(TEXT, TEXT, st.sampled_from(["scheduled", "failed", "deferred"]), CELL),
        min_size=0,
        max_size=6,
    )
)
def test_generated_ledgers_write_the_same_views(posts: list[tuple[str, str, str, Any]]) -> None:
    """Both views of a folded ledger: results.csv and engagement.csv, with every status."""
    events = []
    for n, (entry_id, text, kind, metric) in enumerate(posts):
        identity = f"id{n}"
        if kind == "deferred":
            events.append(deferred(identity, entry_id=entry_id or "e", account=text or "@a"))
            continue
        events.append(intent(identity, entry_id=entry_id or "e", source=text or "s"))
        fields: dict[str, Any] = {"result": kind}
        if kind == "failed":
            fields.update(scheduled_post_id=None, error_message=text, api_code=None)
        events.append(outcome(identity, **fields))
        number = isinstance(metric, int | float) and not isinstance(metric, bool)
        metrics = {"views": metric if number else None, "likes": n}  # None: not reported
        figures = make(
            ev.Figures, identity=identity, post_id=text or "p", polled_at=at(5), metrics=metrics
        )
        events.append(figures)
    state = fold(events)
    for table in (results_table(state), engagement_table(state)):
        assert csv_bytes(table) == pandas_bytes(table)


def test_an_empty_ledger_writes_the_header_only() -> None:
    state = fold([])
    for table in (results_table(state), engagement_table(state)):
        assert csv_bytes(table) == pandas_bytes(table)
        assert csv_bytes(table).count(b"\n") == 1
