"""The runner's sync job when an edit breaks pipeline.yaml: the pass changes nothing and says
why in one line, instead of an exception in the runner (issue #11)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

from pipeline.apply.publisher import PublishOptions
from pipeline.runner.scheduler import SyncContext
from pipeline.runner.sync import make_publish_sync
from tests.helpers import NOW, write


def test_a_broken_pipeline_yaml_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path,
        {
            "pipeline.yaml": "publish: {post_interval: .nan}\n",
            "schedules/cal.yaml": "posts: []\n",
        },
    )
    make = make_publish_sync([str(tmp_path / "schedules")], PublishOptions(), clock=lambda: NOW)
    # The job stops before it touches the client or the ledger: none is needed here.
    nothing = cast(Any, None)
    sync = make(SyncContext(client=nothing, ledger=nothing, stop=threading.Event(), run_id="t"))
    said = str(sync())
    assert "pipeline.yaml:1: publish.post_interval: nan is not" in said
    assert said.endswith("nothing changed (already scheduled posts are left alone)")
