"""The rules both backends and the saved plan share, in one place (pipeline.model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.model import LATE_GRACE, LedgerPost, is_missed, next_generation

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _recorded(status: str, generation: int = 3) -> LedgerPost:
    return LedgerPost(
        identity="a/x",
        entry_id="a",
        source="cal.yaml:3",
        platform="x",
        account="@acme",
        scheduled_for=AT,
        status=status,  # type: ignore[arg-type]
        fingerprint="f",
        generation=generation,
    )


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        ("create", None, 0),  # never sent
        ("create", "deferred", 3),  # deferred: the same request, the same key
        ("create", "cancelled", 3),  # the ledger already started the new generation
        ("create", "failed", 4),  # the old key holds the refusal
        ("replace", "scheduled", 4),  # cancelled, then created afresh
    ],
)
def test_the_generation_a_step_sends_under(action: str, status: str | None, expected: int) -> None:
    recorded = _recorded(status) if status else None
    assert next_generation(action, recorded) == expected


def test_a_post_is_missed_only_past_the_grace() -> None:
    assert timedelta(minutes=15) == LATE_GRACE
    assert not is_missed(AT, AT + LATE_GRACE)
    assert is_missed(AT, AT + LATE_GRACE + timedelta(seconds=1))
    assert not is_missed(AT, AT + timedelta(minutes=20), grace=timedelta(hours=1))
