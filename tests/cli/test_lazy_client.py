"""`pipeline publish` makes its API client only when a request will be made: a re-run with
nothing to send builds none and sends nothing (issue 13). Counted, never timed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline import cli
from pipeline.api import Status200Client
from pipeline.commands import publish as publish_command
from tests.cli.test_publish_cli import NOW, env_for, project
from tests.publish.conftest import SCALE, START, calendar
from tests.sandbox_handle import SandboxHandle, running_sandbox


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


class CountingClient(Status200Client):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountingClient.made += 1
        super().__init__(*args, **kwargs)


def test_a_no_op_rerun_builds_no_client_and_sends_nothing(
    tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, calendar(4))
    for name, value in env_for(sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(publish_command, "Status200Client", CountingClient)
    monkeypatch.setattr(CountingClient, "made", 0)
    argv = ["publish", str(root / "schedules"), "--yes", "--now", NOW]

    assert cli.main(argv) == 0
    assert CountingClient.made == 1  # the first run sends: one client
    before = sandbox.counters()
    assert sum(before["scheduled_created"].values()) == 4

    assert cli.main(argv) == 0
    assert CountingClient.made == 1  # the re-run has nothing to send: no client at all
    assert sandbox.counters() == before  # and the sandbox saw no request


def test_a_run_with_work_makes_one_client_for_all_its_lanes(
    tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many lanes (threads) ask for the client at once: still exactly one is made."""
    root = project(tmp_path, calendar(12))
    for name, value in env_for(sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(publish_command, "Status200Client", CountingClient)
    monkeypatch.setattr(CountingClient, "made", 0)
    assert cli.main(["publish", str(root / "schedules"), "--yes", "--now", NOW]) == 0
    assert CountingClient.made == 1
    assert sum(sandbox.counters()["scheduled_created"].values()) == 12
