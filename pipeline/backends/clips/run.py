"""One publish pass over the plan's clip steps: preflight, one request per clip, report the rest.

The publisher hands over the steps whose entry has `clip:` (and keeps them out of the Status 200
flow: its preflight, reconcile, lanes and cancels do not apply to them):

- `create`: sent, grouped so that one request covers all the platforms of an entry;
- `reconcile` (an unknown outcome): never sent again automatically; reported with what a person
  needs to look it up in the Upload-Post dashboard (`UnknownClipPost.message()`);
- `unchanged`, `locked`, `failed`, `defer`: nothing to do here (the plan's reason is shown by
  the publisher as for any post).

A post held back by the preflight, or refused before sending, is not written to the ledger; a
post the clip server could not be reached for is recorded as deferred (sent by a later run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.preflight import clip_preflight
from pipeline.backends.clips.publish import group_clip_posts, send_clip_post
from pipeline.backends.clips.unknown import UnknownClipPost, unknown_clip_posts
from pipeline.backends.record import Outcome, deferred, missed
from pipeline.ledger import Ledger
from pipeline.model import LATE_GRACE, PlannedPost, is_missed, next_generation
from pipeline.plan.diff import Step


@dataclass(slots=True)
class ClipRunResult:
    counts: Counter[str] = field(default_factory=Counter)  # processing, failed, unknown, held...
    lines: list[str] = field(default_factory=list)  # one per post, for progress output
    failures: list[str] = field(default_factory=list)  # the lines that make the run fail
    problems: list[str] = field(default_factory=list)  # preflight problems, each once
    unknown: list[UnknownClipPost] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # identity -> outcome


def _label(post: PlannedPost) -> str:
    return f"{post.identity} {post.account} {post.scheduled_for:%Y-%m-%d %H:%M} UTC (clip)"


def _defer(ledger: Ledger, run_id: str, post: PlannedPost, reason: str, message: str) -> None:
    ledger.append(deferred(run_id, post, reason, message))


def publish_clip_steps(
    client: ClipClient,
    ledger: Ledger,
    run_id: str,
    steps: Sequence[Step],
    now: datetime,
    *,
    late_grace: timedelta = LATE_GRACE,
) -> ClipRunResult:
    """Carry out the clip steps of a plan. The caller holds the ledger lock."""
    result = ClipRunResult()
    creates = [s for s in steps if s.action == "create" and s.post is not None]
    reconcile = {s.identity for s in steps if s.action == "reconcile"}
    if reconcile:
        for unknown in unknown_clip_posts(ledger.state()):
            if unknown.identity in reconcile:
                result.unknown.append(unknown)
                result.counts["unknown"] += 1
                result.failures.append(unknown.message())
    posts = [s.post for s in creates if s.post is not None]
    late = [p for p in posts if is_missed(p.scheduled_for, now, late_grace)]
    for post in late:
        ledger.append_many(missed(run_id, post))
        line = f"{post.identity}: missed its time ({post.scheduled_for:%Y-%m-%d %H:%M} UTC)"
        result.counts["failed"] += 1
        result.failures.append(line)
    posts = [p for p in posts if p not in late]
    preflight = clip_preflight(client, posts)
    result.problems.extend(preflight.problems)
    by_identity = {s.identity: s for s in creates}
    sendable = []
    for post in posts:
        held = preflight.blocked.get(post.identity)
        if held:
            result.counts["held"] += 1
            result.failures.append(f"{post.identity}: held back: {held}")
        else:
            sendable.append(post)
    for group in group_clip_posts(sendable):
        generations, firsts = {}, {}
        for post in group:
            rec = by_identity[post.identity].recorded
            generations[post.identity] = next_generation("create", rec)
            same = rec is not None and rec.status == "deferred"
            firsts[post.identity] = rec.attempts + 1 if same and rec is not None else 1
        clip = group[0].entry.clip
        job = preflight.jobs.get(clip.job) if clip is not None else None
        outcomes = send_clip_post(
            client,
            ledger,
            run_id,
            group,
            job,
            now,
            generations=generations,
            first_attempts=firsts,
        )
        for post in group:
            _tally(result, ledger, run_id, post, outcomes[post.identity])
    return result


def _tally(
    result: ClipRunResult, ledger: Ledger, run_id: str, post: PlannedPost, outcome: Outcome
) -> None:
    result.outcomes[post.identity] = outcome
    label = _label(post)
    if outcome.not_sent:
        _defer(ledger, run_id, post, outcome.error_code or "not_sent", outcome.error_message or "")
        result.counts["deferred"] += 1
        result.lines.append(f"deferred {label}: {outcome.error_message}")
    elif outcome.result == "failed":
        line = f"failed {label}: {outcome.error_code}: {outcome.error_message}"
        result.counts["failed"] += 1
        result.failures.append(line)
    elif outcome.result == "unknown":
        why = (outcome.error_message or "no answer").rstrip(".")
        line = (
            f"unknown {label}: {why}. Not resent (the clip server cannot say "
            "whether it arrived): check the Upload-Post dashboard, then run "
            f"`pipeline resolve {post.identity} --posted` (it is there) or `--resend` (it is not)"
        )
        result.counts["unknown"] += 1
        result.failures.append(line)
    else:
        upload = f", upload {outcome.post_id}" if outcome.post_id else ""
        result.counts["submitted"] += 1
        result.lines.append(f"submitted {label}{upload}; final state in the Upload-Post dashboard")
