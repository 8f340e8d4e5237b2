"""`pipeline report`: one self-contained HTML file (calendar grids, diagnostics, caps, figures),
or with `--format ics` the calendar feed (one event per planned or published post)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime

from pipeline.commands.common import (
    EXIT_OK,
    UsageError,
    intervals,
    ledger_dir,
    load,
    media_store,
    read_state,
)
from pipeline.config import ProjectConfig
from pipeline.ledger.fileio import write_atomic
from pipeline.plan.build import build_plan, plan_options
from pipeline.report.free_slots import SlotTimes, free_slots
from pipeline.report.html import render_html
from pipeline.report.html_data import build_report_data
from pipeline.report.ics import feed_events, render_ics

DEFAULT_OUTPUT = {"html": "report.html", "ics": "calendar.ics"}


def slot_times(config: ProjectConfig) -> SlotTimes | None:
    """The instants of each `slots:` name (in its own zone), for the free slots the HTML grids
    show; None without `slots:` in pipeline.yaml."""
    if not config.slots:
        return None
    from pipeline.schedule.slots import instants
    from pipeline.times import zone

    def times(name: str, start: datetime, end: datetime) -> Iterator[datetime]:
        slot_set = config.slots[name]
        return (t.astimezone(zone(slot_set.timezone)) for t in instants(slot_set, start, end))

    return times


def report_command(args: argparse.Namespace) -> int:
    result = load(args)
    directory = ledger_dir(args, result.config.root)
    state = read_state(directory)
    post_interval, media_interval = intervals(result)
    options = plan_options(
        result,
        state,
        now=result.now,
        post_interval=post_interval,
        media_interval=media_interval,
        store=media_store(result.config),
    )
    plan = build_plan(result, state.posts if state else {}, options, skip_invalid=True).plan
    output = args.output or DEFAULT_OUTPUT[args.format]
    if args.format == "ics":
        events = feed_events(plan, state.posts if state else {})
        body = render_ics(events, now=result.now)
        counts = f"{len(events)} events"
    else:
        free = free_slots(result, slot_times(result.config))
        data = build_report_data(result, state, plan, datetime.now(UTC), free_slots=free)
        body = render_html(data).encode("utf-8")
        counts = f"{len(result.entries)} entries, {len(result.diagnostics)} diagnostics"
    try:
        write_atomic(output, body)
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror}") from None
    print(f"wrote {output} ({counts})")
    return EXIT_OK
