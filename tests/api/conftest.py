"""Shared pieces of the API client tests: the OpenAPI file's examples, a scripted MockTransport
that routes on method and path, and a fake clock whose sleep only moves time forward."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from pipeline.api import ApiSettings, Secret, Status200Client

SPEC_PATH = Path(__file__).resolve().parent.parent / "data" / "status200-openapi.yaml"
KEY = "rl_test_Zq7Wm4Kp9Xv2"  # a fixture key; every secrecy test looks for exactly this string
V2 = "/api/v2"


def load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


SPEC = load_spec()


def example(response: str, name: str) -> dict[str, Any]:
    """`components.responses.<response>` example `name`, as the OpenAPI file writes it."""
    content = SPEC["components"]["responses"][response]["content"]["application/json"]
    value: dict[str, Any] = content["examples"][name]["value"]
    return value


def schema_example(schema: str) -> dict[str, Any]:
    value: dict[str, Any] = SPEC["components"]["schemas"][schema]["example"]
    return value


def statuses_of(code: str) -> list[int]:
    """Every status under which some operation of the OpenAPI file lists `code` (x-error-codes)."""
    found: set[int] = set()
    for path in SPEC["paths"].values():
        for op in path.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, response in op["responses"].items():
                ref = response.get("$ref", "")
                if ref:
                    response = SPEC["components"]["responses"][ref.rsplit("/", 1)[1]]
                if code in response.get("x-error-codes", []) and str(status).isdigit():
                    found.add(int(status))
    return sorted(found)


def error(
    http_status: int, code: str | None, message: str = "refused", /, **extra: Any
) -> httpx.Response:
    """A v2 ErrorResponse with `extra` fields in `error`; `headers=` sets response headers."""
    headers = extra.pop("headers", None)
    body: dict[str, Any] = {"error": {"message": message, **extra}}
    if code is not None:
        body["error"]["code"] = code
    return httpx.Response(http_status, json=body, headers=headers)


@dataclass
class FakeTime:
    """A monotonic clock that only sleep() advances; sleeps are recorded, never waited."""

    now: float = 1000.0
    wall: float = 1_790_000_000.0
    sleeps: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.wall + (self.now - 1000.0)

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler: per (method, path), the answers to give in order.

    A step is a response, an exception to raise (a transport failure), or a function of the
    request. The last step of a route repeats. Every request is recorded.
    """

    def __init__(self, routes: dict[tuple[str, str], list[Step]] | None = None) -> None:
        self.routes: dict[tuple[str, str], list[Step]] = dict(routes or {})
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *steps: Step) -> Script:
        self.routes[(method, path)] = list(steps)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        steps = self.routes.get((request.method, request.url.path))
        if not steps:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return httpx.Response(
                step.status_code, headers=step.headers, content=step.content
            )  # a fresh copy, so a repeated step can be read again
        return step(request)

    def sent(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.url.path == path)
        ]


def settings(**overrides: Any) -> ApiSettings:
    return ApiSettings(api_key=Secret(KEY), **overrides)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[Callable[..., Status200Client]]:
    """make_client(script, **settings) -> a client on a MockTransport with the fake clock."""
    made: list[Status200Client] = []

    def make(script: Script, **overrides: Any) -> Status200Client:
        client = Status200Client(
            settings(**overrides),
            transport=httpx.MockTransport(script),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            wall_clock=fake_time.wall_clock,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


class Recorder:
    """An AttemptObserver that writes down what it sees, like the publisher's ledger does."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, object]] = []

    def before_attempt(self, attempt: int) -> None:
        self.events.append(("before", attempt, None))

    def after_attempt(self, attempt: int, outcome: object) -> None:
        self.events.append(("after", attempt, outcome))
