"""The hook that lets a caller record every single attempt of a write.

The publisher's ledger must hold the intent before each request and its outcome after it, so a
crash at any point leaves a record to reconcile from. A client that resends inside itself would
hide the resends; with an observer it cannot: `before_attempt(n)` runs before attempt n is sent
(if it raises, nothing is sent) and `after_attempt(n, outcome)` right after its answer, with the
result or the exception, before any wait for a resend.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from pipeline.api.errors import Status200Error

R_contra = TypeVar("R_contra", contravariant=True)


class AttemptObserver(Protocol[R_contra]):
    def before_attempt(self, attempt: int) -> None: ...

    def after_attempt(self, attempt: int, outcome: R_contra | Status200Error) -> None: ...
