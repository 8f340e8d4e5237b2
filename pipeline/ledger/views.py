"""The ledger's CSV views, `results.csv` and `engagement.csv`, rewritten atomically.

Both are derived from the event log and can be rebuilt from it at any time; people open them
in spreadsheets, so every text cell is neutralised against formula injection (see `neutralise`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pipeline.ledger.records import LedgerState
from pipeline.ledger.schema import METRICS
from pipeline.ledger.store import Ledger

#: results.csv starts with exactly these columns, in this order (a public interface).
RESULTS_COLUMNS: Final = (
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
#: ...followed by these, which may grow (append only, so column positions stay put).
RESULTS_EXTRA: Final = (
    "identity",
    "permalink",
    "scheduled_post_id",
    "history_post_id",
    "fingerprint",
    "generation",
    "reason",
    "first_sent_at",
)
ENGAGEMENT_COLUMNS: Final = ("identity", "platform", "account", "post_id", "polled_at", *METRICS)

#: What a spreadsheet may read as the start of a formula (OWASP "CSV injection"): the four the
#: issue names, plus tab and carriage return, which some spreadsheets strip before looking.
_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
#: A plain number in ASCII digits ("-12", "+3.5", "1e-3"): a spreadsheet reads it as a number.
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def neutralise(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet: prefix `'` if it could start a formula.

    A cell beginning with `=`, `+`, `-`, `@`, tab or carriage return gets a leading single quote,
    unless the whole cell is a plain number such as `-3` or `+1.5e3`. So a caption or an API
    error message `=cmd|' /C calc'!A0` is written as `'=cmd|' /C calc'!A0`, shown as text.
    An account handle such as `@brand` is neutralised too (written `'@brand`): that is
    expected, the price of a rule that cannot be talked around. The ledger's events keep the
    real values; only the CSV views carry the quote.
    """
    if value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


def _utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Table:
    """A CSV view before it is written: its columns and its rows, cells already neutralised."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def _table(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    safe = [{name: _cell(value) for name, value in row.items()} for row in rows]
    return Table(columns, safe)


def results_table(state: LedgerState) -> Table:
    """One row per planned post the ledger knows, earliest first; cells already neutralised."""
    far = datetime.max.replace(tzinfo=UTC)
    posts = sorted(
        state.posts.values(),
        key=lambda p: (p.scheduled_for or far, p.platform, p.account, p.identity),
    )
    rows = []
    for post in posts:
        detail = state.details.get(post.identity)
        rows.append(
            {
                "entry_id": post.entry_id,
                "source": post.source,
                "platform": post.platform,
                "account": post.account,
                "scheduled_for": _utc(post.scheduled_for),
                "status": post.status,
                "post_id": post.post_id,
                "platform_post_id": post.platform_post_id,
                "file_ids": ";".join(post.file_ids),
                "attempts": post.attempts,
                "last_error": post.last_error,
                "updated_at": _utc(post.updated_at),
                "identity": post.identity,
                "permalink": post.permalink,
                "scheduled_post_id": post.scheduled_post_id,
                "history_post_id": detail.history_post_id if detail else None,
                "fingerprint": post.fingerprint,
                "generation": post.generation,
                "reason": detail.reason if detail else None,
                "first_sent_at": _utc(post.first_sent_at),
            }
        )
    return _table(rows, RESULTS_COLUMNS + RESULTS_EXTRA)


def engagement_rows(
    state: LedgerState, when: Callable[[datetime], Any]
) -> Iterator[dict[str, Any]]:
    """Every figures reading as a row, by post then time, its time shown by `when` (text in the
    CSV view, a datetime in the report); a metric the network did not report stays None."""
    for identity in sorted(state.figures):
        post = state.posts.get(identity)
        for reading in sorted(state.figures[identity], key=lambda r: r.polled_at):
            row: dict[str, Any] = {
                "identity": identity,
                "platform": post.platform if post else None,
                "account": post.account if post else None,
                "post_id": reading.post_id,
                "polled_at": when(reading.polled_at),
            }
            row.update({name: reading.metrics.get(name) for name in METRICS})
            yield row


def engagement_table(state: LedgerState) -> Table:
    """Every figures reading, by post then time; an empty metric cell means "not reported"."""
    return _table(engagement_rows(state, _utc), ENGAGEMENT_COLUMNS)


#: The figures an evergreen pool's `order: best` ranks by: a post's interactions.
INTERACTIONS: Final = ("likes", "comments", "shares", "saves")


def figure_scores(state: LedgerState) -> dict[str, float]:
    """Each post's interactions (likes + comments + shares + saves) at its latest reading, by
    identity: what engagement.csv shows, as one number a pool can rank by."""
    scores = {}
    for identity, readings in state.figures.items():
        if readings:
            latest = max(readings, key=lambda r: r.polled_at).metrics
            scores[identity] = float(sum(latest.get(name) or 0 for name in INTERACTIONS))
    return scores


def _plain(value: Any) -> Any:
    """None (or a NaN) is an empty cell; anything else is written as the csv module writes it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


def csv_bytes(table: Table) -> bytes:
    """The CSV bytes, written with the csv module (pandas wrote the same bytes through it: the
    same dialect, "\n" line ends, None as an empty cell, a missing key as an empty cell), so
    that writing the views after a run does not cost importing pandas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([_plain(row.get(name)) for name in table.columns] for row in table.rows)
    return out.getvalue().encode("utf-8")


def write_results(ledger: Ledger, state: LedgerState | None = None) -> Path:
    """Rewrite `results.csv` atomically (from `state`, or the ledger's current state)."""
    table = results_table(state if state is not None else ledger.state())
    ledger.write_view(ledger.results_path, csv_bytes(table))
    return ledger.results_path


def write_engagement(ledger: Ledger, state: LedgerState | None = None) -> Path:
    table = engagement_table(state if state is not None else ledger.state())
    ledger.write_view(ledger.engagement_path, csv_bytes(table))
    return ledger.engagement_path


def write_views(ledger: Ledger, state: LedgerState | None = None) -> None:
    """Both views from one fold."""
    current = state if state is not None else ledger.state()
    write_results(ledger, current)
    write_engagement(ledger, current)
