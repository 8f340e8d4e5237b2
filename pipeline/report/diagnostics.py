"""Validation reports in four shapes for four readers: a person, a program, a PR, a CI log."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import groupby
from json.encoder import encode_basestring
from typing import Any, Final

from pipeline.model import Diagnostic
from pipeline.report.console import paint
from pipeline.textsafe import printable

_ORDER = Diagnostic.sort_key


def _where(d: Diagnostic) -> str:
    parts = [p for p in (d.entry, d.platform) if p]
    return f"[{' · '.join(parts)}] " if parts else ""


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _count_line(summary: Mapping[str, Any]) -> str:
    errors, warnings = summary["errors"], summary["warnings"]
    return (
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in "
        f"{summary['files']} file{'s' * (summary['files'] != 1)} "
        f"({_plural(summary['entries'], 'entry', 'entries')}, "
        f"{_plural(summary['posts'], 'post', 'posts')} checked)"
    )


#: A warning code seen this many times in one file is shown once, with its count (text only).
GROUP_FROM: Final = 5


def _grouped(items: list[Diagnostic]) -> list[tuple[Diagnostic, int]]:
    """Each diagnostic with how many it stands for: a warning code repeated GROUP_FROM times
    or more in a file is one line (at its first) standing for all; errors are never grouped."""
    counts = Counter(d.code for d in items if not d.is_error)
    shown: set[str] = set()
    out = []
    for d in items:
        many = not d.is_error and counts[d.code] >= GROUP_FROM
        if many and d.code in shown:
            continue
        shown.add(d.code)
        out.append((d, counts[d.code] if many else 1))
    return out


def render_text(
    diagnostics: Sequence[Diagnostic],
    summary: Mapping[str, Any],
    *,
    color: bool = False,
    verbose: bool = False,
) -> str:
    """Grouped by file, one problem per line with its hint beneath; colour only on a terminal.
    Plain string work, one line per problem (see report.console: no markup, no rich). A warning
    repeated GROUP_FROM times or more in a file is one line with its count, unless `verbose`
    (a calendar of 180 TikTok posts without a privacy level should not print 360 lines)."""
    lines = []
    for file, items in groupby(sorted(diagnostics, key=_ORDER), key=lambda d: d.file):
        lines.append(paint(printable(file), "bold underline", color=color))
        listed = list(items)
        for d, count in [(d, 1) for d in listed] if verbose else _grouped(listed):
            severity = paint(
                f"{d.severity.value:<7}", "red" if d.is_error else "yellow", color=color
            )
            what = f"{printable(_where(d))}{printable(d.message)}"
            if count > 1:
                what = (
                    f"{count} × in this file, first at line {d.line}: {what}; --verbose lists all"
                )
            lines.append(
                f"  {d.line:>5}  {severity} {paint(d.code, 'bold', color=color)} "
                f"{paint(d.name, 'dim', color=color)}  {what}"
            )
            if d.hint:
                lines.append(f"         {paint('hint:', 'dim', color=color)} {printable(d.hint)}")
        lines.append("")
    mark = paint("✖", "red", color=color) if summary["errors"] else paint("✔", "green", color=color)
    lines.append(f"{mark} {_count_line(summary)}")
    for note in summary.get("notes", []):
        lines.append(paint(f"note: {printable(note)}", "dim", color=color))
    return "\n".join(lines) + "\n"


def render_json(diagnostics: Sequence[Diagnostic], summary: Mapping[str, Any]) -> str:
    """`{"diagnostics": [...], "summary": {...}}`, stable keys, for scripts: exactly what
    `json.dumps(indent=2, ensure_ascii=False)` writes. Its indenting encoder is pure Python
    (0.27 s for 21,000 diagnostics), so each diagnostic, a flat dict of strings, ints and
    nulls, is written into a fixed layout with the C string encoder json itself uses."""
    text = json.dumps({"diagnostics": [], "summary": dict(summary)}, indent=2, ensure_ascii=False)
    rows = [d.as_dict() for d in sorted(diagnostics, key=_ORDER)]
    if rows:
        fields = ",\n".join(f"      {_json(k)}: {{}}" for k in rows[0])
        layout = "    {{\n" + fields + "\n    }}"  # braces doubled for str.format
        listed = ",\n".join(layout.format(*map(_json, row.values())) for row in rows)
        text = text.replace('"diagnostics": []', f'"diagnostics": [\n{listed}\n  ]', 1)
    return text + "\n"


def _json(value: Any) -> str:
    """One JSON scalar as `json.dumps(ensure_ascii=False)` writes it."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


#: Markdown and HTML metacharacters (`&` too: `&lt;` must stay text, not become `<`).
_MD_SPECIAL = frozenset("\\`*_{}[]<>#|&~")


def _md_text(text: str | None) -> str:
    """Plain text for one table cell: one line, each metacharacter backslash-escaped once, so
    an id or a value quoted in a message cannot add markup, links, HTML or columns."""
    flat = printable(" ".join((text or "").splitlines()))
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in flat)


def _md_code(text: str) -> str:
    """A code span inside a table cell. Backslash escapes do not work in code spans, but the
    table reads `\\|` first, so only pipes are escaped; a backtick inside gets a longer fence."""
    flat = printable(" ".join(text.splitlines()).strip()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def render_markdown(diagnostics: Sequence[Diagnostic], summary: Mapping[str, Any]) -> str:
    """A job summary: counts first, then a table (at most 200 rows, so the summary stays small)."""
    icon = ":x:" if summary["errors"] else ":white_check_mark:"
    lines = [f"### {icon} Calendar validation", "", _count_line(summary), ""]
    for note in summary.get("notes", []):
        lines += [f"> {_md_text(note)}", ""]
    ordered = sorted(diagnostics, key=_ORDER)
    if ordered:
        lines += [
            "| | Code | Where | Entry | Platform | Problem | Hint |",
            "|---|---|---|---|---|---|---|",
        ]
        for d in ordered[:200]:
            mark = ":x:" if d.is_error else ":warning:"
            lines.append(
                f"| {mark} | `{d.code}` {d.name} | {_md_code(f'{d.file}:{d.line}')} | "
                f"{_md_text(d.entry)} | {_md_text(d.platform)} | "
                f"{_md_text(d.message)} | {_md_text(d.hint)} |"
            )
        if len(ordered) > 200:
            lines += ["", f"…and {len(ordered) - 200} more (see the job log)."]
    return "\n".join(lines) + "\n"


def _gh_data(text: str) -> str:
    """Escaped as workflow commands require (`%`, CR, LF -> %25, %0D, %0A); any other control
    or bidi character is shown as its escape, as on a terminal (the job log obeys colour codes)."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic], summary: Mapping[str, Any]) -> str:
    """GitHub Actions workflow commands: one annotation per problem, on its file and line."""
    out = []
    for d in sorted(diagnostics, key=_ORDER):
        level = "error" if d.is_error else "warning"
        props = f"file={_gh_property(d.file)}"
        if d.line:
            props += f",line={d.line}"
        props += f",title={_gh_property(f'{d.code} {d.name}')}"
        message = f"{_where(d)}{d.message}" + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"::{level} {props}::{_gh_data(message)}")
    out.append(_count_line(summary))
    return "\n".join(out) + "\n"
