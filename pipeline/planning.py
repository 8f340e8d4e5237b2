"""From a validation result and the ledger to a plan (shared by `plan`, `publish` and `run`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.ledger.records import LedgerState
from pipeline.model import Entry, LedgerPost
from pipeline.plan import Plan, PlanOptions, identity, make_plan, planned_posts
from pipeline.validation import ValidationResult


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    skipped: list[Entry]  # invalid entries left out (only with --skip-invalid)
    blocked: bool  # errors exist and the user did not ask to skip invalid entries


def pending_cancels(state: LedgerState) -> frozenset[str]:
    """Posts whose cancel went out with no recorded answer: the service may have cancelled
    them, so the plan must not take them for waiting (see PlanOptions.pending_cancels)."""
    return frozenset(i for i, d in state.details.items() if d.pending_cancel is not None)


def media_digests(result: ValidationResult) -> dict[str, str]:
    """Content hashes of local files, so an edited image changes its posts' fingerprints."""
    digests = {}
    for key, facts in result.media.items():
        digest = getattr(facts, "sha256", None)
        if digest:
            digests[key] = str(digest)
    return digests


def build_plan(
    result: ValidationResult,
    ledger: Mapping[str, LedgerPost],
    opts: PlanOptions,
    *,
    skip_invalid: bool = False,
) -> PlanResult:
    invalid = result.invalid_entries()
    valid = [e for e in result.entries if (e.source.file, e.source.line) not in invalid]
    skipped = [e for e in result.entries if (e.source.file, e.source.line) in invalid]
    blocked = bool(result.errors) and not skip_invalid
    posts = planned_posts(valid, media_digests(result))
    # A post that stops validating keeps whatever the service already holds for it.
    protected = frozenset(
        identity(e, p) for e in skipped if e.id or e.at_utc is not None for p in e.platforms
    )
    return PlanResult(make_plan(posts, ledger, opts, protected), skipped, blocked)
