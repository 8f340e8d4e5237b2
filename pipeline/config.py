"""`pipeline.yaml` -> frozen project settings.

The file is optional. It is found next to the first calendar path or in a parent folder up to
the project root (the git work tree), or given with `--config`. It is read with the calendar
loader's protections (`compose` and `Builder` in `pipeline.calendar.yaml_source`: plain tags
only, bounded nesting and alias expansion, no key twice). Any problem in it (its YAML, a tag, an
unknown key, a zone, an interval out of range) is a `ConfigError`: one line naming the file,
line and key, and exit code 2, since every calendar checked against it would be checked wrongly.

    timezone: Europe/Berlin          # for posts that name none
    date_format: us                  # numeric dates in CSV exports: us | eu | strftime pattern
    media_base_url: https://cdn.example.com/   # local media -> public URLs for the API to fetch
    media_root: schedules/media                # the folder media_base_url serves (default: top)
    media_store:                               # or: a private bucket the files are uploaded to
      url: s3://acme-social/calendar-media/    #   bucket and key prefix (key: sha256 + extension)
      endpoint_url: https://<id>.r2.cloudflarestorage.com   # optional: R2, MinIO, GCS interop
      region: auto                             #   optional
      presign_expires: 3600                    #   seconds the API's GET URL lasts (default 1 h)
    plan: {tier: beginner, daily: 20}          # or {tier: free, monthly: 30}
    defaults: {account: "@brand", tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}}
    rules: {instagram.reel: {video_max_s: 90}}
    publish: {post_interval: 20, media_interval: 20}
    slots: {weekdays: {timezone: Europe/Berlin, mon-fri: ["08:30", "17:00"]}}   # posting slots
    pools: {tips: {order: least_recent, horizon_days: 14}}                      # evergreen pools
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Final

import yaml

from pipeline.calendar import read_text
from pipeline.calendar.schema import CONTROL
from pipeline.calendar.yaml_source import Builder, CalendarLoader, YamlProblem, compose
from pipeline.mediastore import StoreSettings, parse_store
from pipeline.model import MAX_AHEAD_DAYS, PLATFORMS, Diagnostic
from pipeline.rules.context import PlanSettings
from pipeline.rules.options import did_you_mean
from pipeline.rules.table import RulesTable
from pipeline.textsafe import key_name, shorten
from pipeline.times import TimeProblem, resolve_date_format, zone

CONFIG_NAMES = ("pipeline.yaml", "pipeline.yml")
KEYS = (
    "timezone",
    "date_format",
    "media_base_url",
    "media_root",
    "media_store",
    "plan",
    "defaults",
    "rules",
    "publish",
    "slots",
    "pools",
)


#: `publish:` intervals, in seconds: the API's own spacing is 20 s; an hour is plenty of slack.
MAX_INTERVAL_S = 3600.0
INTERVAL_KEYS = ("post_interval", "media_interval")


class ConfigError(Exception):
    """pipeline.yaml cannot be used: the message names the file, line and key (exit code 2).

    It is printed as it is, so control characters from the file (a key written "\\e[2J") are
    escaped here."""

    def __init__(self, message: str) -> None:
        super().__init__(CONTROL.sub(lambda m: repr(m.group())[1:-1], message))


def interval_seconds(raw: Any) -> float:
    """A `publish:` interval as seconds; ValueError says the allowed range (NaN, infinity,
    1e300 and negative numbers would stall or spin the publisher)."""
    try:
        value = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not 0 <= value <= MAX_INTERVAL_S:  # also false for NaN
        raise ValueError(f"{shorten(raw)} is not a number of seconds from 0 to {MAX_INTERVAL_S:g}")
    return value


#: Day keys of a slot set, Monday first (`datetime.weekday()` order); `daily` is all seven.
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
POOL_ORDERS: Final = ("least_recent", "best")
POOL_HORIZON_DAYS: Final = 14


@dataclass(frozen=True, slots=True)
class SlotSet:
    """A named set of posting slots (`slots:`): local times of day per weekday, in one zone."""

    name: str
    timezone: str
    #: Local times for each weekday, Monday first, each sorted and without repeats.
    days: tuple[tuple[time, ...], ...]


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """An evergreen pool's settings (`pools:`); a pool not named there gets these defaults."""

    name: str
    order: str = "least_recent"  # or "best": highest recorded figures first
    horizon_days: int = POOL_HORIZON_DAYS


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    root: str
    path: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    media_base_url: str | None = None
    media_root: str | None = None  # relative to root; media_base_url serves this folder
    media_store: StoreSettings | None = None  # the bucket local files are uploaded to
    plan: PlanSettings | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    publish: Mapping[str, Any] = field(default_factory=dict)
    slots: Mapping[str, SlotSet] = field(default_factory=dict)
    pools: Mapping[str, PoolSettings] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    def pool(self, name: str) -> PoolSettings:
        return self.pools.get(name) or PoolSettings(name)

    def table(self) -> RulesTable:
        return RulesTable().with_overrides(self.rules)


def find_git_root(start: str) -> str | None:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def find_config(start: str) -> str | None:
    """The nearest pipeline.yaml from `start` upwards, stopping at the git work tree's top."""
    current = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    top = find_git_root(current)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(current, name)
            if os.path.lexists(candidate):  # a FIFO or device here is refused when read
                return candidate
        parent = os.path.dirname(current)
        if current == top or parent == current:
            return None
        current = parent


def load_config(first_path: str, explicit: str | None = None) -> ProjectConfig:
    path = explicit or find_config(first_path)
    start = os.path.dirname(os.path.abspath(path)) if path else os.path.abspath(first_path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    root = find_git_root(start) or (start if path else os.getcwd())
    if path is None:
        return ProjectConfig(root=root)
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    text, problem = read_text(path, shown, root)
    if problem is not None or text is None:
        raise ConfigError(f"{shown}: {problem.message if problem else 'cannot be read'}")
    data, lines = _read_settings(text, shown)
    _check_publish(data.get("publish"), lines, shown)
    return _parse(data, root, path, shown, lines)


def _read_settings(text: str, shown: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The settings and the line of each top-level key, or a ConfigError."""
    loader = CalendarLoader(text)
    key = ""
    try:
        root = compose(text, loader)
        if root is None:
            return {}, {}
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(f"{shown}: expected a mapping of settings (timezone:, plan: ...)")
        build = Builder(loader)
        data: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, key_node, value_node in build.pairs(root):
            lines[key] = key_node.start_mark.line + 1
            data[key] = build.value(value_node)
        key = ""
        if build.problems:
            raise build.problems[0]
        return data, lines
    except YamlProblem as problem:
        where = f"{shown}:{problem.line}" if problem.line else shown
        what = f"{key_name(key)}: " if key else ""
        hint = f" ({problem.hint})" if problem.hint else ""
        raise ConfigError(f"{where}: {what}{problem.message}{hint}") from None
    finally:
        loader.dispose()


def _check_publish(publish: Any, lines: dict[str, int], shown: str) -> None:
    if not isinstance(publish, dict):
        return  # None, or reported by _parse
    for key in INTERVAL_KEYS:
        if key in publish:
            try:
                interval_seconds(publish[key])
            except ValueError as exc:
                raise ConfigError(
                    f"{shown}:{lines.get('publish', 0)}: publish.{key}: {exc}"
                ) from None


def _parse(
    data: dict[str, Any], root: str, path: str, shown: str, lines: Mapping[str, int] | None = None
) -> ProjectConfig:
    """Check the settings; the first problem is a ConfigError naming its line and key (a
    project misconfigured is a usage error, exit 2, not one diagnostic among the calendar's)."""
    problems: list[str] = []
    lines = lines or {}

    def bad(message: str, hint: str = "", key: str | None = None) -> None:
        name = key or re.split(r"[:. ]", message, maxsplit=1)[0]
        line = lines.get(name, 0)
        where = f"{shown}:{line}" if line else shown
        problems.append(f"{where}: {message}" + (f" ({hint})" if hint else ""))

    for key in data:
        if key not in KEYS:
            guess = did_you_mean(str(key), KEYS)
            bad(f"unknown key {shorten(key)}", f"did you mean {guess!r}?" if guess else "", key)
    tz = data.get("timezone")
    if isinstance(tz, list | dict | bool):
        bad("timezone: must be one zone name, e.g. America/New_York")
        tz = None
    if tz is not None:
        try:
            zone(str(tz))
        except TimeProblem as problem:
            bad(f"timezone: {problem.message}", problem.hint)
            tz = None
    date_format = data.get("date_format")
    if date_format is not None:
        try:
            resolve_date_format(str(date_format))
        except TimeProblem as problem:
            bad(f"date_format: {problem.message}", problem.hint)
            date_format = None
    media_base_url = data.get("media_base_url")
    if media_base_url is not None and not str(media_base_url).startswith(("https://", "http://")):
        bad("media_base_url must be an http(s) URL", "e.g. https://cdn.example.com/media/")
        media_base_url = None
    media_root = data.get("media_root")
    if media_root is not None and (not isinstance(media_root, str) or os.path.isabs(media_root)):
        bad("media_root must be a folder relative to the project, e.g. schedules/media")
        media_root = None
    media_store = None
    if data.get("media_store") is not None:
        try:
            media_store = parse_store(data["media_store"])
        except ValueError as exc:
            bad(str(exc), key="media_store")
        if media_store is not None and media_base_url is not None:
            bad(
                "media_store: give media_base_url or media_store, not both",
                "media_base_url serves files you publish yourself; media_store uploads them",
            )
    plan = _plan(data.get("plan"), bad)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        bad("rules: must be a mapping")
        rules = {}
    for problem_text in RulesTable.check_overrides(rules, PLATFORMS):
        bad(problem_text)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        bad("defaults: must be a mapping")
        defaults = {}
    publish = data.get("publish") or {}
    if not isinstance(publish, dict):
        bad("publish: must be a mapping")
        publish = {}
    slots = _slots(data.get("slots"), None if tz is None else str(tz), bad)
    pools = _pools(data.get("pools"), bad)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    return ProjectConfig(
        root=root,
        path=path,
        timezone=None if tz is None else str(tz),
        date_format=None if date_format is None else str(date_format),
        media_base_url=None if media_base_url is None else str(media_base_url),
        media_root=media_root,
        media_store=media_store,
        plan=plan,
        defaults=defaults,
        rules=rules,
        publish=publish,
        slots=slots,
        pools=pools,
    )


def _plan(raw: Any, bad: Any) -> PlanSettings | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "tier" not in raw:
        bad("plan: needs tier and daily or monthly", "e.g. plan: {tier: beginner, daily: 20}")
        return None
    daily, monthly = raw.get("daily"), raw.get("monthly")
    for name, value in (("daily", daily), ("monthly", monthly)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            bad(f"plan.{name} must be a whole number of posts")
            return None
    if (daily is None) == (monthly is None):
        bad("plan: give exactly one of daily (paid plans) or monthly (Free)")
        return None
    return PlanSettings(str(raw["tier"]), daily=daily, monthly=monthly)


def _slots(raw: Any, project_tz: str | None, bad: Any) -> dict[str, SlotSet]:
    """`slots: {name: {timezone: ..., mon-fri: ["08:30", "17:00"], sat: "10:00"}}`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("slots: must map names to slot sets", 'e.g. slots: {weekdays: {mon-fri: ["08:30"]}}')
        return {}
    found: dict[str, SlotSet] = {}
    for name, spec in raw.items():
        where = f"slots.{key_name(str(name))}"
        if not isinstance(spec, dict):
            bad(f"{where}: must map days to times", 'e.g. {mon-fri: ["08:30", "17:00"]}', "slots")
            continue
        tz = spec.get("timezone", project_tz)
        if tz is None or isinstance(tz, list | dict | bool):
            bad(f"{where}.timezone: needs one zone name", "or set timezone: at the top", "slots")
            continue
        try:
            zone(str(tz))
        except TimeProblem as problem:
            bad(f"{where}.timezone: {problem.message}", problem.hint, "slots")
            continue
        days: list[set[time]] = [set() for _ in DAYS]
        ok = True
        for key, value in spec.items():
            if key == "timezone":
                continue
            picked = _day_key(str(key))
            if picked is None:
                guess = did_you_mean(str(key), (*DAYS, "daily", "mon-fri", "timezone"))
                bad(
                    f"{where}: unknown day key {shorten(key)}",
                    (f"did you mean {guess!r}? " if guess else "")
                    + "use mon ... sun, a range such as mon-fri, or daily",
                    "slots",
                )
                ok = False
                continue
            times_of_day = _times_of_day(value)
            if times_of_day is None:
                bad(
                    f"{where}.{key_name(str(key))}: {shorten(value)} is not a list of times",
                    'write them as quoted 24-hour times: ["08:30", "17:00"]',
                    "slots",
                )
                ok = False
                continue
            for day in picked:
                days[day].update(times_of_day)
        if ok:
            found[str(name)] = SlotSet(str(name), str(tz), tuple(tuple(sorted(d)) for d in days))
    return found


def _day_key(key: str) -> list[int] | None:
    """Weekday numbers of `mon`, `mon-fri` (a range may wrap: `fri-mon`) or `daily`."""
    key = key.strip().lower()
    if key == "daily":
        return list(range(7))
    first, dash, last = key.partition("-")
    if first not in DAYS or (dash and last not in DAYS):
        return None
    start, end = DAYS.index(first), DAYS.index(last or first)
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _times_of_day(value: Any) -> set[time] | None:
    items = value if isinstance(value, list) else [value]
    found = set()
    for item in items:
        match = _HH_MM.match(str(item).strip()) if isinstance(item, str) else None
        if match is None:
            return None
        found.add(time(int(match[1]), int(match[2])))
    return found


def _pools(raw: Any, bad: Any) -> dict[str, PoolSettings]:
    """`pools: {tips: {order: least_recent | best, horizon_days: 14}}`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("pools: must map pool names to settings", "e.g. pools: {tips: {order: best}}")
        return {}
    found: dict[str, PoolSettings] = {}
    for name, spec in raw.items():
        where = f"pools.{key_name(str(name))}"
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            bad(f"{where}: must be a mapping", "e.g. {order: best, horizon_days: 14}", "pools")
            continue
        for key in spec:
            if key not in ("order", "horizon_days"):
                guess = did_you_mean(str(key), ("order", "horizon_days"))
                hint = f"did you mean {guess!r}?" if guess else "a pool takes order, horizon_days"
                bad(f"{where}: unknown key {shorten(key)}", hint, "pools")
        order = spec.get("order", "least_recent")
        if order not in POOL_ORDERS:
            bad(f"{where}.order: {shorten(order)} is not one of least_recent, best", "", "pools")
            continue
        horizon = spec.get("horizon_days", POOL_HORIZON_DAYS)
        if (
            not isinstance(horizon, int)
            or isinstance(horizon, bool)
            or not 1 <= horizon <= MAX_AHEAD_DAYS
        ):
            bad(
                f"{where}.horizon_days: {shorten(horizon)} is not a whole number of days "
                f"from 1 to {MAX_AHEAD_DAYS}",
                "",
                "pools",
            )
            continue
        found[str(name)] = PoolSettings(str(name), str(order), horizon)
    return found
