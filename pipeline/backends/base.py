"""What every backend is to the publisher: the `Backend` protocol, and the RunContext it works in.

A backend is a service posts can go to (Status 200, the clip server). The publisher asks each,
in order, which of the plan's steps are its own (`owns`), which of those need its key (`sends`),
whether it has that key (`ready`), and hands it its steps (`apply`). So adding a backend is a
new folder under `backends/` and one line where the publisher lists them, not a new `if`.

The RunContext is the run's shared state: the ledger, the run's id and clock, the options, the
validation result, the stop signal, and one place to count and report (`count`, `hold`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pipeline.ledger import Ledger, LedgerState
from pipeline.mediastore import StoreSettings
from pipeline.model import LATE_GRACE, SCHEDULE_NOW_WITHIN_S
from pipeline.plan.diff import Plan, Step
from pipeline.validate.check import ValidationResult


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...
    def stop(self) -> None: ...

    def upload(self, label: str, total: int) -> Callable[[int], None]:
        """A bar of `total` bytes for one upload to the media store; the result is called with
        each chunk's size, from the uploader's threads."""
        ...


def _ignore(_: int) -> None:
    return None


class SilentProgress:
    def start(self, total: int) -> None: ...
    def advance(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...
    def stop(self) -> None: ...

    def upload(self, label: str, total: int) -> Callable[[int], None]:
        return _ignore


@dataclass(frozen=True, slots=True)
class PublishOptions:
    dry_run: bool = False
    prune: bool = False
    skip_invalid: bool = False
    retry_failed: bool = False
    post_interval: float = 20.0
    media_interval: float = 20.0
    media_base_url: str | None = None
    media_root: str | None = None  # local paths are relative to this in media_base_url
    media_store: StoreSettings | None = None  # local files uploaded here (without a base URL)
    late_grace: timedelta = LATE_GRACE
    waiting_cap: int = 500  # the API's limit of waiting scheduled posts per account
    schedule_now_within: timedelta = timedelta(seconds=SCHEDULE_NOW_WITHIN_S)
    command: str = "publish"
    saved_plan: str | None = None  # the id of the saved plan being applied (`publish --plan`)


@dataclass(slots=True)
class RunSummary:
    plan: Plan | None
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # one line each
    problems: list[str] = field(default_factory=list)  # preflight and media, grouped
    blocked: bool = False
    seconds: float = 0.0
    run: str = ""
    stopped: bool = False  # ended early: a stop signal, or the API refused the key / was away

    @property
    def exit_code(self) -> int:
        bad = ("failed", "held", "unknown", "refused")
        return 1 if self.blocked or self.stopped or any(self.counts.get(k) for k in bad) else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "exit_code": self.exit_code,
            "blocked": self.blocked,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
            "failures": self.failures,
            "problems": self.problems,
        }


class Backend(Protocol):
    """One service posts can go to."""

    name: str  # in messages: "Status 200", "clip"
    key_variable: str  # the environment variable its key comes from
    hold_reason: str  # why its posts are held back without the key
    dry_run_needs_key: bool  # False where its dry run only describes (asks the service nothing)

    @property
    def ready(self) -> bool:
        """It has its key (a client to send with)."""
        ...

    def owns(self, step: Step, state: LedgerState) -> bool:
        """The step's post goes (or went) through this backend."""
        ...

    def sends(self, step: Step) -> bool:
        """Carrying the step out makes a request, so it needs the key."""
        ...

    def progress_total(self, steps: Sequence[Step]) -> int:
        """How many progress lines its steps will print."""
        ...

    def apply(self, plan: Plan, steps: Sequence[Step], state: LedgerState) -> None:
        """Carry its steps out (`plan` holds only them), every attempt recorded."""
        ...

    def dry_run(self, step: Step) -> None:
        """Check the step without sending it for real, where the service can."""
        ...


class RunContext:
    """The run as the backends see it; counts and lines go to one summary, from any thread."""

    def __init__(
        self,
        ledger: Ledger,
        result: ValidationResult,
        opts: PublishOptions,
        progress: Progress,
        stop: threading.Event,
        clock: Callable[[], datetime],
        run_id: str,
        owner: Callable[[str, LedgerState], Backend | None],
    ) -> None:
        self.ledger, self.result, self.opts = ledger, result, opts
        self.progress, self.stop, self.clock, self.run_id = progress, stop, clock, run_id
        self.summary = RunSummary(plan=None, run=run_id)
        self._owner = owner
        self._lock = threading.Lock()

    def owner(self, identity: str, state: LedgerState) -> Backend | None:
        """The backend a recorded post belongs to (for posts no longer in the calendar too)."""
        return self._owner(identity, state)

    def count(self, key: str, line: str | None = None, *, failure: bool = False) -> None:
        with self._lock:
            self.summary.counts[key] += 1
            if failure and line:
                self.summary.failures.append(line)
        if line:
            self.progress.advance(line)

    def hold(self, steps: Sequence[Step], why: str) -> None:
        """Steps whose backend has no key: nothing is sent or recorded; a later run sends them."""
        for step in steps:
            self.count("held", f"{step.identity}: held back: {why}", failure=True)

    def report(
        self,
        counts: Counter[str],
        lines: Sequence[str],
        failures: Sequence[str],
        problems: Sequence[str],
    ) -> None:
        """A backend's whole outcome at once (the clip server answers for a post in one go)."""
        for line in lines:
            self.progress.advance(line)
        with self._lock:
            self.summary.counts.update(counts)
            self.summary.failures.extend(failures)
            self.summary.problems.extend(problems)
