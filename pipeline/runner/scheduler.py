"""`pipeline run`: the long-lived runner. APScheduler (3.x) jobs on one ledger, one process.

Jobs (each in its own worker thread, so a long sync never holds up tracking):
- **sync** - the injected plan/publish pass, every `sync_every` seconds (default 300, `--every`)
  and soon after a calendar file changes (**watch**, a cheap mtime scan every few seconds).
- **track** - `tracking.track`: pages of GET /posts bring waiting posts to their final state;
  held webhook events are retried first.
- **figures** - `figures.poll_figures`: published posts' numbers on a thinning schedule.
- optionally the webhook receiver (uvicorn on a thread), applying signed events as they come.

APScheduler settings, chosen on purpose (`JOB_DEFAULTS`):
- `coalesce=True`: runs missed while the machine slept (or while a long run held the worker)
  collapse into one. Each job reads the whole state afresh, so running it twice in a row
  would only spend reads.
- `max_instances=1`: two syncs at once would race each other for the same posts, and two tracks
  would spend the read budget twice. A trigger that arrives while a job runs is remembered and
  the job runs once more right after (`trigger`), instead of being dropped.
- `misfire_grace_time=None`: however late a run is (the laptop slept all night), it still runs,
  once (coalesced). Skipping it would leave the calendar unsynced until the next interval.
- Jobs live in memory (no job store): the state lives in the ledger, so a restart simply starts
  every job again - sync and track at once - and resumes where the ledger says things stand.
  After a sleep, the interval triggers fire the overdue runs as soon as the process wakes.

A job that raises is logged (with its traceback, on one line) and the runner goes on: a calendar
that stops validating never takes it down. SIGINT/SIGTERM: stop taking new runs, let the running
ones finish their current request (a wait for the read budget is cut short, nothing having been
sent), write the views and `run.finished`, return 0. Ledger appends are whole fsynced lines, so no
write is ever cut in half. The process holds the ledger's lock for its whole life.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Final

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from pipeline import __version__
from pipeline.api import ApiSettings, ReadLimiter, Secret, Status200Client
from pipeline.ledger import Ledger, LedgerError, LedgerLocked
from pipeline.ledger.events import RunFinished, RunStarted
from pipeline.ledger.schema import now as utc_now
from pipeline.mediastore import AWS_SECRET_VARIABLES
from pipeline.runner.jobs import (
    FIGURES,
    SYNC,
    TRACK,
    WATCH,
    CalendarWatch,
    ReadJobs,
    RunnerConfig,
)
from pipeline.runner.logs import configure_logging
from pipeline.runner.shared import GuardedLedger, StopRequested, interruptible_sleep
from pipeline.runner.webhooks import WebhookReceiver, WebhookServer, receiver_app

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "JOB_DEFAULTS",
    "Runner",
    "RunnerConfig",
    "SyncContext",
    "SyncJob",
    "make_client",
    "run_runner",
]

log = logging.getLogger(__name__)

JOB_DEFAULTS: Final = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

SyncJob = Callable[[], object]


@dataclass(frozen=True, slots=True)
class SyncContext:
    """What `make_sync` gets to build the sync job: the runner's client (sharing the read
    budget), the ledger (locked by this process: do not lock it again), the stop event (check it
    between posts), and the run id to stamp events with."""

    client: Status200Client
    ledger: Ledger
    stop: threading.Event
    run_id: str
    calendar_paths: tuple[Path, ...] = field(default=())


def make_client(settings: ApiSettings, stop: threading.Event) -> Status200Client:
    """A client whose waits for the read budget end (StopRequested) when `stop` is set."""
    limiter = ReadLimiter(
        settings.reads_per_window, settings.read_window, sleep=interruptible_sleep(stop)
    )
    return Status200Client(settings, read_limiter=limiter)


class Runner:
    """The scheduler, its jobs and the optional webhook server around one locked ledger."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        client: Status200Client,
        sync: SyncJob,
        config: RunnerConfig | None = None,
        webhook_secret: Secret | str | None = None,
        clock: Callable[[], datetime] = utc_now,
        stop: threading.Event | None = None,
        run_id: str | None = None,
    ) -> None:
        self.config = config or RunnerConfig()
        if self.config.webhook_port is not None and not webhook_secret:
            raise ValueError("a webhook port needs STATUS200_WEBHOOK_SECRET")
        self.ledger = ledger
        self.client = client
        self.stop_event = stop or threading.Event()
        self.run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
        self._sync = sync
        self._clock = clock
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._started = self._stopped = False
        self._signal: str | None = None
        self.counts: dict[str, int] = {}
        self.receiver = (
            WebhookReceiver(
                ledger, webhook_secret, run=self.run_id, on_unmapped=lambda: self.trigger(TRACK)
            )
            if webhook_secret
            else None
        )
        self.jobs = ReadJobs(
            client,
            ledger,
            self.config,
            clock=clock,
            should_stop=self.stop_event.is_set,
            run_id=self.run_id,
            receiver=self.receiver,
        )
        self.watch = CalendarWatch(self.config.calendar_paths)
        self.webhook_url: str | None = None
        self._server: WebhookServer | None = None
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            # One worker per job: a sync that takes hours (20 s per post per network) never
            # keeps tracking or figures waiting.
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults=dict(JOB_DEFAULTS),
        )

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the jobs (sync and track at once) and the webhook server; returns at once."""
        _quiet_overlap_warnings()
        if not self.ledger.holds_lock:
            raise LedgerError("the runner needs the ledger's lock held by this process")
        with self._lock:
            if self._started:
                raise RuntimeError("a Runner starts once")
            self._started = True
        try:
            self._start_webhooks()  # first: a port in use stops the start before anything ran
        except BaseException:
            with self._lock:
                self._started = False
            raise
        self.ledger.append(
            RunStarted(
                run=self.run_id,
                command="run",
                args=tuple(str(p) for p in self.config.calendar_paths),
                pid=os.getpid(),
                host=socket.gethostname(),
                version=__version__,
            )
        )
        now = datetime.now(UTC)
        c = self.config
        self._add(SYNC, self._run_sync, c.sync_every, now)
        self._add(TRACK, self.jobs.track, c.track_every, now)
        self._add(FIGURES, self.jobs.figures, c.figures_every, now + timedelta(seconds=1))
        if c.calendar_paths:
            self._add(WATCH, self._watch, c.watch_every, now + timedelta(seconds=c.watch_every))
        self._scheduler.start()
        log.info(
            "runner started",
            extra={"job": "runner", "outcome": "started", "detail": self.run_id},
        )

    def _start_webhooks(self) -> None:
        if self.receiver is None or self.config.webhook_port is None:
            return
        app = receiver_app(self.receiver, self.config.webhook_max_body)
        self._server = WebhookServer(app, self.config.webhook_host, self.config.webhook_port)
        self._server.start()
        self.webhook_url = self._server.url
        log.info("webhooks served at %s", self.webhook_url, extra={"job": "webhook"})

    def _add(self, name: str, func: Callable[[], object], every: float, first: datetime) -> None:
        self._scheduler.add_job(
            self._wrap(name, func),
            "interval",
            seconds=every,
            id=name,
            name=name,
            next_run_time=first,
        )

    def run_forever(self) -> int:
        """Run until SIGINT/SIGTERM (or `shutdown()` from another thread); returns the exit
        code. Signal handlers are installed only on the main thread."""
        restore = self._install_signal_handlers()
        try:
            try:
                self.start()
            except OSError as exc:  # the webhook port is taken, for instance
                log.error("the runner could not start: %s", exc, extra={"job": "runner"})
                return EXIT_FAILED
            while not self.stop_event.wait(1.0):
                pass
            if self._signal:
                log.info("%s received", self._signal, extra={"job": "runner"})
        finally:
            self.shutdown()
            restore()
        return EXIT_OK

    def shutdown(self) -> None:
        """Stop: no new runs, running ones finish their current request, the webhook server
        finishes the requests it has. Idempotent; safe from any thread but a job's own."""
        self.stop_event.set()
        with self._lock:
            if self._stopped or not self._started:
                self._stopped = True
                return
            self._stopped = True
        log.info(
            "stopping: letting running jobs finish their current request",
            extra={"job": "runner", "outcome": "stopping"},
        )
        if self._server is not None:
            self._server.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self.ledger.holds_lock:
            self.jobs.refresh_views()
            self.ledger.append(
                RunFinished(run=self.run_id, counts=dict(self.counts), exit_code=EXIT_OK)
            )
        log.info("runner stopped", extra={"job": "runner", "outcome": "stopped"})

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_signal(signum: int, frame: FrameType | None) -> None:
            # Only set the event here: logging from a signal handler could meet a held lock.
            self._signal = signal.Signals(signum).name
            self.stop_event.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def trigger(self, name: str) -> None:
        """Run job `name` soon; if it is running now, once more right after it ends."""
        with self._lock:
            if self._stopped or not self._started:
                return
            if name in self._running:
                self._again.add(name)
                return
        try:
            self._scheduler.modify_job(name, next_run_time=datetime.now(UTC))
        except LookupError:  # JobLookupError: a job this runner does not have
            log.debug("no job %s to trigger", name)

    # --- the jobs --------------------------------------------------------------------------------

    def _wrap(self, name: str, func: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if self.stop_event.is_set():
                return
            with self._lock:
                self._running.add(name)
            started = time.monotonic()
            try:
                func()
            except StopRequested:
                log.info("stopped while waiting", extra={"job": name, "outcome": "stopped"})
            except Exception:
                # Logged and survived: the next run starts from the ledger, as after a restart.
                self._count(f"{name}_errors")
                log.exception(
                    "%s failed; the runner goes on",
                    name,
                    extra={
                        "job": name,
                        "outcome": "error",
                        "duration_s": round(time.monotonic() - started, 3),
                    },
                )
            finally:
                self._count(f"{name}_runs")
                with self._lock:
                    self._running.discard(name)
                    again = name in self._again
                    self._again.discard(name)
                if again:
                    self.trigger(name)

        return run

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def _run_sync(self) -> None:
        self.watch.sync_starting()
        started = time.monotonic()
        result = self._sync()
        detail = None if result is None else str(result)[:300]
        log.info(
            "sync finished",
            extra={
                "job": SYNC,
                "outcome": "ok",
                "detail": detail,
                "duration_s": round(time.monotonic() - started, 3),
            },
        )
        self.jobs.refresh_views()

    def _watch(self) -> None:
        if self.watch.changed():
            log.info("calendar changed: sync soon", extra={"job": WATCH, "outcome": "changed"})
            self.trigger(SYNC)


class _SkippedRunFilter(logging.Filter):
    """APScheduler warns when an interval fires while the job still runs. With max_instances=1
    that is the design (the running pass covers it), so it is not worth a warning per tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def _quiet_overlap_warnings() -> None:
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _SkippedRunFilter) for f in scheduler_log.filters):
        scheduler_log.addFilter(_SkippedRunFilter())


def run_runner(
    ledger_dir: str | os.PathLike[str],
    settings: ApiSettings,
    make_sync: Callable[[SyncContext], SyncJob],
    *,
    config: RunnerConfig | None = None,
    webhook_secret: str | None = None,
    command: str | None = None,
    configure_logs: bool = True,
    log_level: str = "INFO",
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """The entry the CLI calls: lock the ledger for the process's life, build the client and the
    sync job, run until SIGINT/SIGTERM. 0: stopped cleanly; 1: the ledger is in use (the message
    names the holder) or the runner could not start; 2: a webhook port without a secret.
    `clock` is what tracking and figures take for "now" (a rehearsal against a sandbox started
    with --start-at passes that time line)."""
    config = config or RunnerConfig()
    secrets = [settings.api_key.reveal(), *([webhook_secret] if webhook_secret else [])]
    secrets += [v for v in (os.environ.get(n, "").strip() for n in AWS_SECRET_VARIABLES) if v]
    if configure_logs:
        configure_logging(level=log_level, secrets=secrets)
    if config.webhook_port is not None and not webhook_secret:
        log.error(
            "--webhook-port needs STATUS200_WEBHOOK_SECRET (the signing secret of the webhooks)",
            extra={"job": "runner", "outcome": "usage"},
        )
        return EXIT_USAGE
    ledger = GuardedLedger(ledger_dir, secrets=secrets)
    stop = threading.Event()
    try:
        with ledger.lock(command), make_client(settings, stop) as client:
            run_id = f"run-{uuid.uuid4().hex[:12]}"
            sync = make_sync(SyncContext(client, ledger, stop, run_id, config.calendar_paths))
            runner = Runner(
                ledger=ledger,
                client=client,
                sync=sync,
                config=config,
                webhook_secret=webhook_secret,
                clock=clock,
                stop=stop,
                run_id=run_id,
            )
            return runner.run_forever()
    except LedgerLocked as exc:
        log.error("%s", exc, extra={"job": "runner", "outcome": "locked"})
        return EXIT_FAILED
