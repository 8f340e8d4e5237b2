"""The runner's settings and the bodies of its jobs other than sync: a tracking pass, a figures
pass and the calendar watch, each turned into structured log lines. `runner.py` is the shell
that schedules them; keeping the bodies here lets them be read (and tested) without a scheduler.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from pipeline.api import Status200Client
from pipeline.ledger import Ledger
from pipeline.ledger.views import write_views
from pipeline.runner.figures import DEFAULT_SCHEDULE, poll_figures
from pipeline.runner.tracking import DEFAULT_LATE_GRACE, ScanMemo, TrackReport, track
from pipeline.runner.webhooks import MAX_BODY, WebhookReceiver

log = logging.getLogger("pipeline.runner.scheduler")

SYNC, TRACK, FIGURES, WATCH = "sync", "track", "figures", "watch"
CALENDAR_SUFFIXES: Final = (".yaml", ".yml", ".csv")


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """Intervals in seconds. `webhook_port` None: no receiver; 0: a free port."""

    calendar_paths: tuple[Path, ...] = ()
    sync_every: float = 300.0
    track_every: float = 60.0
    figures_every: float = 900.0
    watch_every: float = 5.0
    late_grace: timedelta = DEFAULT_LATE_GRACE
    track_max_reads: int = 20
    figures_max_reads: int = 20
    figures_schedule: tuple[timedelta, ...] = DEFAULT_SCHEDULE
    webhook_host: str = "127.0.0.1"
    webhook_port: int | None = None
    webhook_max_body: int = MAX_BODY

    def __post_init__(self) -> None:
        for name in ("sync_every", "track_every", "figures_every", "watch_every"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of seconds")


def calendar_signature(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of every calendar file under `paths`: cheap to take every few
    seconds, and different after any save, rename, new or deleted file."""
    found: list[tuple[str, int, int]] = []

    def note(path: Path) -> None:
        try:
            info = path.stat()
        except OSError:
            found.append((str(path), -1, -1))
            return
        found.append((str(path), info.st_mtime_ns, info.st_size))

    for root in paths:
        if not root.is_dir():
            note(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(CALENDAR_SUFFIXES) and not name.startswith("."):
                    note(Path(folder) / name)
    return tuple(found)


class CalendarWatch:
    """Says when the calendars changed since the last sync started, once they have stayed the
    same for one look (an editor saving in several writes gives one sync, not three). Polling
    mtimes every few seconds costs a few stat calls and needs no extra dependency."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = tuple(paths)
        self._synced: tuple[tuple[str, int, int], ...] | None = None
        self._last: tuple[tuple[str, int, int], ...] | None = None
        self._lock = threading.Lock()

    def sync_starting(self) -> None:
        """A sync reads the calendars now: what it sees is synced (even if it then fails, so
        a calendar that stops validating is not retried every few seconds)."""
        current = calendar_signature(self.paths)
        with self._lock:
            self._synced = current

    def changed(self) -> bool:
        current = calendar_signature(self.paths)
        with self._lock:
            stable = current == self._last
            self._last = current
            if stable and self._synced is not None and current != self._synced:
                self._synced = current  # one trigger per change
                return True
        return False


class ReadJobs:
    """Tracking and figures passes of one runner, with what they remember between passes: the
    scan memo, the warnings already given, the event count the views were written at."""

    def __init__(
        self,
        client: Status200Client,
        ledger: Ledger,
        config: RunnerConfig,
        *,
        clock: Callable[[], datetime],
        should_stop: Callable[[], bool],
        run_id: str,
        receiver: WebhookReceiver | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.config = config
        self._clock = clock
        self._should_stop = should_stop
        self.run_id = run_id
        self.receiver = receiver
        self.memo = ScanMemo()
        self._said: set[tuple[str, ...]] = set()
        self._views_count = -1
        self._lock = threading.Lock()

    def track(self) -> TrackReport:
        if self.receiver is not None:
            applied = self.receiver.retry_pending()
            if applied:
                log.info("held webhooks applied", extra={"job": TRACK, "changes": applied})
        report = track(
            self.client,
            self.ledger,
            now=self._clock(),
            late_grace=self.config.late_grace,
            max_reads=self.config.track_max_reads,
            run=self.run_id,
            should_stop=self._should_stop,
            memo=self.memo,
        )
        self._log_track(report)
        self.refresh_views()
        return report

    def _log_track(self, report: TrackReport) -> None:
        for change in report.changes:
            log.info(
                "%s -> %s%s",
                change.old,
                change.new,
                f": {change.error}" if change.error else "",
                extra={
                    "job": TRACK,
                    "entry": change.entry_id or change.identity,
                    "platform": change.platform,
                    "account": change.account,
                    "outcome": change.new,
                    "detail": change.permalink,
                },
            )
        for late in report.late:
            minutes = int(late.late_by.total_seconds() // 60)
            self._warn_once(
                ("late", late.identity, late.scheduled_for.isoformat()),
                f"late: due {late.scheduled_for.isoformat()}, not gone out {minutes} min later",
                entry=late.entry_id or late.identity,
                platform=late.platform,
                account=late.account,
                outcome="late",
            )
        for identity in report.timeouts:
            self._warn_once(
                ("timeout", identity),
                "sent but never confirmed by the network (timeout): check it on the network; "
                "it will not be sent again",
                entry=identity,
                outcome="timeout",
            )
        for (account, platform), profile in self.ledger.state().disconnected.items():
            self._warn_once(
                ("disconnected", account, platform, profile.at.isoformat()),
                f"PROFILE DISCONNECTED: {account} on {platform} ({profile.reason}); its posts "
                "will not go out until it is reconnected",
                account=account,
                platform=platform,
                outcome="disconnected",
            )
        busy = report.reads or report.changes or report.late or not report.complete
        outcome = "stopped" if report.stopped else "ok" if report.complete else "partial"
        log.log(
            logging.INFO if busy else logging.DEBUG,
            "track pass",
            extra={
                "job": TRACK,
                "outcome": outcome,
                "reads": report.reads,
                "pending": report.pending,
                "changes": len(report.changes),
                "late": len(report.late),
            },
        )

    def _warn_once(self, key: tuple[str, ...], message: str, **fields: str) -> None:
        """Lateness, timeouts and disconnections are said once per runner life, not per pass."""
        with self._lock:
            if key in self._said:
                return
            self._said.add(key)
        log.warning(message, extra={"job": TRACK, **fields})

    def figures(self) -> None:
        report = poll_figures(
            self.client,
            self.ledger,
            now=self._clock(),
            schedule=self.config.figures_schedule,
            max_reads=self.config.figures_max_reads,
            run=self.run_id,
            should_stop=self._should_stop,
        )
        for identity, why in report.skipped:
            log.info("no figures read: %s", why, extra={"job": FIGURES, "entry": identity})
        log.log(
            logging.INFO if report.reads else logging.DEBUG,
            "figures pass",
            extra={
                "job": FIGURES,
                "outcome": "stopped" if report.stopped else "ok",
                "reads": report.reads,
                "pending": report.left,
                "changes": len(report.readings),
            },
        )

    def refresh_views(self) -> None:
        """Rewrite results.csv and engagement.csv when the log grew (webhooks, sync...)."""
        state = self.ledger.state()
        with self._lock:
            if state.event_count == self._views_count:
                return
            self._views_count = state.event_count
        write_views(self.ledger, state)
