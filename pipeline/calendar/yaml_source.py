"""YAML calendars -> raw records, with the line of every entry and field.

Safe loading only, with deliberate departures from YAML 1.1's implicit typing: timestamps stay
text (the schema reads them with the calendar's time zone, not as naive UTC), sexagesimal
numbers (`9:30` -> 570) do not exist, and only true/false are booleans. Aliases are allowed
(handy for shared captions) but their expanded size is bounded, so an alias bomb is a
diagnostic, not a hang.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from pipeline.calendar.raw import MAX_FIELD_CHARS, RawCalendar, RawRecord
from pipeline.model import Diagnostic
from pipeline.rules.codes import make

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Expanded node count allowed per file (a 100,000-post YAML calendar is ~2 million nodes).
MAX_EXPANDED_NODES = 5_000_000
MAX_DEPTH = 64
TOP_LEVEL_KEYS = ("defaults", "posts", "date_format")


class CalendarLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader without implicit timestamps, base-60 numbers and yes/no/on/off booleans."""


CalendarLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        and not (tag.endswith((":int", ":float")) and ":" in regexp.pattern.replace("[-+]", ""))
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Re-add int/float without their sexagesimal branches.
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""", re.X
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.X,
)
CalendarLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
# YAML 1.2 booleans only: a caption that says "yes", "no" or "on" stays text (the Norway problem).
CalendarLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CalendarLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _expanded_size(node: yaml.Node) -> int:
    """Nodes the document would have with every alias expanded; raises on cycles or depth."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def walk(n: yaml.Node, depth: int) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise ValueError("a YAML alias refers to itself (a recursive structure)")
        if depth > MAX_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_DEPTH} levels")
        visiting.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            for child in n.value:
                total += walk(child, depth + 1)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += walk(k, depth + 1) + walk(v, depth + 1)
        if total > MAX_EXPANDED_NODES:
            raise ValueError(f"more than {MAX_EXPANDED_NODES:,} values once aliases are expanded")
        visiting.discard(key)
        sizes[key] = total
        return total

    return walk(node, 0)


def _too_large(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_FIELD_CHARS


def _record(
    file: str, node: yaml.MappingNode, loader: CalendarLoader
) -> tuple[RawRecord, list[Diagnostic]]:
    line = node.start_mark.line + 1
    fields: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        field_lines[key] = key_node.start_mark.line + 1
        if _too_large(value_node):
            problems.append(
                make(
                    "E112",
                    file,
                    field_lines[key],
                    f"{key}: {len(value_node.value):,} characters; no platform takes more than "
                    "63,206",
                    hint="was a file pasted in by mistake?",
                )
            )
            continue
        fields[key] = loader.construct_object(value_node, deep=True)
    return RawRecord(file, line, fields, field_lines), problems


def read_yaml(file: str, directory: str, text: str) -> RawCalendar:
    """Parse one YAML calendar's text (the caller read the file)."""
    loader = CalendarLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            what = exc.problem or str(exc)
            return RawCalendar(
                file,
                directory,
                [],
                diagnostics=[
                    make("E101", file, line, f"YAML syntax: {what}", hint=_yaml_hint(what))
                ],
            )
        except yaml.YAMLError as exc:
            # A ReaderError (a control character, often pasted from a word processor) has no
            # mark, only a position; its text runs over two lines ("in <unicode string>").
            position = getattr(exc, "position", None)
            line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 0
            what = str(exc).splitlines()[0]
            return RawCalendar(
                file, directory, [], diagnostics=[make("E101", file, line, f"YAML syntax: {what}")]
            )
        if root is None:
            return RawCalendar(file, directory, [])
        try:
            _expanded_size(root)
        except ValueError as exc:
            return RawCalendar(
                file,
                directory,
                [],
                diagnostics=[
                    make(
                        "E111",
                        file,
                        root.start_mark.line + 1,
                        f"refused: {exc}",
                        hint="use fewer aliases; each post may be written out in full",
                    )
                ],
            )
        return _calendar(file, directory, root, loader)
    finally:
        loader.dispose()


def _calendar(file: str, directory: str, root: yaml.Node, loader: CalendarLoader) -> RawCalendar:
    problems: list[Diagnostic] = []
    if isinstance(root, yaml.SequenceNode):  # a bare list of posts is a calendar too
        posts_node: yaml.Node | None = root
        top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    elif isinstance(root, yaml.MappingNode):
        top = {str(loader.construct_object(k, deep=True)): (k, v) for k, v in root.value}
        posts_node = top["posts"][1] if "posts" in top else None
        for key, (key_node, _) in top.items():
            if key not in TOP_LEVEL_KEYS:
                problems.append(
                    make(
                        "E114",
                        file,
                        key_node.start_mark.line + 1,
                        f"unknown top-level key {key!r}",
                        hint="a calendar has defaults:, posts: and optionally date_format:",
                    )
                )
    else:
        return RawCalendar(
            file,
            directory,
            [],
            diagnostics=[
                make(
                    "E114",
                    file,
                    root.start_mark.line + 1,
                    "a calendar is a mapping with posts: (or a list of posts), not a single value",
                )
            ],
        )
    defaults: dict[str, Any] = {}
    defaults_line = 0
    if "defaults" in top:
        key_node, value_node = top["defaults"]
        defaults_line = key_node.start_mark.line + 1
        value = loader.construct_object(value_node, deep=True)
        if isinstance(value, dict):
            defaults = value
        elif value is not None:
            problems.append(make("E114", file, defaults_line, "defaults: must be a mapping"))
    date_format = None
    if "date_format" in top:
        value = loader.construct_object(top["date_format"][1], deep=True)
        date_format = str(value) if value is not None else None
    records: list[RawRecord] = []
    if posts_node is None:
        if top:
            problems.append(make("E114", file, 1, "no posts: list in this calendar"))
    elif not isinstance(posts_node, yaml.SequenceNode):
        if not (isinstance(posts_node, yaml.ScalarNode) and posts_node.value in ("", "~", "null")):
            problems.append(
                make("E114", file, posts_node.start_mark.line + 1, "posts: must be a list of posts")
            )
    else:
        for item in posts_node.value:
            if isinstance(item, yaml.MappingNode):
                record, field_problems = _record(file, item, loader)
                records.append(record)
                problems.extend(field_problems)
            else:
                problems.append(
                    make(
                        "E114",
                        file,
                        item.start_mark.line + 1,
                        "each post must be a mapping (at:, platforms:, text: ...)",
                        hint="check the indentation of this item",
                    )
                )
    return RawCalendar(file, directory, records, defaults, defaults_line, date_format, problems)


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, e.g. text: \"Note: ...\""
    if "found character '\\t'" in problem or "tab" in problem:
        return "YAML indents with spaces, not tabs"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation and that every key ends with ':'"
    return "check the quoting and indentation near this line"
