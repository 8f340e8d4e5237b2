"""A saved plan: `pipeline plan --out plan.json`, applied as shown by `publish --plan plan.json`.

Terraform's saved plan, for calendars. The file records what the plan was made from (the
calendar files and media, pipeline.yaml, the ledger) as fingerprints, and every step with its
post's fingerprint and Idempotency-Key. Applying it re-plans from the same inputs and refuses
when anything differs ("the plan is stale"), so what was reviewed is what is sent.

One change to the inputs is allowed: events that runs applying *this* plan appended to the
ledger. A publish of a saved plan that crashed or was stopped half-way can be applied again and
finishes the same steps, exactly once (dlt's resumable load package), never anything else.

    saved = make_saved_plan(result, planned, options, ledger_dir)   # pipeline plan --out
    write_saved_plan(path, saved)
    saved = read_saved_plan(path)                                    # pipeline publish --plan
    check_inputs(saved, result, ledger_dir)     # raises StalePlan
    check_steps(saved, fresh_plan)              # raises StalePlan
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.calendar import MAX_CSV_BYTES
from pipeline.fileaccess import FileRefused, open_regular, read_bytes
from pipeline.ledger.fileio import write_atomic
from pipeline.model import next_generation
from pipeline.plan.build import PlanResult
from pipeline.plan.diff import Plan, Step
from pipeline.plan.keys import post_key
from pipeline.validate.check import ValidationResult

FORMAT = "content-calendar-plan"
FORMAT_VERSION = 1
#: Steps that make a request or write the ledger; the rest only describe.
WORK = ("create", "replace", "cancel", "reconcile", "defer")
EVENTS = "events.jsonl"
MAX_PLAN_BYTES = 64 * 1024 * 1024


class PlanFileError(Exception):
    """The file is not a plan this version can apply (exit 1, the message says why)."""


class StalePlan(PlanFileError):
    """The calendar, the config or the ledger changed since the plan was made."""


@dataclass(frozen=True, slots=True)
class SavedStep:
    action: str
    identity: str
    fingerprint: str | None
    key: str | None  # the create request's Idempotency-Key, when the step sends one
    scheduled_for: str | None


@dataclass(frozen=True, slots=True)
class SavedPlan:
    id: str
    pipeline_version: str
    created_at: str
    now: str
    calendar: str  # fingerprint of the calendar files and their local media
    config: str  # fingerprint of pipeline.yaml (or "none")
    ledger_bytes: int  # events.jsonl's size when the plan was made
    ledger: str  # sha256 of those bytes
    options: Mapping[str, Any]
    counts: Mapping[str, int]
    steps: tuple[SavedStep, ...]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["steps"] = [asdict(s) for s in self.steps]
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}


def _sha256(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _calendar_bytes(path: str, root: str) -> bytes:
    """A calendar's bytes by the one way into files; one it refused (a FIFO, a link out of the
    project) counts by its refusal, so the plan stays stale-checked without reading it."""
    try:
        return read_bytes(path, limit=MAX_CSV_BYTES, root=root)
    except FileRefused as exc:
        return f"refused:{exc.code}".encode()


def calendar_fingerprint(result: ValidationResult) -> str:
    """The calendar files' bytes (by path under the project) and their local media's hashes."""
    parts: list[bytes] = []
    for shown in sorted(result.files):
        relative = os.path.relpath(os.path.abspath(shown), result.config.root)
        parts += [relative.encode(), _calendar_bytes(shown, result.config.root)]
    for key, facts in sorted(result.media.items()):
        parts += [key.encode(), str(getattr(facts, "sha256", "")).encode()]
    return _sha256(parts)


def config_fingerprint(result: ValidationResult) -> str:
    path = result.config.path
    if not path:
        return "none"
    return _sha256([_calendar_bytes(path, result.config.root)])


def ledger_prefix(directory: str | Path, size: int | None = None) -> tuple[int, str]:
    """(size, sha256) of events.jsonl's first `size` bytes (all of it by default)."""
    path = Path(directory) / EVENTS
    if not path.is_file():
        return 0, _sha256([b""])
    with path.open("rb") as handle:
        data = handle.read() if size is None else handle.read(size)
    return len(data), _sha256([data])


def _key(step: Step) -> str | None:
    """The Idempotency-Key the publisher will send for this step (apply/publisher.py's rule)."""
    post, rec = step.post, step.recorded
    if post is None or step.action not in ("create", "replace"):
        return None
    return post_key(post.identity, post.fingerprint, next_generation(step.action, rec))


def make_saved_plan(
    result: ValidationResult,
    planned: PlanResult,
    options: Mapping[str, Any],
    ledger_dir: str | Path,
) -> SavedPlan:
    size, digest = ledger_prefix(ledger_dir)
    plan = planned.plan
    return SavedPlan(
        id=uuid.uuid4().hex,
        pipeline_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        now=result.now.isoformat(),
        calendar=calendar_fingerprint(result),
        config=config_fingerprint(result),
        ledger_bytes=size,
        ledger=digest,
        options=dict(options),
        counts=dict(plan.counts),
        steps=tuple(
            SavedStep(
                action=s.action,
                identity=s.identity,
                fingerprint=s.post.fingerprint if s.post is not None else None,
                key=_key(s),
                scheduled_for=s.scheduled_for.isoformat() if s.scheduled_for else None,
            )
            for s in plan.steps
            if s.action in WORK
        ),
    )


#: The flags that shape a plan; a saved plan fixes them for its apply.
PLAN_FLAGS = ("prune", "skip_invalid", "retry_failed")


def saved_options(args: Any) -> dict[str, bool]:
    return {name: bool(getattr(args, name, False)) for name in PLAN_FLAGS}


def write_saved_plan(path: str | Path, saved: SavedPlan) -> None:
    text = json.dumps(saved.as_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(str(path), text.encode("utf-8"))


def read_saved_plan(path: str | Path) -> SavedPlan:
    try:
        with open_regular(str(path)) as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except FileRefused as exc:
        raise PlanFileError(f"{path}: {exc.message}") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan: {exc.strerror}") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanFileError(f"{path}: larger than any plan ({MAX_PLAN_BYTES:,} bytes)")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise PlanFileError(f"{path}: not a plan file (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError(f"{path}: not a plan file (write one with pipeline plan --out)")
    made_by = data.get("pipeline_version")
    if data.get("format_version") != FORMAT_VERSION or made_by != __version__:
        raise PlanFileError(
            f"{path}: the plan was made by pipeline {made_by} (plan format "
            f"{data.get('format_version')}); this is pipeline {__version__} (format "
            f"{FORMAT_VERSION}): run pipeline plan again"
        )
    try:
        steps = tuple(SavedStep(**s) for s in data["steps"])
        fields = {k: data[k] for k in SavedPlan.__dataclass_fields__ if k != "steps"}
        saved = SavedPlan(**fields, steps=steps)
        if not (isinstance(saved.ledger_bytes, int) and isinstance(saved.options, dict)):
            raise TypeError("ledger_bytes and options")
    except (KeyError, TypeError) as exc:
        raise PlanFileError(f"{path}: a damaged plan file ({exc})") from None
    return saved


def _ledger_since(directory: str | Path, offset: int) -> list[dict[str, Any]]:
    path = Path(directory) / EVENTS
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        handle.seek(offset)
        lines = handle.read().splitlines()
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        events.append(event if isinstance(event, dict) else {})
    return events


def check_inputs(saved: SavedPlan, result: ValidationResult, ledger_dir: str | Path) -> None:
    """Refuse (StalePlan) when the calendar, the config or the ledger changed since the plan.

    Ledger events appended since are allowed only when every one belongs to a run that applied
    this very plan: a stopped apply resumes, nothing else sneaks in."""
    stale = "the plan is stale: run pipeline plan again"
    if calendar_fingerprint(result) != saved.calendar:
        raise StalePlan(f"{stale} (the calendar or its media changed since it was made)")
    if config_fingerprint(result) != saved.config:
        raise StalePlan(f"{stale} (pipeline.yaml changed since it was made)")
    size, digest = ledger_prefix(ledger_dir, saved.ledger_bytes)
    if (size, digest) != (saved.ledger_bytes, saved.ledger):
        raise StalePlan(f"{stale} (the ledger changed since it was made)")
    runs: set[str] = set()
    for event in _ledger_since(ledger_dir, saved.ledger_bytes):
        if event.get("type") == "run.started" and event.get("plan") == saved.id:
            runs.add(str(event.get("run")))
        if event.get("run") not in runs:
            raise StalePlan(f"{stale} (another run has written to the ledger since)")


def check_steps(saved: SavedPlan, plan: Plan) -> None:
    """The fresh plan may only do what the saved one showed (or less, where a stopped apply of
    it already did some): any other request is refused."""
    shown = {s.identity: s for s in saved.steps}
    for step in plan.steps:
        if step.action not in WORK or step.quiet:  # a quiet deferral does nothing
            continue
        was = shown.get(step.identity)
        fingerprint = step.post.fingerprint if step.post is not None else None
        if was is None or (fingerprint is not None and was.fingerprint != fingerprint):
            raise StalePlan(
                "the plan is stale: run pipeline plan again (it would now "
                f"{step.action} {step.identity}, which the saved plan does not show)"
            )
