"""One schema for both formats: raw fields -> `Entry`, or diagnostics saying what to fix.

Precedence for every setting: the post, then its file's `defaults:`, then `pipeline.yaml`'s
`defaults:` (and its `timezone`). A post for several platforms stays one entry; the planner
splits it into one request per platform.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from datetime import time as dt_time
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from pipeline import times
from pipeline.calendar.raw import RawRecord
from pipeline.calendar.recurrence import RuleProblem, check_rule
from pipeline.model import (
    PLATFORMS,
    ClipRef,
    Diagnostic,
    Entry,
    Evergreen,
    MediaRef,
    Recurrence,
    SourceRef,
)
from pipeline.rules.codes import make
from pipeline.rules.options import ALIASES, OPTIONS, coerce, did_you_mean
from pipeline.textsafe import key_name, shorten

#: A recurring post's keys (`repeat:` makes the entry a series template).
SERIES_KEYS = ("repeat", "until", "count", "skip", "overrides")
#: What an override may change in its occurrence.
OVERRIDE_KEYS = ("at", "text", "captions", "title", "media")
POST_KEYS = (
    "id",
    "at",
    "date",
    "time",
    "timezone",
    "platforms",
    "platform",
    "account",
    "text",
    "captions",
    "title",
    "media",
    "clip",
    "clip_job",
    "clip_index",
    *SERIES_KEYS,
    "queue",
    "priority",
    "evergreen",
    *PLATFORMS,
)
DEFAULT_KEYS = ("timezone", "account", "platforms", "date_format", *PLATFORMS)
IGNORED_KEYS = ("notes", "note", "comment", "comments")
PLATFORM_SET = frozenset(PLATFORMS)
_POST_KEY_SET = frozenset(POST_KEYS)
PLATFORM_ALIASES = {"twitter": "x", "ig": "instagram", "fb": "facebook", "yt": "youtube"}


@dataclass(frozen=True, slots=True)
class SchemaContext:
    """Project-wide settings the schema needs (from pipeline.yaml)."""

    project_root: str
    timezone: str | None = None
    date_format: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    config_file: str = "pipeline.yaml"


class _Collector:
    """Diagnostics for one record, pre-filled with its file, line and entry id."""

    def __init__(self, record: RawRecord, entry: str | None) -> None:
        self.record = record
        self.entry = entry
        self.items: list[Diagnostic] = []

    def add(
        self,
        code: str,
        message: str,
        *,
        hint: str = "",
        platform: str | None = None,
        key: str | None = None,
    ) -> None:
        line = self.record.field_lines.get(key, self.record.line) if key else self.record.line
        self.items.append(
            make(
                code,
                self.record.file,
                line,
                message,
                hint=hint,
                entry=self.entry,
                platform=platform,
            )
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | list | dict):
        return None
    return str(value)


#: C0 and C1 control characters and DEL; tab, line feed and carriage return are text.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: CONTROL's C0 characters and DEL as UTF-8 bytes (each is its own byte); its C1 characters
#: U+0080-U+009F are the two bytes \xc2 \x80-\x9f.
_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")


def control_in_bytes(data: bytes) -> bool:
    """Whether UTF-8 `data` decodes to text CONTROL finds something in (without decoding: a
    C-level delete for the single bytes, and a search only if any 0xC2 lead byte is there)."""
    if len(data.translate(None, _C0_BYTES)) != len(data):
        return True
    return b"\xc2" in data and _C1_BYTES.search(data) is not None


_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def control_character(text: str) -> str | None:
    """Where the first control character in `text` is, said for a person, or None.

    Such characters cannot be typed into a caption; they arrive from escapes ("\\e", "\\0")
    or pasted binary, and would reach the platforms or a terminal."""
    match = CONTROL.search(text)
    if match is None:
        return None
    char = ord(match.group())
    name = f"U+{char:04X}" + (f" ({_CONTROL_NAMES[char]})" if char in _CONTROL_NAMES else "")
    start = text.rfind("\n", 0, match.start()) + 1
    where = f"column {match.start() - start + 1}"
    if start:
        where += f" of line {text.count(chr(10), 0, start) + 1} of the value"
    return f"{name} at {where}"


def _control_in(value: Any, depth: int = 0) -> tuple[str, str] | None:
    """(path inside the value, where) of the first control character in a field's value."""
    if isinstance(value, str):
        found = control_character(value)
        return ("", found) if found else None
    if depth < 4 and isinstance(value, list | dict):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for name, item in items:
            inner = _control_in(item, depth + 1)
            if inner:
                path = str(name) if isinstance(value, dict) else ""
                return ".".join(p for p in (path, inner[0]) if p), inner[1]
    return None


def _check_control(fields: Mapping[str, Any], out: _Collector) -> None:
    """E116 for text with a control character (refused, not stripped: the post is not sent)."""
    for key, value in fields.items():
        found = None if key == "media" else _control_in(value)  # media: see media_refs
        if found:
            name = ".".join(p for p in (key, found[0]) if p)
            out.add(
                "E116",
                f"{key_name(name)}: control character {found[1]}",
                hint="remove it; tab and new lines are the only control characters allowed",
                key=key,
            )


def _split(value: Any, seps: str) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value)
    for sep in seps[1:]:
        text = text.replace(sep, seps[0])
    return [part.strip() for part in text.split(seps[0]) if part.strip()]


def platform_name(name: str) -> tuple[str | None, str]:
    """A known platform for a written name, or None and a hint."""
    lowered = name.strip().lower()
    if lowered in PLATFORMS:
        return lowered, ""
    if lowered in PLATFORM_ALIASES:
        return None, f"did you mean {PLATFORM_ALIASES[lowered]!r}?"
    guess = did_you_mean(lowered, (*PLATFORMS, *PLATFORM_ALIASES))
    guess = PLATFORM_ALIASES.get(guess or "", guess)
    return None, (f"did you mean {guess!r}? " if guess else "") + "known: " + ", ".join(PLATFORMS)


@dataclass(frozen=True, slots=True)
class Defaults:
    """A file's defaults layered over the project's, checked once rather than once per post."""

    platforms: Any = None
    timezone: str | None = None
    accounts: tuple[Any, ...] = ()  # raw `account` values, lowest precedence first
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    date_pattern: str | None = None
    # Per-file memo of resolved accounts and default options (many posts share them).
    shared_accounts: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    shared_options: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


def prepare_defaults(
    raw: Mapping[str, Any],
    base: Defaults,
    *,
    file: str,
    line: int,
    date_format: str | None = None,
) -> tuple[Defaults, list[Diagnostic]]:
    """Check a `defaults:` block (a file's, or pipeline.yaml's) and layer it over `base`."""
    out = _Collector(RawRecord(file, line, dict(raw)), None)
    for key in raw:
        if key not in DEFAULT_KEYS and str(key).lower() not in PLATFORM_SET:
            guess = did_you_mean(str(key), DEFAULT_KEYS)
            out.add(
                "E104",
                f"defaults: unknown key {shorten(key)}",
                hint=(f"did you mean {guess!r}? " if guess else "")
                + "defaults take timezone, account, platforms and per-platform option blocks",
            )
    options = {p: dict(block) for p, block in base.options.items()}
    for key, block in raw.items():
        platform = str(key).lower()
        if platform not in PLATFORM_SET or block is None:
            continue
        if not isinstance(block, dict):
            out.add("E105", f"defaults.{key}: must be a mapping of options")
            continue
        merged = options.setdefault(platform, {})
        for name, value in block.items():
            checked = _option(platform, str(name), value, False, out, None)
            if checked is not None:
                merged[checked[0]] = checked[1]
    pattern = base.date_pattern
    if date_format is not None:
        try:
            pattern = times.resolve_date_format(date_format)
        except times.TimeProblem as problem:
            out.add(problem.code, f"date_format: {problem.message}", hint=problem.hint)
    tz = _text(raw.get("timezone"))
    if tz is None and raw.get("timezone") is not None:
        out.add("E105", "defaults.timezone: must be one zone name, e.g. America/New_York")
    if tz is not None:
        try:
            times.zone(tz)
        except times.TimeProblem as problem:
            out.add(problem.code, f"defaults.timezone: {problem.message}", hint=problem.hint)
            tz = None
    account = raw.get("account")
    prepared = Defaults(
        platforms=raw.get("platforms", base.platforms),
        timezone=tz or base.timezone,
        accounts=(*base.accounts, account) if account is not None else base.accounts,
        options=options,
        date_pattern=pattern,
    )
    return prepared, out.items


def build_entry(
    record: RawRecord,
    defaults: Defaults,
    directory: str,
    project_root: str,
) -> tuple[Entry | None, list[Diagnostic]]:
    """Turn one raw record into an entry (None when it is too broken to check further)."""
    fields = record.fields
    raw_id = fields.get("id")
    entry_id = _text(raw_id).strip() if _text(raw_id) else None  # type: ignore[union-attr]
    out = _Collector(record, entry_id)
    if raw_id is not None and not entry_id:
        out.add("E105", "id must be text or a number", key="id")
    if entry_id and "@" in entry_id:
        out.add(
            "E163",
            f"id {shorten(entry_id)} contains @",
            hint="@ names the occurrences of a series (weekly-tip@2027-01-05); choose another id",
            key="id",
        )
    blocks = _check_keys(fields, out)
    _check_control(fields, out)

    platforms = _platforms(fields, defaults, out)
    accounts = _accounts(fields, defaults, platforms, out)
    options = _options(record, fields, blocks, defaults, platforms, out)
    when = _when(fields, defaults, out)
    media = _media(fields, directory, project_root, out)
    clip = _clip(fields, out)

    text = fields.get("text")
    if text is not None and not isinstance(text, str):
        if isinstance(text, bool | list | dict):
            out.add("E105", "text must be text", key="text")
        text = _text(text)
    captions = _captions(fields.get("captions"), out, "captions")
    title = _text(fields.get("title"))
    at_local, tz, at_utc, dst = when
    repeat = _recurrence(record, defaults, directory, project_root, out)
    queue, priority, evergreen = _queue_keys(fields, entry_id, out)
    entry = Entry(
        source=SourceRef(record.file, record.line),
        id=entry_id,
        platforms=tuple(platforms),
        accounts=accounts,
        text=text,
        captions=captions,
        title=title,
        media=media,
        options=options,
        at_local=at_local,
        tz=tz,
        at_utc=at_utc,
        dst=dst,
        clip=clip,
        repeat=repeat,
        queue=queue,
        priority=priority,
        evergreen=evergreen,
    )
    return entry, out.items


def _captions(raw: Any, out: _Collector, key: str, where: str = "captions") -> dict[str, str]:
    """Per-platform captions (a post's, or an override's: `where` names it in messages)."""
    captions: dict[str, str] = {}
    if raw is None:
        return captions
    if not isinstance(raw, dict):
        out.add(
            "E105" if where == "captions" else "E165",
            f"{where} must map platforms to text, e.g. captions: {{x: ...}}",
            key=key,
        )
        return captions
    for name, caption in raw.items():
        known, hint = platform_name(str(name))
        if known is None:
            out.add("E107", f"{where}.{name}: unknown platform", hint=hint, key=key)
        elif _text(caption) is None:
            out.add("E105", f"{where}.{name} must be text", key=key)
        else:
            captions[known] = _text(caption)  # type: ignore[assignment]
    return captions


def _check_keys(fields: Mapping[str, Any], out: _Collector) -> list[str]:
    """Report unknown fields; return the keys that are per-platform option blocks."""
    blocks = []
    for key in fields:
        if key in _POST_KEY_SET:
            if key in PLATFORM_SET:
                blocks.append(key)
            continue
        if key in IGNORED_KEYS or key.startswith("_"):
            continue
        if key.lower() in PLATFORM_SET:  # `Instagram:` written with a capital letter
            blocks.append(key)
            continue
        guess = did_you_mean(key, POST_KEYS)
        if guess:
            out.add(
                "E104", f"unknown field {shorten(key)}", hint=f"did you mean {guess!r}?", key=key
            )
        else:
            out.add(
                "W102",
                f"field {shorten(key)} is not read by the pipeline; it is ignored",
                hint="name it notes, or start it with _ to silence this",
                key=key,
            )
    return blocks


def _platforms(fields: Mapping[str, Any], defaults: Defaults, out: _Collector) -> list[str]:
    raw = fields.get("platforms", fields.get("platform"))
    key = "platforms" if "platforms" in fields else "platform"
    if raw is None:
        raw = defaults.platforms
    if raw is None or raw == [] or raw == "":
        out.add("E103", "no platforms for this post", hint="add platforms: [instagram, x]", key=key)
        return []
    names = tuple(raw) if isinstance(raw, list) else raw
    try:
        result, unknown = _parse_platforms(names)
    except TypeError:  # an unhashable value, e.g. a mapping
        out.add("E105", "platforms must be a list of platform names", key=key)
        return []
    for name, hint in unknown:
        out.add("E107", f"unknown platform {shorten(name)}", hint=hint, key=key)
    return list(result)


@functools.lru_cache(maxsize=4096)
def _parse_platforms(raw: Any) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Known platforms and (unknown name, hint) pairs; cached, as calendars repeat the same sets."""
    result: list[str] = []
    unknown = []
    for name in _split(list(raw) if isinstance(raw, tuple) else raw, ";,"):
        known, hint = platform_name(name)
        if known is None:
            unknown.append((name, hint))
        elif known not in result:
            result.append(known)
    return tuple(result), tuple(unknown)


def _accounts(
    fields: Mapping[str, Any], defaults: Defaults, platforms: list[str], out: _Collector
) -> Mapping[str, str]:
    raw = fields.get("account")
    if raw is None or isinstance(raw, str):  # the common case: resolved once per combination
        cache_key = (raw, tuple(platforms))
        cached = defaults.shared_accounts.get(cache_key)
        if cached is None:
            probe = _Collector(out.record, None)
            resolved = _resolve_accounts(fields, defaults, platforms, probe)
            cached = (MappingProxyType(resolved), tuple(probe.items))
            defaults.shared_accounts[cache_key] = cached
        for d in cached[1]:
            out.items.append(
                make(
                    d.code,
                    out.record.file,
                    out.record.field_lines.get("account", out.record.line),
                    d.message,
                    hint=d.hint,
                    entry=out.entry,
                    platform=d.platform,
                )
            )
        return cached[0]
    return _resolve_accounts(fields, defaults, platforms, out)


def _resolve_accounts(
    fields: Mapping[str, Any], defaults: Defaults, platforms: list[str], out: _Collector
) -> dict[str, str]:
    accounts: dict[str, str] = {}
    # Lowest precedence first; each layer's plain handle (or `default`) applies to every platform.
    layers = [(raw, None) for raw in defaults.accounts] + [(fields.get("account"), "account")]
    for raw, key in layers:
        if raw is None:
            continue
        if isinstance(raw, dict):
            plain = raw.get("default")
            for platform in platforms:
                value = raw.get(platform, plain)
                if value is not None:
                    accounts[platform] = str(value).strip()
            for name in raw:
                if name != "default" and platform_name(str(name))[0] is None:
                    out.add(
                        "E107",
                        f"account.{name}: unknown platform",
                        hint=platform_name(str(name))[1],
                        key=key,
                    )
        elif isinstance(raw, str | int) and not isinstance(raw, bool):
            for platform in platforms:
                accounts[platform] = str(raw).strip()
        else:
            out.add("E105", "account must be a handle or a mapping of platform to handle", key=key)
    for platform in platforms:
        if not accounts.get(platform):
            out.add(
                "E110",
                f"no account for {platform}",
                platform=platform,
                hint='set account: "@handle" on the post or in defaults',
                key="account",
            )
    return accounts


_NO_DEFAULTS = Defaults()


def _default_options(defaults: Defaults, platforms: tuple[str, ...]) -> Mapping[str, Any]:
    """The defaults' option blocks for these platforms, shared read-only by every post that
    adds none of its own (most posts): one mapping per platform set, not one per post."""
    found = defaults.shared_options.get(platforms)
    if found is None:
        found = MappingProxyType(
            {
                p: MappingProxyType(dict(defaults.options[p]))
                for p in platforms
                if p in defaults.options
            }
        )
        defaults.shared_options[platforms] = found
    return found


def _options(
    record: RawRecord,
    fields: Mapping[str, Any],
    blocks: list[str],
    defaults: Defaults,
    platforms: list[str],
    out: _Collector,
) -> Mapping[str, Any]:
    if "clip" in fields or "clip_job" in fields:
        # A clip post takes no option blocks: defaults meant for Status 200 posts do not apply.
        defaults = _NO_DEFAULTS
    if not blocks:
        return _default_options(defaults, tuple(platforms))
    result = {p: dict(defaults.options[p]) for p in platforms if p in defaults.options}
    for raw_key in blocks:
        block = fields[raw_key]
        platform = str(raw_key).lower()
        if block is None:
            continue
        if not isinstance(block, dict):
            out.add("E105", f"{raw_key}: must be a mapping of options", key=str(raw_key))
            continue
        if platform not in platforms:
            out.add(
                "W103",
                f"{raw_key}: options for a platform this post is not for",
                hint=f"add {platform} to platforms, or remove the block",
                key=str(raw_key),
                platform=platform,
            )
        merged = result.setdefault(platform, {})
        for name, value in block.items():
            checked = _option(platform, str(name), value, record.from_text, out, str(raw_key))
            if checked is not None:
                merged[checked[0]] = checked[1]
    return {p: block for p, block in result.items() if p in platforms}


def _option(
    platform: str, name: str, value: Any, from_text: bool, out: _Collector, key: str | None
) -> tuple[str, Any] | None:
    name = ALIASES.get(platform, {}).get(name, name)
    spec = OPTIONS[platform].get(name)
    if spec is None:
        guess = did_you_mean(name, list(OPTIONS[platform]))
        hint = f"did you mean {guess!r}? " if guess else ""
        out.add(
            "E108",
            f"{platform}.{name}: the API has no such option",
            hint=hint + "known: " + ", ".join(OPTIONS[platform]),
            platform=platform,
            key=key,
        )
        return None
    coerced, problem = coerce(spec, value, from_text=from_text)
    if problem:
        out.add(
            "E109",
            f"{platform}.{name}: {shorten(value)} is not accepted: {problem}",
            platform=platform,
            key=key,
        )
        return None
    return name, coerced


def _when(
    fields: Mapping[str, Any], defaults: Defaults, out: _Collector
) -> tuple[Any, str | None, Any, Any]:
    at, date, time_text = fields.get("at"), fields.get("date"), fields.get("time")
    key = "at" if at is not None else "date"
    tz_name = _text(fields.get("timezone")) or defaults.timezone
    if fields.get("timezone") is not None and _text(fields["timezone"]) is None:
        out.add(
            "E105",
            "timezone: must be one zone name, e.g. America/New_York",
            hint="the post's time is not read without its zone",
            key="timezone",
        )
        return None, None, None, "ok"
    if at is None and date is None and fields.get("queue") is not None:
        return None, tz_name, None, "ok"  # a queue entry's time is its slot
    if at is None and date is None:
        out.add("E103", "no time for this post", hint="add at: 2026-12-01 09:00")
        return None, tz_name, None, "ok"
    pattern = defaults.date_pattern
    try:
        if at is not None:
            when = times.parse_when(str(at), pattern)
        else:
            when = times.parse_when(
                str(date), pattern, None if time_text is None else str(time_text)
            )
    except times.TimeProblem as problem:
        out.add(problem.code, problem.message, hint=problem.hint, key=key)
        return None, tz_name, None, "ok"
    if tz_name is None and when.offset is None:
        out.add(
            "E408",
            f"{when.local:%Y-%m-%d %H:%M} has no time zone",
            hint="add timezone: Europe/Berlin to the post or defaults, timezone: in "
            "pipeline.yaml, or an offset such as +01:00",
            key=key,
        )
        return when.local, None, None, "ok"
    if tz_name is None:
        tz_name = times.format_offset(when.offset)  # type: ignore[arg-type]
    try:
        resolved = times.resolve(when.local, tz_name)
    except times.TimeProblem as problem:
        out.add(problem.code, problem.message, hint=problem.hint, key="timezone")
        return when.local, tz_name, None, "ok"
    if when.offset is not None and resolved.dst == "fold":
        # An explicit offset says which of the two occurrences is meant.
        second = times.fold_alternative(when.local, tz_name)
        chosen = second if when.local - when.offset == second.replace(tzinfo=None) else resolved.utc
        if chosen is not None and chosen.replace(tzinfo=None) == when.local - when.offset:
            return when.local, tz_name, chosen, "ok"
    if when.offset is not None and resolved.offset is not None and resolved.offset != when.offset:
        out.add(
            "E409",
            f"{when.local:%Y-%m-%d %H:%M}{times.format_offset(when.offset)} is not a time "
            f"in {tz_name} (there it is {times.format_offset(resolved.offset)})",
            hint="remove the offset or fix the timezone",
            key=key,
        )
        return when.local, tz_name, None, "ok"
    return when.local, tz_name, resolved.utc, resolved.dst


# --- recurring posts: repeat, until, count, skip, overrides -> model.Recurrence --------------


def _recurrence(
    record: RawRecord,
    defaults: Defaults,
    directory: str,
    project_root: str,
    out: _Collector,
) -> Recurrence | None:
    """The series a `repeat:` makes (None for a dated post, or a rule that cannot be used; the
    diagnostics say why). Dates are local dates in the post's zone, ISO or the file's
    `date_format`; the series itself is expanded later, by `pipeline.schedule.series`."""
    fields = record.fields
    raw = fields.get("repeat")
    if raw is None:
        for key in SERIES_KEYS[1:]:
            if fields.get(key) is not None:
                out.add(
                    "E167",
                    f"{key}: is for recurring posts, and this post has no repeat:",
                    hint='add repeat: "FREQ=WEEKLY;BYDAY=TU" (an RFC 5545 RRULE), or remove it',
                    key=key,
                )
        return None
    before = len(out.items)
    if out.entry is None:
        out.add(
            "E162",
            "a recurring post needs an id",
            hint="its occurrences are named after it (weekly-tip@2027-01-05): add id: weekly-tip",
            key="repeat",
        )
    rule = _text(raw) or ""
    try:
        check_rule(rule)
    except RuleProblem as problem:
        out.add(problem.code, problem.message, hint=problem.hint, key="repeat")
    pattern = defaults.date_pattern
    until = _series_date(fields.get("until"), pattern, out, "until")
    count = _count(fields.get("count"), out)
    if fields.get("until") is not None and fields.get("count") is not None:
        out.add(
            "E161",
            "until: and count: together: a series ends one way",
            hint="keep one (RFC 5545 allows only one of UNTIL and COUNT)",
            key="until",
        )
    skip: list[date] = []
    raw_skip = fields.get("skip")
    if raw_skip is not None:
        items = _split(raw_skip, ";,") if isinstance(raw_skip, str | list) else [raw_skip]
        for item in items:
            day = _series_date(item, pattern, out, "skip")
            if day is not None:
                skip.append(day)
    overrides = _overrides(record, pattern, directory, project_root, out)
    # Kept even when unusable (the diagnostics say why): the entry stays a template, never
    # mistaken for one dated post, and the schedule stage expands only usable ones.
    usable = not any(d.is_error for d in out.items[before:])
    return Recurrence(
        rule=rule.strip(),
        line=record.field_lines.get("repeat", record.line),
        until=until,
        count=count,
        skip=tuple(sorted(set(skip))),
        overrides=MappingProxyType(overrides),
        field_lines=MappingProxyType(
            {k: record.field_lines[k] for k in ("skip", "overrides") if k in record.field_lines}
        ),
        usable=usable,
    )


def _series_date(
    value: Any, pattern: str | None, out: _Collector, key: str, code: str = "E164"
) -> date | None:
    """A local date written as ISO (2027-06-30) or in the file's `date_format`, or None."""
    if value is None:
        return None
    text = _text(value)
    day = times.parse_date(text, pattern) if text is not None else None
    if day is None:
        out.add(
            code,
            f"{key}: {shorten(value)} is not a date",
            hint="write it as 2027-06-30 (or in the file's date_format)",
            key=key,
        )
    return day


def _count(value: Any, out: _Collector) -> int | None:
    if value is None:
        return None
    text = _text(value)
    number = int(text) if text is not None and text.strip().isdigit() else 0
    if number < 1:
        out.add(
            "E164",
            f"count: {shorten(value)} is not a number of posts",
            hint="a whole number, 1 or more, e.g. count: 40",
            key="count",
        )
        return None
    return number


def _overrides(
    record: RawRecord,
    pattern: str | None,
    directory: str,
    project_root: str,
    out: _Collector,
) -> dict[date, Mapping[str, Any]]:
    """Occurrence date -> the Entry fields it changes (`at` as a time or a local datetime).
    In a CSV cell, overrides are JSON: {"2027-02-11": {"at": "10:30", "text": "..."}}."""
    raw = record.fields.get("overrides")
    if raw is None:
        return {}
    if isinstance(raw, str) and record.from_text:
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            out.add(
                "E165",
                f"overrides: not JSON ({exc})",
                hint='in a CSV cell: {"2027-02-11": {"at": "10:30", "text": "Special"}}',
                key="overrides",
            )
            return {}
    if not isinstance(raw, dict):
        out.add(
            "E165",
            "overrides: must map occurrence dates to changes",
            hint='e.g. overrides: {2027-02-11: {at: "10:30", text: "Special edition"}}',
            key="overrides",
        )
        return {}
    found: dict[date, Mapping[str, Any]] = {}
    for when, change in raw.items():
        day = _series_date(when, pattern, out, "overrides", "E165")
        if day is None:
            continue
        where = f"overrides.{day.isoformat()}"
        if not isinstance(change, dict) or not change:
            out.add(
                "E165",
                f"{where}: must be a mapping of changes",
                hint="e.g. {at: '10:30', text: 'Special edition'}; to leave a date out use skip:",
                key="overrides",
            )
            continue
        fields: dict[str, Any] = {}
        for key, value in change.items():
            if key not in OVERRIDE_KEYS:
                guess = did_you_mean(str(key), OVERRIDE_KEYS)
                out.add(
                    "E165",
                    f"{where}: {shorten(key)} cannot be changed for one occurrence",
                    hint=(f"did you mean {guess!r}? " if guess else "")
                    + "an override changes "
                    + ", ".join(OVERRIDE_KEYS),
                    key="overrides",
                )
            elif key == "at":
                moved = _override_at(value, pattern)
                if moved is None:
                    out.add(
                        "E165",
                        f"{where}.at: {shorten(value)} is not a time of day or a local date "
                        "and time",
                        hint='write "10:30", or "2027-02-12 10:30" to move it (no offset: the '
                        "post's timezone applies)",
                        key="overrides",
                    )
                else:
                    fields["at"] = moved
            elif key == "captions":
                fields["captions"] = _captions(value, out, "overrides", f"{where}.captions")
            elif key == "media":
                fields["media"] = _media({"media": value}, directory, project_root, out)
            elif _text(value) is None:
                out.add("E165", f"{where}.{key}: must be text", key="overrides")
            else:
                fields[key] = _text(value)
        found[day] = MappingProxyType(fields)
    return found


def _override_at(value: Any, pattern: str | None) -> Any:
    """An override's `at`: a time of day on its own date ("10:30"), or a local date and time
    to move the occurrence to; None when unreadable."""
    text = _text(value)
    if text is None:
        return None
    try:
        return dt_time(*times.parse_time_of_day(text))
    except times.TimeProblem:
        pass
    try:
        when = times.parse_when(text, pattern)
    except times.TimeProblem:
        return None
    return when.local if when.offset is None else None


def _media(
    fields: Mapping[str, Any], directory: str, project_root: str, out: _Collector
) -> tuple[MediaRef, ...]:
    raw = fields.get("media")
    if raw is None:
        return ()
    if isinstance(raw, dict | bool):
        out.add("E105", "media must be a path, a URL, or a list of them", key="media")
        return ()
    key = tuple(raw) if isinstance(raw, list) else raw
    try:
        refs, problems = media_refs(key, directory, project_root)
    except TypeError:  # an unhashable item (a mapping in the list)
        out.add("E105", "media must be a path, a URL, or a list of them", key="media")
        return ()
    for code, message, hint in problems:
        out.add(code, message, hint=hint, key="media")
    return refs


@functools.lru_cache(maxsize=8192)
def media_refs(
    raw: Any, directory: str, project_root: str
) -> tuple[tuple[MediaRef, ...], tuple[tuple[str, str, str], ...]]:
    """Media references and (code, message, hint) problems; cached, as calendars reuse files."""
    result: list[MediaRef] = []
    problems: list[tuple[str, str, str]] = []
    for item in _split(list(raw) if isinstance(raw, tuple) else raw, ";"):
        control = control_character(item)
        if control is not None:
            problems.append(("E116", f"media {shorten(item)}: control character {control}", ""))
            continue
        if "://" in item:
            try:
                parts = urlsplit(item)
            except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
                problems.append(("E314", f"media URL {shorten(item)}: {exc}", ""))
                continue
            if parts.scheme not in ("https", "http") or not parts.netloc:
                problems.append(
                    ("E314", f"media URL {shorten(item)}: only http(s) URLs can be imported", "")
                )
                continue
            try:
                port = parts.port
            except ValueError:
                port = -1
            if port not in (None, 80, 443):
                problems.append(
                    (
                        "E314",
                        f"media URL {shorten(item)}: the API fetches only from ports 80 and 443",
                        "",
                    )
                )
                continue
            result.append(MediaRef("url", item, url=item))
            continue
        path, inside = _local_path(directory, item, project_root)
        if not inside:
            problems.append(
                (
                    "E303",
                    f"media {shorten(item)} points outside the project ({project_root})",
                    "copy the file under the project, e.g. schedules/media/",
                )
            )
            continue
        result.append(MediaRef("file", item, path=path))
    return tuple(result), tuple(problems)


@functools.lru_cache(maxsize=4096)
def _local_path(directory: str, item: str, project_root: str) -> tuple[str, bool]:
    """Resolve a media path once per run (symlinks too) and say whether it stays in the project."""
    path = os.path.realpath(os.path.join(directory, os.path.expanduser(item)))
    root = os.path.realpath(project_root)
    return path, os.path.commonpath([path, root]) == root


def _clip(fields: Mapping[str, Any], out: _Collector) -> ClipRef | None:
    raw = fields.get("clip")
    job, index = None, None
    if isinstance(raw, dict):
        job, index = raw.get("job"), raw.get("index")
    elif raw is not None:
        out.add("E105", "clip must be a mapping: clip: {job: <job id>, index: 0}", key="clip")
        return None
    job = fields.get("clip_job", job)
    index = fields.get("clip_index", index)
    if job is None and index is None:
        return None
    if job is None or _text(job) is None:
        out.add("E103", "clip needs a job id", key="clip")
        return None
    try:
        number = int(str(index))
    except (TypeError, ValueError):
        out.add(
            "E105",
            f"clip index {shorten(index)} must be a whole number (0 = first clip)",
            key="clip",
        )
        return None
    if number < 0:
        out.add("E105", "clip index must be 0 or more", key="clip")
        return None
    return ClipRef(str(job).strip(), number)


EVERGREEN_KEYS = ("pool", "cooldown_days", "max_repeats", "active", "active_from", "active_to")


def _queue_keys(
    fields: Mapping[str, Any], entry_id: str | None, out: _Collector
) -> tuple[str | None, str | None, Evergreen | None]:
    """`queue`, `priority` and `evergreen` (whether the queue exists is the schedule stage's
    to say: it knows pipeline.yaml's `slots:`)."""
    raw_queue, raw_priority = fields.get("queue"), fields.get("priority")
    queue = _text(raw_queue).strip() if _text(raw_queue) else None  # type: ignore[union-attr]
    if raw_queue is not None and not queue:
        out.add("E105", "queue must be the name of a slot set", key="queue")
    if queue and (fields.get("at") is not None or fields.get("date") is not None):
        out.add(
            "E171",
            f"queue {shorten(queue)} and a time: a queue entry takes its queue's next free slot",
            hint="remove at: (or date:) to queue it, or remove queue: to post it at that time",
            key="queue",
        )
    priority = None
    if raw_priority is not None:
        priority = str(raw_priority).strip().lower()
        if priority != "next":
            out.add(
                "E173",
                f"priority {shorten(raw_priority)} is not known",
                hint="priority: next takes the queue's earliest free slot; leave it out to "
                "take the next slot after the queue's posts",
                key="priority",
            )
            priority = None
        elif not queue:
            out.add("E173", "priority: next without a queue", hint="add queue:", key="priority")
            priority = None
    evergreen = _evergreen(fields.get("evergreen"), out)
    if evergreen is not None and not queue:
        out.add(
            "E175",
            f"pool {shorten(evergreen.pool)} member names no queue",
            hint="add queue: <slot set> (the slots its repeats may fill)",
            key="evergreen",
        )
    if (queue or evergreen) and not entry_id:
        out.add(
            "E172",
            "a queue or pool entry needs an id",
            hint="add id: (its slot and repeats are found again in the ledger by it)",
            key="queue" if queue else "evergreen",
        )
    return queue, priority, evergreen


def _evergreen(raw: Any, out: _Collector) -> Evergreen | None:
    if raw is None:
        return None

    def bad(message: str, hint: str = "") -> None:
        out.add("E174", f"evergreen: {message}", hint=hint, key="evergreen")

    if not isinstance(raw, dict):
        bad("must be a mapping", "e.g. evergreen: {pool: tips, cooldown_days: 45}")
        return None
    raw = dict(raw)
    active = raw.pop("active", None)
    if active is not None:
        if not isinstance(active, dict) or not set(active) <= {"from", "to"}:
            bad("active must be {from: <date>, to: <date>}")
            return None
        raw.setdefault("active_from", active.get("from"))
        raw.setdefault("active_to", active.get("to"))
    for key in raw:
        if key not in EVERGREEN_KEYS:
            guess = did_you_mean(str(key), EVERGREEN_KEYS)
            bad(
                f"unknown key {shorten(key)}",
                (f"did you mean {guess!r}? " if guess else "")
                + "known: pool, cooldown_days, max_repeats, active",
            )
            return None
    pool = _text(raw.get("pool"))
    if not pool or not pool.strip():
        bad("pool is missing", "name the pool, e.g. evergreen: {pool: tips}")
        return None
    numbers: dict[str, int | None] = {}
    for key, default, low in (("cooldown_days", 45, 1), ("max_repeats", None, 1)):
        value = raw.get(key)
        if value is None:
            numbers[key] = default
            continue
        try:
            number = int(str(value).strip()) if not isinstance(value, bool | float) else None
        except ValueError:
            number = None
        if number is None or not low <= number <= 10_000:
            bad(f"{key} {shorten(value)} must be a whole number from {low} to 10000")
            return None
        numbers[key] = number
    dates: dict[str, date | None] = {}
    for key in ("active_from", "active_to"):
        value = raw.get(key)
        if value is None:
            dates[key] = None
            continue
        try:
            dates[key] = date.fromisoformat(str(value).strip())
        except ValueError:
            bad(f"{key.replace('_', '.')} {shorten(value)} is not a date", "write 2027-03-01")
            return None
    if dates["active_from"] and dates["active_to"] and dates["active_from"] > dates["active_to"]:
        bad("active.from is after active.to")
        return None
    cooldown = numbers["cooldown_days"]
    assert cooldown is not None
    return Evergreen(
        pool.strip(),
        cooldown_days=cooldown,
        max_repeats=numbers["max_repeats"],
        active_from=dates["active_from"],
        active_to=dates["active_to"],
    )
