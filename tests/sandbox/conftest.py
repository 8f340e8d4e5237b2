"""Shared pieces of the sandbox tests: the OpenAPI file (test data), a config with the profile and
file the file's examples name, clients, and a validator of answers against the file's schemas."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from pipeline.sandbox.clients import client as http_client
from tests.sandbox.spec import SpecValidator
from tests.sandbox_handle import SandboxHandle, running_sandbox

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "status200-openapi.yaml"

#: The profile, file and plan the OpenAPI file's examples use (@myprofile, its id, a skilled plan
#: with an unlimited allowance, file a1b2c3d4-...), on the date its dry-run example was checked.
EXAMPLES_KEY = "rl_examples_key"
EXAMPLES_START = "2026-09-28T10:00:00Z"
EXAMPLES_CONFIG = f"""
accounts:
  - name: examples
    keys: [{EXAMPLES_KEY}]
    plan: {{tier: skilled, allowance: unlimited}}
    profiles:
      - name: myprofile
        id: d4e5f6a7-b8c9-0123-def0-234567890123
        networks: all
    media:
      - {{file_id: a1b2c3d4-e5f6-7890-abcd-ef1234567890, type: video/mp4, size: 5242880}}
"""


@functools.cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads it 10x faster
    data = yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def validator(spec: dict[str, Any]) -> SpecValidator:
    return SpecValidator(spec)


def api(handle: SandboxHandle, key: str | None = None, *, older: bool = False) -> httpx.Client:
    """A client of one address, with the handle's key unless another is given ("" = none)."""
    key = handle.api_key if key is None else key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    base = handle.older_base if older else handle.api_base
    return http_client(base, headers=headers, timeout=30.0)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(seed=1) as handle:
        yield handle


@pytest.fixture
def sandbox(shared_sandbox: SandboxHandle) -> SandboxHandle:
    """The demo account (rl_sandbox_demo, @demo on every network) at time scale 1, fresh: one
    server per test module, reset before each test (records, faults and clock)."""
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with api(sandbox) as c:
        yield c


def text_post(
    platform: str = "x", text: str = "Hello from the sandbox", **post: Any
) -> dict[str, Any]:
    return {"post": {"accountId": "@demo", "platform": platform, "content": {"text": text}, **post}}
