"""Checks of calendar entries that post a clip (`clip: {job, index}`).

`check_entry(entry, ctx)` is offline and pure (an ENTRY_CHECK for the rules registry): allowed
platforms, no media beside a clip, option blocks that would be ignored, and the caption/title
limits when the calendar gives the text. `online_problems(client, entries)` asks the clip server
(one GET /api/social/user per run, one GET /api/status/{job} per distinct job) and checks
profiles, connections, jobs, indexes and the fallback captions; `gather` + `online_checks` are
its two halves, so the publisher can reuse the answers (`pipeline.backends.clips.preflight`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.backends.clips.errors import (
    ClipConfigError,
    ClipJobNotFound,
    ClipServerError,
    ClipUnauthorized,
)
from pipeline.backends.clips.types import KEY_VARIABLE, ClipJob, Profiles
from pipeline.model import Diagnostic, Entry
from pipeline.rules.clip_captions import CALENDAR, over_limits, resolve
from pipeline.rules.clips import clip_platforms, diagnostic, excess_diagnostic


class ClipReader(Protocol):
    """What the online checks call (ClipClient fits)."""

    def profiles(self) -> Profiles: ...
    def job(self, job_id: str) -> ClipJob: ...


def user_id_for(account: str) -> str:
    """The Upload-Post profile username a calendar account names (`@acme` and `acme` alike)."""
    return account.strip().removeprefix("@")


# --- online ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnlineFacts:
    """The clip server's answers for one run (or why they are missing)."""

    profiles: Profiles | None = None
    profiles_error: ClipServerError | None = None
    jobs: Mapping[str, ClipJob] = field(default_factory=dict)
    job_errors: Mapping[str, ClipServerError] = field(default_factory=dict)

    def clip_fields(self, entry: Entry) -> Mapping[str, Any] | None:
        if entry.clip is None:
            return None
        job = self.jobs.get(entry.clip.job)
        clip = job.clip(entry.clip.index) if job is not None and job.finished else None
        return clip.fields if clip is not None else None


def gather(client: ClipReader, entries: Iterable[Entry]) -> OnlineFacts:
    """One profiles read (when a clip entry exists) and one read per distinct job."""
    clip_entries = [e for e in entries if e.clip is not None]
    if not clip_entries:
        return OnlineFacts()
    profiles, profiles_error = None, None
    try:
        profiles = client.profiles()
    except ClipServerError as exc:
        profiles_error = exc
    jobs: dict[str, ClipJob] = {}
    errors: dict[str, ClipServerError] = {}
    for job_id in dict.fromkeys(e.clip.job for e in clip_entries if e.clip is not None):
        try:
            jobs[job_id] = client.job(job_id)
        except ClipServerError as exc:
            errors[job_id] = exc
    return OnlineFacts(profiles, profiles_error, jobs, errors)


def _profile_checks(entry: Entry, profiles: Profiles) -> Iterator[Diagnostic]:
    users: dict[str, list[str]] = {}
    for platform in clip_platforms(entry):
        account = entry.account_for(platform)
        if account:
            users.setdefault(user_id_for(account), []).append(platform)
    for user, platforms in users.items():
        profile = profiles.get(user)
        if profile is None:
            known = ", ".join(profiles.usernames) or "none"
            yield diagnostic(
                entry,
                "E506",
                f"{user!r} is not an Upload-Post profile of this key (profiles: {known})",
                "set account: to one of the profiles' usernames",
                platforms[0] if len(platforms) == 1 else None,
            )
            continue
        for platform in platforms:
            if platform not in profile.connected:
                yield diagnostic(
                    entry,
                    "E507",
                    f"the Upload-Post profile {user!r} has not connected {platform} "
                    f"(connected: {', '.join(profile.connected) or 'none'})",
                    "connect it in the Upload-Post dashboard, or remove the platform",
                    platform,
                )


def _job_checks(entry: Entry, facts: OnlineFacts) -> Iterator[Diagnostic]:
    assert entry.clip is not None
    ref = entry.clip
    error = facts.job_errors.get(ref.job)
    if isinstance(error, ClipJobNotFound):
        yield diagnostic(
            entry, "E503", f"the clip server has no job {ref.job}", "check the job id it gave"
        )
        return
    job = facts.jobs.get(ref.job)
    if job is None:
        return  # unreachable or failing: reported once, below
    if not job.finished:
        yield diagnostic(
            entry,
            "E504",
            f"job {ref.job} is {job.status!r}, not finished: it has no clips to post yet",
            "wait for the job to complete, then run again" if job.status != "failed" else "",
        )
        return
    if job.clip(ref.index) is None:
        yield diagnostic(
            entry,
            "E505",
            f"job {ref.job} has {len(job.clips)} clips (index 0 to {len(job.clips) - 1}); "
            f"there is no clip {ref.index}",
            "clip indexes start at 0",
        )
        return
    fields = facts.clip_fields(entry)
    for platform in clip_platforms(entry):
        text = resolve(entry, platform, fields)
        for excess in over_limits(text):
            if excess.source != CALENDAR:  # the calendar's own text is checked offline
                yield excess_diagnostic(entry, excess)
        if platform in ("tiktok", "instagram") and text.caption is None:
            yield diagnostic(
                entry,
                "W503",
                f"{platform}: no caption in the calendar and none in the clip's fields",
                "add text: to the post",
                platform,
            )
        if platform == "youtube" and text.title is None:
            yield diagnostic(
                entry,
                "W503",
                "youtube: no title in the calendar or the clip",
                "add title:",
                platform,
            )


def _once(entries: list[Entry], facts: OnlineFacts) -> Iterator[Diagnostic]:
    """Problems of the whole run, reported on its first clip entry."""
    first = entries[0]
    count = f"{len(entries)} clip post{'s' if len(entries) != 1 else ''}"
    error = facts.profiles_error
    if isinstance(error, ClipUnauthorized | ClipConfigError):
        yield diagnostic(
            first,
            "E510",
            f"profiles cannot be read: {error.message} (affects {count})",
            f"export {KEY_VARIABLE}=... (the key from the Upload-Post dashboard)",
        )
    elif error is not None:
        yield diagnostic(first, "W501", f"profiles not checked: {error.message} ({count})")
    others = [e for e in facts.job_errors.values() if not isinstance(e, ClipJobNotFound)]
    if others:
        yield diagnostic(first, "W501", f"jobs not checked: {others[0].message} ({count})")


def online_checks(entries: Iterable[Entry], facts: OnlineFacts) -> list[Diagnostic]:
    """Pure: the diagnostics these answers give for the clip entries."""
    clip_entries = [e for e in entries if e.clip is not None]
    if not clip_entries:
        return []
    found = list(_once(clip_entries, facts))
    for entry in clip_entries:
        if facts.profiles is not None:
            found.extend(_profile_checks(entry, facts.profiles))
        found.extend(_job_checks(entry, facts))
    return found


def online_problems(client: ClipReader, entries: Iterable[Entry]) -> list[Diagnostic]:
    """Ask the clip server once per run and per job; every online diagnostic of the clip entries."""
    entries = list(entries)
    return online_checks(entries, gather(client, entries))
