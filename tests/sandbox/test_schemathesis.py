"""Conformance to the OpenAPI file itself: schemathesis generates requests for every operation of
both addresses from tests/data/status200-openapi.yaml and checks each answer of the sandbox against
the file (documented status code, content type, headers and schema; never a 5xx).

The file's servers are rewritten to the sandbox's address; nothing else in it is changed. Examples
per operation are bounded so the run stays within a few seconds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.sandbox.conftest import EXAMPLES_CONFIG, EXAMPLES_KEY, load_spec
from tests.sandbox_handle import SandboxHandle, running_sandbox

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def conformance_sandbox() -> Iterator[SandboxHandle]:
    # A tiny time scale: generated requests come faster than the real throttles allow.
    with running_sandbox(EXAMPLES_CONFIG, time_scale=1e-4, seed=3) as handle:
        yield handle


@pytest.fixture(scope="module")
def api_schema(conformance_sandbox: SandboxHandle) -> Any:
    raw = copy.deepcopy(load_spec())
    raw["servers"] = [{"url": conformance_sandbox.api_base}]
    for item in raw["paths"].values():
        if "servers" in item:
            item["servers"] = [{"url": conformance_sandbox.older_base}]
    return schemathesis.openapi.from_dict(raw)


OPERATIONS = [
    (path, method)
    for path, item in load_spec()["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]


@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_every_answer_matches_the_file(
    path: str, method: str, api_schema: Any, conformance_sandbox: SandboxHandle
) -> None:
    operation = api_schema[path][method.upper()]
    headers = {"Authorization": f"Bearer {EXAMPLES_KEY}"}
    base_url = (
        conformance_sandbox.older_base if path.startswith("/api-") else conformance_sandbox.api_base
    )
    seen: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base_url, headers=headers, checks=CHECKS, timeout=30
        )
        seen.append(response.status_code)

    check()
    assert seen, "schemathesis sent no request"
