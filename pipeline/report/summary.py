"""The end-of-run summary of `pipeline publish`: a table for people, markdown for CI pages."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from pipeline.report.console import markup_safe

if TYPE_CHECKING:
    from pipeline.apply.publisher import RunSummary

#: Shown in this order; the first six are always shown (the issue's summary table).
ROWS = (
    ("created", "scheduled on the service"),
    ("replaced", "cancelled and scheduled again (changed)"),
    ("unchanged", "already scheduled or sent, left alone"),
    ("queued", "moved to the next UTC day by the plan's daily allowance"),
    ("deferred", "left for a later run (500 waiting cap, throttle, missed)"),
    ("failed", "refused by the API or not sendable"),
    ("held", "held back by the account check (profile, connection, options)"),
    ("unknown", "no answer; the next run reconciles it (clip posts: pipeline resolve)"),
    ("published", "published at once (its time had come)"),
    ("submitted", "clip posts sent to the clip server (final state: Upload-Post)"),
    ("processing", "accepted, still being processed"),
    ("cancelled", "cancelled (removed from the calendar, --prune)"),
    ("reconciled", "found on the service after an unknown outcome"),
    ("skipped", "invalid entries left out (--skip-invalid)"),
    ("would_send", "dry run: the API would take it"),
    ("refused", "dry run: the API would refuse it"),
)
ALWAYS = {"created", "replaced", "unchanged", "queued", "deferred", "failed"}


def _rows(summary: RunSummary) -> list[tuple[str, int, str]]:
    return [
        (name, summary.counts.get(name, 0), meaning)
        for name, meaning in ROWS
        if name in ALWAYS or summary.counts.get(name, 0)
    ]


def render_summary_text(summary: RunSummary, *, width: int = 100) -> str:
    buffer = io.StringIO()
    # Soft wrap: a long failure line stays one line (the terminal wraps it; a log keeps it whole).
    console = Console(
        file=buffer, width=width, no_color=True, highlight=False, soft_wrap=True, emoji=False
    )
    table = Table(title=f"publish run {markup_safe(summary.run)}", title_justify="left")
    table.add_column("result")
    table.add_column("posts", justify="right")
    table.add_column("meaning", style="dim")
    for name, count, meaning in _rows(summary):
        table.add_row(name, str(count), meaning)
    console.print(table)
    for problem in summary.problems:
        console.print(f"problem: {markup_safe(problem)}")
    for failure in summary.failures[:50]:
        console.print(f"  ✖ {markup_safe(failure)}")
    if len(summary.failures) > 50:
        console.print(f"  … and {len(summary.failures) - 50} more (see results.csv)")
    verdict = "OK" if summary.exit_code == 0 else "FAILED"
    console.print(f"{verdict} in {summary.seconds:.1f} s (exit code {summary.exit_code})")
    return buffer.getvalue()


def _md(text: str) -> str:
    for char in "\\`*_{}[]<>#|":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def render_summary_markdown(summary: RunSummary) -> str:
    icon = ":white_check_mark:" if summary.exit_code == 0 else ":x:"
    lines = [
        f"### {icon} Calendar publish run `{summary.run}`",
        "",
        "| result | posts |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {count} |" for name, count, _ in _rows(summary)]
    if summary.problems:
        lines += ["", "**Problems**", ""] + [f"- {_md(p)}" for p in summary.problems]
    if summary.failures:
        lines += ["", "**Failures**", ""] + [f"- {_md(f)}" for f in summary.failures[:100]]
    lines += ["", f"Finished in {summary.seconds:.1f} s, exit code {summary.exit_code}.", ""]
    return "\n".join(lines)
