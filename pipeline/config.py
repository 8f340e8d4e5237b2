"""`pipeline.yaml` -> frozen project settings.

The file is optional. It is found next to the first calendar path or in a parent folder up to
the project root (the git work tree), or given with `--config`. Problems in it are diagnostics
like any other, pointing at its lines.

    timezone: Europe/Berlin          # for posts that name none
    date_format: us                  # numeric dates in CSV exports: us | eu | strftime pattern
    media_base_url: https://cdn.example.com/   # local media -> public URLs for the API to fetch
    media_root: schedules/media                # the folder media_base_url serves (default: top)
    plan: {tier: beginner, daily: 20}          # or {tier: free, monthly: 30}
    defaults: {account: "@brand", tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}}
    rules: {instagram.reel: {video_max_s: 90}}
    publish: {post_interval: 20, media_interval: 20}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from pipeline.calendar import read_text
from pipeline.calendar.times import TimeProblem, resolve_date_format, zone
from pipeline.model import PLATFORMS, Diagnostic
from pipeline.rules.codes import make
from pipeline.rules.context import PlanSettings
from pipeline.rules.options import did_you_mean
from pipeline.rules.table import RulesTable

CONFIG_NAMES = ("pipeline.yaml", "pipeline.yml")
KEYS = (
    "timezone",
    "date_format",
    "media_base_url",
    "media_root",
    "plan",
    "defaults",
    "rules",
    "publish",
)


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    root: str
    path: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    media_base_url: str | None = None
    media_root: str | None = None  # relative to root; media_base_url serves this folder
    plan: PlanSettings | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    publish: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

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
            if os.path.isfile(candidate):
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
        return ProjectConfig(root=root, path=path, diagnostics=(problem,) if problem else ())
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return ProjectConfig(
            root=root, path=path, diagnostics=(make("E101", shown, line, f"YAML syntax: {exc}"),)
        )
    if not isinstance(data, dict):
        return ProjectConfig(
            root=root, path=path, diagnostics=(make("E114", shown, 1, "expected a mapping"),)
        )
    return _parse(data, root, path, shown)


def _parse(data: dict[str, Any], root: str, path: str, shown: str) -> ProjectConfig:
    problems: list[Diagnostic] = []

    def bad(message: str, hint: str = "", code: str = "E105") -> None:
        problems.append(make(code, shown, 0, message, hint=hint))

    for key in data:
        if key not in KEYS:
            guess = did_you_mean(str(key), KEYS)
            bad(f"unknown key {key!r}", f"did you mean {guess!r}?" if guess else "", "E104")
    tz = data.get("timezone")
    if tz is not None:
        try:
            zone(str(tz))
        except TimeProblem as problem:
            bad(f"timezone: {problem.message}", problem.hint, "E402")
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
    plan = _plan(data.get("plan"), bad)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        bad("rules: must be a mapping")
        rules = {}
    for problem_text in RulesTable.check_overrides(rules, PLATFORMS):
        bad(problem_text)
    if any(p.message.startswith("rules") for p in problems):
        rules = {}
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        bad("defaults: must be a mapping")
        defaults = {}
    publish = data.get("publish") or {}
    if not isinstance(publish, dict):
        bad("publish: must be a mapping")
        publish = {}
    return ProjectConfig(
        root=root,
        path=path,
        timezone=None if tz is None else str(tz),
        date_format=None if date_format is None else str(date_format),
        media_base_url=None if media_base_url is None else str(media_base_url),
        media_root=media_root,
        plan=plan,
        defaults=defaults,
        rules=rules,
        publish=publish,
        diagnostics=tuple(problems),
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
