"""From a validation result and the ledger to a plan (shared by `plan`, `publish` and `run`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pipeline.ledger.records import LedgerState
from pipeline.mediastore import StoreSettings
from pipeline.model import Entry, LedgerPost, identity
from pipeline.plan.diff import Plan, PlanOptions, make_plan, planned_posts
from pipeline.plan.keys import media_identity
from pipeline.validate.check import ValidationResult, is_invalid


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


def usable_media(
    result: ValidationResult, state: LedgerState | None, now: datetime
) -> frozenset[str]:
    """Media keys whose import the ledger holds with a file_id still usable at `now`: the
    forecast counts no import for them, and the publisher reuses them."""
    if state is None:
        return frozenset()
    usable = set()
    for entry in result.entries:
        for ref in entry.media:
            digest = getattr(result.media.get(ref.key), "sha256", None)
            try:
                ident = media_identity(digest, ref.url)
            except ValueError:
                continue
            record = state.media.get(ident)
            if record is not None and record.usable(now):
                usable.add(ref.key)
    return frozenset(usable)


def to_upload(
    result: ValidationResult,
    state: LedgerState | None,
    store: StoreSettings | None,
    usable: frozenset[str],
) -> dict[str, tuple[str, int]]:
    """Local files the run would upload to the media store, as media key -> (sha256, size):
    those whose import the API no longer keeps and that this ledger has not recorded in the
    bucket (a HEAD finds any that another machine uploaded, and sends nothing)."""
    if store is None:
        return {}
    uploaded = state.uploads if state is not None else {}
    out = {}
    for key, facts in result.media.items():
        digest, size = getattr(facts, "sha256", None), getattr(facts, "size_bytes", None)
        if not digest or size is None or key in usable:
            continue
        if store.address(store.object_key(str(digest), key)) not in uploaded:
            out[key] = (str(digest), int(size))
    return out


def plan_options(
    result: ValidationResult,
    state: LedgerState | None,
    *,
    now: datetime,
    post_interval: float,
    media_interval: float,
    prune: bool = False,
    retry_failed: bool = False,
    waiting_cap: int = 500,
    store: StoreSettings | None = None,
) -> PlanOptions:
    """The one factory of PlanOptions, for `plan`, `report` and `publish` alike: the plan that
    is shown (and its forecast) is the plan that is applied. `store`: the media store local
    files go to (None when there is none, or media_base_url serves them)."""
    usable = usable_media(result, state, now)
    return PlanOptions(
        now=now,
        post_interval=post_interval,
        media_interval=media_interval,
        prune=prune,
        retry_failed=retry_failed,
        imported_media=usable,
        uploads=to_upload(result, state, store, usable),
        waiting_cap=waiting_cap,
        pending_cancels=pending_cancels(state) if state is not None else frozenset(),
        templates=result.templates,
    )


def build_plan(
    result: ValidationResult,
    ledger: Mapping[str, LedgerPost],
    opts: PlanOptions,
    *,
    skip_invalid: bool = False,
) -> PlanResult:
    invalid = result.invalid()
    valid = [e for e in result.entries if not is_invalid(e, invalid)]
    skipped = [e for e in result.entries if is_invalid(e, invalid)]
    blocked = bool(result.errors) and not skip_invalid
    posts = planned_posts(valid, media_digests(result))
    # A post that stops validating keeps whatever the service already holds for it.
    protected = frozenset(
        identity(e, p) for e in skipped if e.id or e.at_utc is not None for p in e.platforms
    )
    return PlanResult(make_plan(posts, ledger, opts, protected), skipped, blocked)
