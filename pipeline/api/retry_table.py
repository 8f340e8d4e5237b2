"""The API's retry table (`components.x-status200-retry`, version 1) as data.

Which answers may be sent again, and how, is the API's decision, not ours: this module is a copy
of its table, and `tests/api/test_retry_table.py` holds it equal to the OpenAPI file in
`tests/data/` so the two never drift. The client only ever asks `rule_for`.

    wait_and_resend       nothing was sent, or the first answer comes back: wait (Retry-After,
                          else retry_after_seconds, else 5 s) and send the identical request again
    resend_once_with_key  the outcome may be unknown: send it once more, only if it carried an
                          Idempotency-Key (otherwise reconcile with GET /posts)
    never                 the same request cannot succeed now
    not_a_failure         accepted; it goes out on its own and is never sent again
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final


class RetryRule(enum.StrEnum):
    WAIT_AND_RESEND = "wait_and_resend"
    RESEND_ONCE_WITH_KEY = "resend_once_with_key"
    NEVER = "never"
    NOT_A_FAILURE = "not_a_failure"


TABLE_VERSION: Final = 1

_W, _R, _N, _OK = (
    RetryRule.WAIT_AND_RESEND,
    RetryRule.RESEND_ONCE_WITH_KEY,
    RetryRule.NEVER,
    RetryRule.NOT_A_FAILURE,
)

#: The rule of each code the table names. Codes are matched exactly (MEDIA_TOO_LARGE is upper case).
BY_CODE: Final[Mapping[str, RetryRule]] = MappingProxyType(
    {
        "media_processing": _W,
        "idempotency_in_progress": _W,
        "rate_limited": _W,
        "caller_check_unavailable": _W,
        "schedule_check_unavailable": _W,
        "idempotency_unavailable": _W,
        "dry_run_unavailable": _W,
        "upstream_unavailable": _W,
        "cancel_unconfirmed": _W,
        "skool_unavailable": _W,
        "x_unavailable": _W,
        "platform_error": _R,
        "server_error": _R,
        "upload_worker_failed": _R,
        "no_publish_id": _R,
        "idempotency_outcome_unknown": _N,
        "idempotency_key_reused": _N,
        "monthly_limit_reached": _N,
        "daily_limit_reached": _N,
        "daily_attempts_exceeded": _N,
        "x_limit_reached": _N,
        "x_link_limit_reached": _N,
        "import_budget_exhausted": _N,
        "scheduled": _OK,
        "queued_for_next_day": _OK,
        "still_publishing": _OK,
        "schedule_unconfirmed": _OK,
    }
)

#: The fallback for codes the table does not name, by status class.
BY_STATUS: Final[Mapping[str, RetryRule]] = MappingProxyType({"2xx": _OK, "4xx": _N, "5xx": _R})

#: An answer that is not JSON at all (a gateway's HTML or plain-text page).
NOT_JSON: Final = _R


def rule_for(status: int, code: str | None, *, is_json: bool) -> RetryRule:
    """The table's rule for one answer: not-JSON first, then the code, then the status class.

    Two guards keep the table's meaning where a code and a status contradict each other (the API
    never sends such answers, but a new code could appear on any status): a JSON 2xx is never a
    failure ("Accepted ... never a failure"), and an answer that is not 2xx is never "not a
    failure". Statuses outside 2xx/4xx/5xx (a redirect: the base URL is wrong) are `never`, since
    the table has no class for them and resending would only repeat them.
    """
    if not is_json:
        return NOT_JSON
    status_class = f"{status // 100}xx"
    if status_class == "2xx":
        return _OK
    rule = BY_CODE.get(code) if code is not None else None
    if rule is not None and rule is not _OK:
        return rule
    return BY_STATUS.get(status_class, _N)
