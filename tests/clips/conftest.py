"""Shared pieces of the clip backend tests: a sandbox serving the clip server, clients of it
(over a real socket, or over httpx.MockTransport for precise faults), and calendar entries."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.api.settings import Secret
from pipeline.backends.clips import ClipClient, ClipSettings
from pipeline.calendar import load_calendars
from pipeline.calendar.schema import SchemaContext
from pipeline.model import ClipRef, Entry, SourceRef
from pipeline.sandbox.clipconfig import DEMO_FAILED_JOB, DEMO_JOB, DEMO_PROCESSING_JOB
from tests.sandbox_handle import SandboxHandle, running_sandbox

__all__ = ["DEMO_FAILED_JOB", "DEMO_JOB", "DEMO_PROCESSING_JOB"]

#: The sandbox's clock and the tests' "now"; calendars are in December 2026.
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KEY = "up_sandbox_demo"


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=0.01, seed=5, start_at=START) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(shared_sandbox: SandboxHandle) -> SandboxHandle:
    """The module's sandbox, reset: no uploads, no faults, counters at zero."""
    shared_sandbox.reset()
    return shared_sandbox


class Sleeps(list[float]):
    """An injectable sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_of(
    sandbox: SandboxHandle, sleeps: Sleeps | None = None, *, key: str | None = KEY, **changes: Any
) -> ClipClient:
    settings = ClipSettings(
        base_url=sandbox.clip_url, api_key=Secret(key) if key else None, **changes
    )
    return ClipClient(settings, sleep=sleeps if sleeps is not None else Sleeps())


@dataclass
class Recorder:
    """A MockTransport handler that answers from a script and records every request."""

    answers: list[Callable[[httpx.Request], httpx.Response] | httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def detail(status: int, text: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"detail": text}, headers=headers)


def mock_client(
    recorder: Recorder, sleeps: Sleeps | None = None, *, key: str | None = KEY, **changes: Any
) -> ClipClient:
    settings = ClipSettings(
        base_url="http://clips.test", api_key=Secret(key) if key else None, **changes
    )
    return ClipClient(
        settings,
        transport=httpx.MockTransport(recorder),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def entry(
    *,
    platforms: tuple[str, ...] = ("tiktok", "instagram", "youtube"),
    account: str = "@acme",
    text: str | None = None,
    title: str | None = None,
    captions: dict[str, str] | None = None,
    job: str = DEMO_JOB,
    index: int = 0,
    at: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    tz: str = "UTC",
    id: str | None = "c1",
    line: int = 3,
    options: dict[str, dict[str, Any]] | None = None,
) -> Entry:
    return Entry(
        source=SourceRef("cal.yaml", line),
        id=id,
        platforms=platforms,
        accounts={p: account for p in platforms},
        text=text,
        captions=captions or {},
        title=title,
        options=options or {},
        at_local=at.replace(tzinfo=None),
        tz=tz,
        at_utc=at,
        clip=ClipRef(job, index),
    )


def load(root: Path, files: dict[str, str]) -> list[Entry]:
    """Write calendar files and load them with the real loader (diagnostics must be empty)."""
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    loaded = load_calendars([str(root)], SchemaContext(project_root=str(root)))
    assert loaded.diagnostics == [], loaded.diagnostics
    return loaded.entries
