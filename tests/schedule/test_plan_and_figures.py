"""The plan names a queue or pool post's slot; order: best reads the ledger's figures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.ledger.records import FiguresRow
from pipeline.ledger.views import figure_scores


def test_plan_shows_each_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pipeline.yaml").write_text(
        'timezone: Europe/Berlin\nslots:\n  weekdays: {mon-fri: ["08:30", "17:00"]}\n',
        encoding="utf-8",
    )
    (tmp_path / "cal.yaml").write_text(
        "defaults: {account: '@a', platforms: [x]}\nposts:\n"
        "  - {id: q, queue: weekdays, text: queued}\n"
        "  - {id: t, queue: weekdays, text: tip, evergreen: {pool: tips, cooldown_days: 1}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["plan", "cal.yaml", "--now", "2027-01-04T06:00Z"]) == 0
    out = capsys.readouterr().out
    assert "(slot weekdays Mon 08:30 Europe/Berlin)" in out
    assert "(pool tips r1, slot weekdays Mon 17:00 Europe/Berlin)" in out


class _State:
    def __init__(self, figures: dict[str, list[FiguresRow]]) -> None:
        self.figures = figures


def test_figure_scores_are_interactions_at_the_latest_reading() -> None:
    def row(at: int, **metrics: int | None) -> FiguresRow:
        return FiguresRow("t@r1/x", "p1", datetime(2027, 1, at, tzinfo=UTC), metrics)

    state = _State(
        {"t@r1/x": [row(2, likes=9, comments=1, shares=None, saves=2, views=900), row(1, likes=1)]}
    )
    assert figure_scores(state) == {"t@r1/x": 12.0}  # type: ignore[arg-type]
