"""A queue in YAML beside a CSV calendar of the common shape (which `validate` reads by columns):
the CSV's dated posts still take their slots, because a project with any series, queue or pool
entry is read as entries throughout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.validate.check import validate


@pytest.mark.parametrize("path", ["columns", "rows"])
def test_a_queue_skips_the_slot_a_csv_post_holds(tmp_path: Path, path: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pipeline.yaml").write_text(
        'timezone: Europe/Berlin\nslots:\n  weekdays: {mon-fri: ["08:30", "17:00"]}\n',
        encoding="utf-8",
    )
    (tmp_path / "tips.csv").write_text(
        "id,at,platforms,account,text\n"
        "csv-1,2027-01-04 08:30,x,@a,From the spreadsheet\n"
        "csv-2,2027-01-04 17:00,x,@a,Also from the spreadsheet\n",
        encoding="utf-8",
    )
    (tmp_path / "queue.yaml").write_text(
        "posts:\n  - {id: q, queue: weekdays, platforms: [x], account: '@a', text: queued}\n",
        encoding="utf-8",
    )
    config = load_config(str(tmp_path))
    now = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # Monday, 07:00 in Berlin
    result = validate([str(tmp_path)], config, now, path=path)
    assert result.errors == []
    times = {e.id: e.at_utc for e in result.entries}
    # Monday's two slots are the CSV's: the queue post takes Tuesday 08:30 (07:30 UTC).
    assert times["q"] == datetime(2027, 1, 5, 7, 30, tzinfo=UTC)
    assert times["csv-1"] == datetime(2027, 1, 4, 7, 30, tzinfo=UTC)
