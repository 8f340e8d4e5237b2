"""Before publishing clip posts: ask the clip server once and hold back what cannot go out.

The same questions as `pipeline validate --online` (rules.gather: one profiles read, one read
per job), asked again right before sending, since a job may have finished, or a profile been
disconnected, since validation. Errors hold back only the posts they are about; a clip server
that cannot be asked holds back every clip post (nothing is sent unchecked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.backends.clips.errors import ClipJobNotFound
from pipeline.backends.clips.rules import ClipReader, OnlineFacts, gather, online_checks
from pipeline.backends.clips.types import ClipJob
from pipeline.model import Diagnostic, PlannedPost


@dataclass(frozen=True, slots=True)
class ClipPreflight:
    jobs: Mapping[str, ClipJob] = field(default_factory=dict)  # job id -> job, for send_clip_post
    blocked: Mapping[str, str] = field(default_factory=dict)  # identity -> why it is held back
    problems: tuple[str, ...] = ()  # one line per distinct problem, for the run's summary
    diagnostics: tuple[Diagnostic, ...] = ()  # every online diagnostic (warnings included)


def _held(facts: OnlineFacts, post: PlannedPost) -> str | None:
    """A reason to hold the post back that is not an entry diagnostic: missing answers."""
    clip = post.entry.clip
    if clip is None:
        return "not a clip post"
    if facts.profiles is None:
        error = facts.profiles_error
        return f"profiles not checked: {error.message if error else 'no answer'}"
    error = facts.job_errors.get(clip.job)
    if error is not None and not isinstance(error, ClipJobNotFound):
        return f"job {clip.job} not checked: {error.message}"
    return None


def clip_preflight(client: ClipReader, posts: Sequence[PlannedPost]) -> ClipPreflight:
    """Check the clip posts about to be sent; `posts` may hold several platforms per entry."""
    if not posts:
        return ClipPreflight()
    entries = list({id(p.entry): p.entry for p in posts}.values())
    facts = gather(client, entries)
    diagnostics = online_checks(entries, facts)
    blocked: dict[str, str] = {}
    problems: list[str] = []
    for post in posts:
        reason = _held(facts, post)
        if reason is None:
            for d in diagnostics:
                same_entry = (d.file, d.line, d.entry) == (
                    post.source.file,
                    post.source.line,
                    post.entry.id,
                )
                if d.is_error and same_entry and d.platform in (None, post.platform):
                    reason = f"{d.code} {d.name}: {d.message}"
                    break
        if reason is not None:
            blocked[post.identity] = reason
            if reason not in problems:
                problems.append(reason)
    return ClipPreflight(dict(facts.jobs), blocked, tuple(problems), tuple(diagnostics))
