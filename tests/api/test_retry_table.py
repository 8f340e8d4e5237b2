"""The retry table in code is the OpenAPI file's table, and rule_for reads it as the file says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.api import RetryRule, rule_for
from pipeline.api.retry_table import BY_CODE, BY_STATUS, NOT_JSON, TABLE_VERSION
from tests.api.conftest import SPEC, statuses_of

FILE_TABLE = SPEC["components"]["x-status200-retry"]


def test_table_in_code_equals_the_openapi_file() -> None:
    assert TABLE_VERSION == FILE_TABLE["version"] == 1
    assert {code: rule.value for code, rule in BY_CODE.items()} == FILE_TABLE["by_code"]
    assert {**{k: v.value for k, v in BY_STATUS.items()}, "not_json": NOT_JSON.value} == (
        FILE_TABLE["by_status"]
    )
    assert {rule.value for rule in RetryRule} == set(FILE_TABLE["rules"])


@pytest.mark.parametrize("code", sorted(FILE_TABLE["by_code"]))
def test_every_named_code_gets_its_rule(code: str) -> None:
    expected = RetryRule(FILE_TABLE["by_code"][code])
    if expected is RetryRule.NOT_A_FAILURE:
        assert rule_for(202, code, is_json=True) is expected
    else:
        # Under every status the file lists the code, and under a status it does not.
        for status in [*statuses_of(code), 400, 503]:
            assert rule_for(status, code, is_json=True) is expected, status


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, "media_not_found", RetryRule.NEVER),  # unlisted 4xx codes are never resent
        (409, "scheduled_queue_full", RetryRule.NEVER),
        (409, "not_cancellable", RetryRule.NEVER),
        (413, "MEDIA_TOO_LARGE", RetryRule.NEVER),
        (429, "pinterest_rejected", RetryRule.NEVER),  # Pinterest's own 429
        (401, "TOKEN_REFRESH_FAILED", RetryRule.NEVER),  # even though its text says try later
        (400, None, RetryRule.NEVER),  # the media shape may carry no code
        (500, "api_error", RetryRule.RESEND_ONCE_WITH_KEY),
        (500, None, RetryRule.RESEND_ONCE_WITH_KEY),
        (502, "some_gateway_code", RetryRule.RESEND_ONCE_WITH_KEY),
        (200, None, RetryRule.NOT_A_FAILURE),
        (202, None, RetryRule.NOT_A_FAILURE),  # 202 processing, no code
        (302, None, RetryRule.NEVER),  # outside the table's classes: never resent
    ],
)
def test_by_status_fallbacks(status: int, code: str | None, expected: RetryRule) -> None:
    assert rule_for(status, code, is_json=True) is expected


@pytest.mark.parametrize("status", [200, 404, 500, 504, 546])
def test_an_answer_that_is_not_json_is_not_json_whatever_its_status(status: int) -> None:
    assert rule_for(status, None, is_json=False) is RetryRule(FILE_TABLE["by_status"]["not_json"])


def test_every_code_the_file_lists_under_a_status_has_the_tables_rule() -> None:
    listed = 0
    for path in SPEC["paths"].values():
        for op in path.values():
            if not isinstance(op, dict):
                continue
            for status, response in op.get("responses", {}).items():
                for code in response.get("x-error-codes", []):
                    listed += 1
                    by_class = FILE_TABLE["by_status"][f"{str(status)[0]}xx"]
                    expected = FILE_TABLE["by_code"].get(code, by_class)
                    assert rule_for(int(status), code, is_json=True).value == expected
    assert listed > 100  # the walk really found the lists


codes = st.one_of(st.none(), st.sampled_from(sorted(FILE_TABLE["by_code"])), st.text(max_size=30))


@given(status=st.integers(200, 299), code=codes)
def test_a_json_2xx_is_never_a_failure(status: int, code: str | None) -> None:
    assert rule_for(status, code, is_json=True) is RetryRule.NOT_A_FAILURE


@given(status=st.integers(100, 599).filter(lambda s: not 200 <= s <= 299), code=codes)
def test_an_answer_outside_2xx_is_never_accepted(status: int, code: str | None) -> None:
    assert rule_for(status, code, is_json=True) is not RetryRule.NOT_A_FAILURE


@given(
    status=st.sampled_from([400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]),
    code=st.text(max_size=30).filter(lambda c: c not in FILE_TABLE["by_code"]),
)
def test_unknown_codes_follow_their_status_class(status: int, code: str) -> None:
    expected = FILE_TABLE["by_status"][f"{status // 100}xx"]
    assert rule_for(status, code, is_json=True).value == expected
