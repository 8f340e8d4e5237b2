"""YAML calendars -> raw records, with the line of every entry and field.

Safe loading only, with deliberate departures from YAML 1.1's implicit typing: timestamps stay
text (the schema reads them with the calendar's time zone, not as naive UTC), sexagesimal
numbers (`9:30` -> 570) do not exist, and only true/false are booleans. Aliases and merge keys
(`<<: *base`) are allowed (handy for shared captions) but their expanded size is bounded, so an
alias bomb is a diagnostic, not a hang.

Values are built here (`Builder`), not by PyYAML's constructors: only the plain tags are read,
so a `!!binary` caption or a `!!python/...` tag is a diagnostic with its line, never an
exception, and a key written twice is reported instead of silently keeping the last value.
`pipeline.yaml` is read with the same `compose` and `Builder` (one home for these protections).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from pipeline.calendar.raw import MAX_FIELD_CHARS, RawCalendar, RawRecord
from pipeline.model import Diagnostic
from pipeline.rules.codes import make
from pipeline.textsafe import key_name, shorten

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


TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(TAG + name for name in ("null", "bool", "int", "float"))
_MERGE = TAG + "merge"
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
SURROGATE_HINT = (
    'JSON writes emoji as pairs such as "\\ud83d\\ude80"; YAML does not: write the emoji '
    "itself (🚀) or \\U0001F680"
)


class YamlProblem(Exception):
    """A document or value the loader refuses: a diagnostic code, the line, what and why."""

    def __init__(self, code: str, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.line = line
        self.message = message
        self.hint = hint


def tag_name(tag: str) -> str:
    """`tag:yaml.org,2002:binary` as written in the file: `!!binary`."""
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def compose(text: str, loader: CalendarLoader) -> yaml.Node | None:
    """The document's node tree, checked for size and depth before any value is built.

    Raises `YamlProblem`: E101 for syntax, E111 for an alias bomb or deep nesting."""
    try:
        root: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or str(exc)
        hint = _yaml_hint(what)
        near = text.splitlines()[line - 1 : line]
        if "escape" in what and near and _SURROGATE_ESCAPE.search(near[0]):
            what = "an escaped UTF-16 surrogate (\\ud800-\\udfff) is not a character"
            hint = SURROGATE_HINT
        raise YamlProblem("E101", line, f"YAML syntax: {what}", hint) from None
    except RecursionError:  # the pure-Python composer (no libyaml) on deep nesting
        raise YamlProblem("E111", 0, f"refused: nesting deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        # A ReaderError (a control character, often pasted from a word processor) has no
        # mark, only a position; its text runs over two lines ("in <unicode string>").
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 0
        raise YamlProblem("E101", line, f"YAML syntax: {str(exc).splitlines()[0]}") from None
    if root is None:
        return None
    try:
        _expanded_size(root)
    except ValueError as exc:
        raise YamlProblem(
            "E111", _line(root), f"refused: {exc}", "use fewer aliases; write the values out"
        ) from None
    return root


class Builder:
    """Composed nodes -> plain values (str, int, float, bool, None, list, dict).

    A value that cannot be built raises `YamlProblem` (the caller drops that field); a key
    written twice is collected in `problems` and the first value kept. Built values are shared
    between aliases, as PyYAML does; `compose` has already bounded their expanded size."""

    def __init__(self, loader: CalendarLoader) -> None:
        self.loader = loader
        self.problems: list[YamlProblem] = []
        self._built: dict[int, Any] = {}
        self._pairs: dict[int, list[tuple[str, yaml.Node, yaml.Node]]] = {}

    def value(self, node: yaml.Node) -> Any:
        key = id(node)
        if key in self._built:
            return self._built[key]
        result: Any
        if isinstance(node, yaml.ScalarNode):
            result = self._scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            if node.tag != TAG + "seq":
                raise _unsupported(node, "a list")
            result = [self.value(item) for item in node.value]
        elif isinstance(node, yaml.MappingNode):
            if node.tag != TAG + "map":
                raise _unsupported(node, "a mapping")
            result = {name: self.value(v) for name, _, v in self.pairs(node)}
        else:  # pragma: no cover - the composer makes only these three
            raise YamlProblem("E115", _line(node), "a YAML node of an unknown kind")
        self._built[key] = result
        return result

    def key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise YamlProblem(
                "E114", _line(node), "a key must be a plain name, not a list or a mapping"
            )
        return str(self._scalar(node))

    def pairs(self, node: yaml.MappingNode) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) with merge keys applied as YAML 1.1 defines them: the
        mapping's own keys win over merged ones, and earlier merged mappings over later ones."""
        key = id(node)
        if key in self._pairs:
            return self._pairs[key]
        own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise YamlProblem(
                            "E114",
                            _line(source),
                            "a merge key (<<) takes a mapping or a list of them, e.g. <<: *base",
                        )
                    for name, k, v in self.pairs(source):
                        merged.setdefault(name, (k, v))
                continue
            name = self.key(key_node)
            if name in own:
                self.problems.append(
                    YamlProblem(
                        "E117",
                        _line(key_node),
                        f"key {shorten(name)} appears twice in this mapping (first at line "
                        f"{_line(own[name][0])})",
                        "remove one of them (YAML keeps only one value per key)",
                    )
                )
                continue
            own[name] = (key_node, value_node)
        result = [(name, k, v) for name, (k, v) in {**merged, **own}.items()]
        self._pairs[key] = result
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in (TAG + "str", TAG + "value"):
            text = str(node.value)
            if _SURROGATE.search(text):
                raise YamlProblem(
                    "E101",
                    _line(node),
                    "an escaped UTF-16 surrogate (\\ud800-\\udfff) is not a character",
                    SURROGATE_HINT,
                )
            return text
        if tag not in _SCALAR_TAGS:
            raise _unsupported(node, "a value")
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, yaml.YAMLError):
            raise YamlProblem(
                "E115",
                _line(node),
                f"{shorten(node.value)} is not a valid {tag_name(tag)}",
                "remove the tag, or quote the value to keep it as text",
            ) from None


def _unsupported(node: yaml.Node, kind: str) -> YamlProblem:
    return YamlProblem(
        "E115",
        _line(node),
        f"the tag {shorten(tag_name(node.tag))} on {kind} is not supported",
        "remove the tag: values are plain text, numbers, true/false, lists and mappings",
    )


def _too_large(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_FIELD_CHARS


def _record(
    file: str, node: yaml.MappingNode, build: Builder
) -> tuple[RawRecord, list[Diagnostic]]:
    line = _line(node)
    fields: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    problems: list[Diagnostic] = []
    try:
        pairs = build.pairs(node)
    except YamlProblem as problem:
        return RawRecord(file, line, fields, field_lines), [_diagnostic(file, problem)]
    for key, key_node, value_node in pairs:
        field_lines[key] = _line(key_node)
        if _too_large(value_node):
            problems.append(
                make(
                    "E112",
                    file,
                    field_lines[key],
                    f"{key_name(key)}: {len(value_node.value):,} characters; no platform takes "
                    "more than "
                    "63,206",
                    hint="was a file pasted in by mistake?",
                )
            )
            continue
        try:
            fields[key] = build.value(value_node)
        except YamlProblem as problem:
            problems.append(_diagnostic(file, problem, key))
    entry = fields.get("id")
    if problems and isinstance(entry, str | int) and not isinstance(entry, bool):
        problems = [dataclasses.replace(d, entry=str(entry).strip() or None) for d in problems]
    return RawRecord(file, line, fields, field_lines), problems


def _diagnostic(file: str, problem: YamlProblem, key: str | None = None) -> Diagnostic:
    message = f"{key_name(key)}: {problem.message}" if key else problem.message
    return make(problem.code, file, problem.line, message, hint=problem.hint)


def read_yaml(file: str, directory: str, text: str) -> RawCalendar:
    """Parse one YAML calendar's text (the caller read the file)."""
    loader = CalendarLoader(text)
    try:
        try:
            root = compose(text, loader)
        except YamlProblem as problem:
            return RawCalendar(file, directory, [], diagnostics=[_diagnostic(file, problem)])
        if root is None:
            return RawCalendar(file, directory, [])
        build = Builder(loader)
        calendar = _calendar(file, directory, root, build)
        calendar.diagnostics.extend(_diagnostic(file, p) for p in build.problems)
        return calendar
    finally:
        loader.dispose()


def _calendar(file: str, directory: str, root: yaml.Node, build: Builder) -> RawCalendar:
    problems: list[Diagnostic] = []
    if isinstance(root, yaml.SequenceNode):  # a bare list of posts is a calendar too
        posts_node: yaml.Node | None = root
        top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    elif isinstance(root, yaml.MappingNode):
        try:
            top = {key: (k, v) for key, k, v in build.pairs(root)}
        except YamlProblem as problem:
            return RawCalendar(file, directory, [], diagnostics=[_diagnostic(file, problem)])
        posts_node = top["posts"][1] if "posts" in top else None
        for key, (key_node, _) in top.items():
            if key not in TOP_LEVEL_KEYS:
                problems.append(
                    make(
                        "E114",
                        file,
                        _line(key_node),
                        f"unknown top-level key {shorten(key)}",
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
                    _line(root),
                    "a calendar is a mapping with posts: (or a list of posts), not a single value",
                )
            ],
        )
    defaults: dict[str, Any] = {}
    defaults_line = 0
    date_format = None
    for key in ("defaults", "date_format"):
        if key not in top:
            continue
        key_node, value_node = top[key]
        try:
            value = build.value(value_node)
        except YamlProblem as problem:
            problems.append(_diagnostic(file, problem, key))
            continue
        if key == "date_format":
            date_format = str(value) if value is not None else None
            continue
        defaults_line = _line(key_node)
        if isinstance(value, dict):
            defaults = value
        elif value is not None:
            problems.append(make("E114", file, defaults_line, "defaults: must be a mapping"))
    records: list[RawRecord] = []
    if posts_node is None:
        if top:
            problems.append(make("E114", file, 1, "no posts: list in this calendar"))
    elif not isinstance(posts_node, yaml.SequenceNode):
        if not (isinstance(posts_node, yaml.ScalarNode) and posts_node.value in ("", "~", "null")):
            problems.append(make("E114", file, _line(posts_node), "posts: must be a list of posts"))
    else:
        for item in posts_node.value:
            if isinstance(item, yaml.MappingNode):
                record, field_problems = _record(file, item, build)
                records.append(record)
                problems.extend(field_problems)
            else:
                problems.append(
                    make(
                        "E114",
                        file,
                        _line(item),
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
    if "escape" in problem:
        return "in double quotes a backslash starts an escape: write \\\\ for a backslash"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation and that every key ends with ':'"
    return "check the quoting and indentation near this line"
