"""`pipeline publish`: validate, show the plan, confirm, publish, summarise.

Interactive runs get a progress bar with an ETA; CI gets one plain line per post. SIGINT and
SIGTERM stop the run after the requests in flight are answered and recorded.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)

from pipeline.api import ApiSettings, ConfigError, MissingKey, Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions, RunSummary
from pipeline.backends.clips.client import ClipClient
from pipeline.backends.clips.errors import ClipConfigError
from pipeline.backends.clips.settings import ClipSettings
from pipeline.backends.clips.types import KEY_VARIABLE
from pipeline.commands.common import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    UsageError,
    append_step_summary,
    color,
    intervals,
    ledger_dir,
    load,
    media_base_url,
    media_store,
)
from pipeline.ledger import Ledger, LedgerLocked
from pipeline.mediastore import AWS_SECRET_VARIABLES
from pipeline.plan.build import PlanResult
from pipeline.plan.saved import (
    PLAN_FLAGS,
    PlanFileError,
    SavedPlan,
    check_inputs,
    check_steps,
    read_saved_plan,
)
from pipeline.report import render_text
from pipeline.report.console import markup_safe
from pipeline.report.plan import render_plan_text
from pipeline.report.summary import render_summary_markdown, render_summary_text
from pipeline.textsafe import megabytes, printable


class _Amount(ProgressColumn):
    """Posts as `3/10`; an upload's task (fields kind=bytes) as `12.5/41.0 MB`."""

    def __init__(self) -> None:
        super().__init__()
        self._posts = MofNCompleteColumn()
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> RenderableType:
        column = self._bytes if task.fields.get("kind") == "bytes" else self._posts
        return column.render(task)


class RichProgress:
    """A progress bar with ETA on a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            _Amount(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("publishing", total=0)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)
        self.bar.start()

    def advance(self, line: str) -> None:
        self.bar.console.print(f"  {printable(line)}", highlight=False, markup=False, emoji=False)
        self.bar.advance(self.task)

    def note(self, line: str) -> None:
        self.bar.console.print(f"  [yellow]{markup_safe(line)}[/]", highlight=False, emoji=False)

    def stop(self) -> None:
        self.bar.stop()

    def upload(self, label: str, total: int) -> Callable[[int], None]:
        """A second bar, in bytes, while one file goes up to the media store."""
        task = self.bar.add_task(
            f"uploading {printable(label, 40)}", total=total, kind="bytes", start=True
        )
        sent = [0]
        lock = threading.Lock()

        def advance(chunk: int) -> None:
            with lock:
                sent[0] += chunk
                done = sent[0] >= total
            self.bar.update(task, advance=chunk)
            if done:
                self.bar.remove_task(task)

        return advance


def _ignore_bytes(_: int) -> None:
    return None


class LineProgress:
    """One timestamped line per event, for CI logs (no terminal control codes)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._lock = threading.Lock()  # the lanes report from their own threads

    def _print(self, line: str) -> None:
        if not self.quiet:
            with self._lock:  # one whole line at a time: print() writes the newline separately
                print(
                    f"{datetime.now(UTC):%H:%M:%S} {printable(line)}", file=sys.stderr, flush=True
                )

    def start(self, total: int) -> None:
        self._print(f"sending {total} post(s)")

    def advance(self, line: str) -> None:
        self._print(line)

    def note(self, line: str) -> None:
        self._print(f"note: {line}")

    def stop(self) -> None:
        return None

    def upload(self, label: str, total: int) -> Callable[[int], None]:
        """One line when an upload starts (a log has no bar; the note after it says done)."""
        self._print(f"uploading {label} ({megabytes(total)}) to the media store")
        return _ignore_bytes


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop`: in-flight requests finish and are recorded, then the run ends."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        print(
            f"\nstopping after the requests in flight ({signal.Signals(signum).name})",
            file=sys.stderr,
            flush=True,
        )
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _clip_client(result: object) -> Iterator[ClipClient | None]:
    """The clip server's client, when the calendar has clip posts (docs/clips.md)."""
    entries = getattr(result, "entries", [])
    if not any(e.clip is not None for e in entries):
        yield None
        return
    try:
        settings = ClipSettings.from_env(os.environ)
    except ClipConfigError as exc:
        raise UsageError(str(exc)) from None
    if settings.api_key is None:
        yield None  # the clip posts are held back, with the variable named; the rest goes out
        return
    with ClipClient(settings) as client:
        yield client


def _settings() -> ApiSettings | None:
    """The Status 200 settings; None without a key (its posts are then held back, not the run)."""
    try:
        settings = ApiSettings.from_env(os.environ)
    except MissingKey:
        return None
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return settings


class LazyClient:
    """Makes the Status 200 client when the first request needs it, and closes it after the
    run: a run with nothing to send builds none (an httpx client with TLS set up costs a
    noticeable part of a second)."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self.client: Status200Client | None = None

    def __call__(self) -> Status200Client:
        if self.client is None:
            self.client = Status200Client(self.settings)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


@contextmanager
def _status200_client(settings: ApiSettings | None) -> Iterator[LazyClient | None]:
    if settings is None:
        yield None
        return
    lazy = LazyClient(settings)
    try:
        yield lazy
    finally:
        lazy.close()


def _secrets(settings: ApiSettings | None) -> list[str]:
    """Every key in the environment, so that the ledger scrubs them from what it records."""
    keys = [settings.api_key.reveal()] if settings is not None else []
    others = (KEY_VARIABLE, *AWS_SECRET_VARIABLES)
    return keys + [v for v in (os.environ.get(n, "").strip() for n in others) if v]


def _clock(now: datetime) -> object:
    offset = now - datetime.now(UTC)
    if abs(offset) < timedelta(seconds=1):
        return lambda: datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def _saved_plan(args: argparse.Namespace) -> SavedPlan | None:
    """The saved plan `--plan` names; its flags replace the command line's (which may only
    repeat them), so the apply is planned exactly as the plan was."""
    if not args.plan:
        return None
    if args.dry_run:
        raise UsageError("--plan applies a saved plan; --dry-run does not go with it")
    saved = read_saved_plan(args.plan)
    for name in PLAN_FLAGS:
        given, fixed = bool(getattr(args, name)), bool(saved.options.get(name, False))
        if given and not fixed:
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag}: the saved plan {args.plan} was made without it; "
                f"run pipeline plan {flag} --out {args.plan} to make one with it"
            )
        setattr(args, name, fixed)
    return saved


def publish_command(args: argparse.Namespace) -> int:
    try:
        saved = _saved_plan(args)
    except PlanFileError as exc:
        print(f"pipeline publish: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    result = load(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and saved is None
    console = Console(
        file=sys.stdout, force_terminal=color(sys.stdout) or None, highlight=False, emoji=False
    )
    if result.errors and not args.skip_invalid:
        sys.stderr.write(
            render_text(
                result.diagnostics,
                result.summary(),
                color=color(sys.stderr),
                verbose=args.verbose,
            )
        )
        print(
            f"pipeline publish: {len(result.errors)} error(s) in the calendars; nothing was sent. "
            "Fix them, or use --skip-invalid to publish the valid entries only.",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    if not args.yes and not args.dry_run and not interactive and saved is None:
        raise UsageError("not on a terminal: add --yes to publish without confirmation")
    settings = _settings()
    post_interval, media_interval = intervals(result)
    config = result.config
    media_base = media_base_url(config)
    options = PublishOptions(
        dry_run=args.dry_run,
        prune=args.prune,
        skip_invalid=args.skip_invalid,
        retry_failed=args.retry_failed,
        post_interval=post_interval,
        media_interval=media_interval,
        media_base_url=media_base,
        media_root=os.path.join(config.root, config.media_root) if config.media_root else None,
        media_store=media_store(config),
        saved_plan=saved.id if saved is not None else None,
    )
    if settings is not None:
        settings = dataclasses.replace(
            settings, post_interval=post_interval, media_interval=media_interval
        )
    directory = ledger_dir(args, config.root)
    stop = threading.Event()
    ledger = Ledger(directory, secrets=_secrets(settings))
    try:
        with ledger.lock(f"pipeline publish {' '.join(args.paths)}"), stop_on_signals(stop):
            if result.diagnostics and not args.quiet and not args.json:
                sys.stderr.write(
                    render_text(
                        result.diagnostics,
                        result.summary(),
                        color=color(sys.stderr),
                        verbose=args.verbose,
                    )
                )
            with _status200_client(settings) as lazy, _clip_client(result) as clips:
                publisher = Publisher(
                    None,
                    ledger,
                    result,
                    options,
                    progress=RichProgress(console)
                    if interactive and not args.quiet and not args.json
                    else LineProgress(args.quiet or args.json),
                    stop=stop,
                    clock=_clock(result.now),  # type: ignore[arg-type]
                    clip_client=clips,
                    make_client=lazy,
                )
                planned = publisher.plan()  # shown, checked against a saved plan, applied
                if saved is not None:
                    check_inputs(saved, result, directory)
                    check_steps(saved, planned.plan)
                asks = interactive and not args.yes and not args.dry_run
                if asks and not _confirm(planned, console, directory):
                    print("nothing sent", file=sys.stderr)
                    return EXIT_PROBLEMS
                summary = publisher.run(planned)
    except MissingKey as exc:
        raise UsageError(str(exc)) from None
    except PlanFileError as exc:
        print(f"pipeline publish: {exc}; nothing was sent", file=sys.stderr)
        return EXIT_PROBLEMS
    except LedgerLocked as exc:
        print(f"pipeline publish: {printable(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    return _finish(summary, args, console)


def _confirm(planned: PlanResult, console: Console, directory: str) -> bool:
    """Show the plan the run will carry out (the same object), and ask."""
    # Already rendered: printing it through rich again would read captions' brackets as markup.
    sys.stdout.write(
        render_plan_text(
            planned.plan,
            header=f"ledger {directory}",
            skipped=planned.skipped,
            color=console.is_terminal,
        )
    )
    sends = len(planned.plan.sends) + len(planned.plan.of("cancel"))
    if sends == 0:
        return True
    answer = input(f"Send these {sends} request(s)? Only 'yes' is accepted: ")
    return answer.strip().lower() == "yes"


def _finish(summary: RunSummary, args: argparse.Namespace, console: Console) -> int:
    if summary.blocked:
        print("pipeline publish: the calendars have errors; nothing was sent", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        sys.stdout.write(json.dumps(summary.as_dict(), indent=2) + "\n")
    else:
        # Written as rendered: through rich again it would be re-wrapped and its brackets read
        # as markup. A terminal gets a table that fits it; a log gets the full width.
        width = console.width if console.is_terminal else 100
        sys.stdout.write(render_summary_text(summary, width=width))
    append_step_summary(render_summary_markdown(summary))
    return summary.exit_code if summary.exit_code != EXIT_USAGE else EXIT_PROBLEMS
