"""The rules over a `CsvTable`: a check's answer is worked out once per distinct input.

What a check looks at is mostly shared by thousands of rows (a time, a media cell, a platform
with its options); only the caption and title are the row's own. Those are screened with the
check's own measure (a length, a count of '#'), and the check itself runs, on a real `PostView`,
only for the rows the screen cannot clear: diagnostics are built only for rows that fail. Any
platform whose checks this module does not know runs every check on every row, and rows the
table left to the schema go through `build_entry` and `check_each`, as on the row path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat, starmap
from operator import attrgetter
from typing import Any

from pipeline.calendar import build_entries
from pipeline.calendar.csv_fast import BuiltTable, stamp
from pipeline.calendar.schema import Defaults
from pipeline.columns import encode
from pipeline.model import Diagnostic, Entry, MediaRef, SourceRef
from pipeline.rules import (
    ENTRY_CHECKS,
    Check,
    check_each,
    check_post,
    checks_for,
    forecast,
    schedule,
    text,
)
from pipeline.rules import media as media_rules
from pipeline.rules.context import CheckContext, PostView, entry_facts, view
from pipeline.rules.forecast import Outlook, Slot, entry_slots
from pipeline.rules.table import Limits


@dataclass(slots=True)
class Part:
    """Checking one slice of the records, in plain values (it may come back from a child)."""

    build: list[Diagnostic] = field(default_factory=list)  # from reading the fields
    checks: list[Diagnostic] = field(default_factory=list)  # from the rules
    keys: list[tuple[str | None, str, int, int]] = field(default_factory=list)  # id, file, line, n
    slots: list[Slot] = field(default_factory=list)  # future posts, for the forecasts
    sent: set[tuple[str, int]] = field(default_factory=set)  # entries the service already has
    templates: frozenset[str] = frozenset()  # ids of series, queue and pool entries

    #: The slots summed up (`validate.check._foresee`); with `kept`, what a child process sends
    #: while it keeps the slots themselves under that key until asked.
    outlook: Outlook | None = None
    kept: str | None = None

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickled by a child process with the slots as columns (`forecast.pack`) and the
        diagnostics as tuples (a frozen dataclass pickles field by field, twice as slow)."""
        build, checks = list(map(_FIELDS, self.build)), list(map(_FIELDS, self.checks))
        state = (build, checks, self.keys, self.sent, self.templates, self.outlook)
        return (*state, self.kept, forecast.pack(self.slots))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        build, checks, self.keys, self.sent, self.templates, *rest = state
        self.build, self.checks = (
            list(starmap(Diagnostic, build)),
            list(starmap(Diagnostic, checks)),
        )
        self.outlook, self.kept, slots = rest
        self.slots = forecast.unpack(slots)


#: A diagnostic's fields in order, as one C call.
_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Diagnostic)))


#: The per-row text checks, in registry order, and the checks whose answer is the group's.
_TEXT = (text.caption, text.hashtags, text.title)
_SHARED = (text.options, text.platform_text_options, media_rules.counts, media_rules.limits)
#: Option keys that replace the row's caption or title (`context.caption_of`, `title_of`).
_TEXT_OPTIONS = frozenset({"text", "title", "description"})


def registry_known() -> bool:
    """Whether the entry checks are the ones this module knows (else the row path runs)."""
    funcs = [c.func for c in ENTRY_CHECKS]
    return len(funcs) == 3 and funcs[0] is schedule.when and funcs[1] is media_rules.files


@dataclass(frozen=True, slots=True)
class _Group:
    """One platform with one media cell: what its rows share (options are the file's defaults
    for the platform, the same in every platform list: `schema._default_options`)."""

    platform: str
    checks: tuple[Check, ...]
    general: bool  # checks not known here: every check runs on every row
    limits: Limits
    text_checks: tuple[Callable[[PostView], Iterator[Diagnostic]], ...]  # caption, hashtags
    title_from_row: bool  # the title check reads the row's title
    always: list[Diagnostic]  # the checks whose answer is the group's, on a stand-in entry
    no_caption: list[Diagnostic]  # the caption check for a row without text
    no_title: list[Diagnostic]  # the title check for a row without a title


def _group(
    refs: tuple[MediaRef, ...],
    options: Mapping[str, Mapping[str, Any]],
    platform: str,
    file: str,
    ctx: CheckContext,
) -> _Group:
    stand_in = Entry(SourceRef(file, 0), None, (platform,), {}, None, media=refs, options=options)
    post = view(stand_in, platform, ctx)
    checks = checks_for(post.limits, platform)
    funcs = [c.func for c in checks]
    text_part = [f for f in funcs if f in _TEXT]
    known = (
        funcs[: len(text_part)] == text_part
        and text_part == [f for f in _TEXT if f in text_part]
        and all(f in _SHARED for f in funcs[len(text_part) :])
        and not (_TEXT_OPTIONS & set(post.options))
    )
    always = list(check_post(post, tuple(c for c in checks if c.func in _SHARED)))
    title_from_row = not (platform == "tiktok" and post.post_type == "video")
    no_title = list(text.title(post)) if text.title in funcs else []
    if not title_from_row:
        always, no_title = [*no_title, *always], []
    return _Group(
        platform,
        checks,
        not known,
        post.limits,
        tuple(f for f in (text.caption, text.hashtags) if f in funcs),
        title_from_row and text.title in funcs,
        always,
        list(text.caption(post)),
        no_title,
    )


_NO_LIMIT = 1 << 62


@dataclass(frozen=True, slots=True)
class _Combo:
    """One platform list with one media cell: its groups and the screens of its captions."""

    groups: tuple[_Group, ...]
    general: bool
    always: list[Diagnostic]
    no_caption: list[Diagnostic]
    no_title: list[Diagnostic]
    safe_length: int  # a caption this long or shorter fits every platform's limit...
    weighted: bool  # ...once X's count is known to be its length (ASCII, no URL)
    hashtags: int  # more '#' than this: the hashtag check runs
    titles: int  # a title longer than this: the title check runs (-1: no title check)


def _combo(groups: tuple[_Group, ...]) -> _Combo:
    safe, weighted, hashtags, titles = _NO_LIMIT, False, _NO_LIMIT, -1
    for g in groups:
        lim = g.limits
        if lim.text_max is not None:
            if lim.text_count == "utf8-bytes":
                safe = min(safe, lim.text_max // 4)
            else:
                safe = min(safe, lim.text_max)
                weighted = weighted or lim.text_count == "x-weighted"
        if text.hashtags in g.text_checks and lim.hashtags_max is not None:
            hashtags = min(hashtags, lim.hashtags_max)
        if g.title_from_row:
            cap = _NO_LIMIT if lim.title_max is None else lim.title_max
            titles = cap if titles < 0 else min(titles, cap)
    return _Combo(
        groups,
        any(g.general for g in groups),
        [d for g in groups for d in g.always],
        [d for g in groups for d in g.no_caption],
        [d for g in groups for d in g.no_title],
        safe,
        weighted,
        hashtags,
        titles,
    )


def _quiet(caption: str, combo: _Combo) -> bool:
    """Whether neither the caption check nor the hashtag check finds anything (exact)."""
    for g in combo.groups:
        lim = g.limits
        if lim.text_max is not None and text.measure(caption, lim.text_count) > lim.text_max:
            return False
        if lim.hashtags_max is not None and caption.count("#") > lim.hashtags_max:
            return False
    return True


def check_table(
    built: BuiltTable,
    defaults: Defaults,
    project_root: str,
    ctx: CheckContext,
    *,
    already_sent: Callable[[Entry], bool] | None = None,
    keep_entries: bool = False,
) -> tuple[list[Entry], Part]:
    """Diagnostics, ids, forecast slots (and entries, when asked) for one table.

    Check by check over the columns: diagnostics come out in another order than row by row,
    but the same once sorted (no two checks give the same code on one platform)."""
    table = built.table
    file, lines, ids, slow = table.file, table.lines, built.ids, table.slow
    n = len(lines)
    fast = [i for i in range(n) if i not in slow] if slow else range(n)
    part = Part()
    out = part.checks
    for i, found in sorted(built.found.items()):
        if i not in slow:
            part.build.extend(found)

    # The entry checks, once per distinct time and media cell.
    when_diags: list[list[Diagnostic]] = []
    soon, far = ctx.now + ctx.now_window, ctx.now + ctx.max_ahead
    for local, tz, utc, dst in built.whens:
        if dst == "ok" and utc is not None and soon < utc <= far:
            when_diags.append([])  # `schedule.when`'s common case: nothing to say
            continue
        stand_in = Entry(
            SourceRef(file, 0), None, (), {}, None, at_local=local, tz=tz, at_utc=utc, dst=dst
        )
        when_diags.append(list(schedule.when(stand_in, ctx)))
    file_diags = []
    for refs in built.media:
        file_diags.append(
            list(media_rules.files(Entry(SourceRef(file, 0), None, (), {}, None, media=refs), ctx))
        )
    for of, answers in ((built.when_of, when_diags), (built.media_of, file_diags)):
        if any(answers):
            for i in fast:
                for d in answers[of[i]]:
                    out.append(stamp(d, lines[i], ids[i]))

    # The post checks, once per platform list and media cell, but for captions and titles.
    width = len(built.media)
    combo_of, combo_keys = encode(
        [p * width + m for p, m in zip(built.platform_of, built.media_of, strict=True)]
    )
    groups: dict[tuple[str, int], _Group] = {}
    combos = []
    for key in combo_keys:
        p, m = divmod(key, width)
        options = built.options[p]
        members = []
        for platform in built.platforms[p]:
            group = groups.get((platform, m))
            if group is None:
                group = groups[(platform, m)] = _group(built.media[m], options, platform, file, ctx)
            members.append(group)
        combos.append(_combo(tuple(members)))
    texts, titles = table.column("text"), table.column("title")
    for i in fast:
        combo = combos[combo_of[i]]
        if combo.general:
            out.extend(_general(built.entry(i), combo, ctx))
            continue
        line, entry_id = lines[i], ids[i]
        if combo.always:
            out.extend([stamp(d, line, entry_id) for d in combo.always])
        caption = texts[i]
        if caption is None:
            if combo.no_caption:
                out.extend([stamp(d, line, entry_id) for d in combo.no_caption])
        elif (
            len(caption) > combo.safe_length
            or (combo.hashtags != _NO_LIMIT and caption.count("#") > combo.hashtags)
            or (combo.weighted and not (caption.isascii() and "." not in caption))
        ) and not _quiet(caption, combo):
            out.extend(_text_checks(built.entry(i), combo, ctx, title=False))
        if combo.titles >= 0:
            title = titles[i]
            if title is None:
                if combo.no_title:
                    out.extend([stamp(d, line, entry_id) for d in combo.no_title])
            elif len(title) > combo.titles:
                out.extend(_text_checks(built.entry(i), combo, ctx, title=True))

    # What the stage needs of each row: its key, its future posts, whether it was sent.
    counts = [len(p) for p in built.platforms]  # per platform list, zipped in without a loop
    keys: list[tuple[str | None, str, int, int] | None] = list(
        zip(ids, repeat(file), lines, map(counts.__getitem__, built.platform_of), strict=False)
    )
    now = ctx.now
    part.slots = _slots(built, fast, now)
    entries: list[Entry | None] = [None] * n if keep_entries else []
    for i, record in sorted(slow.items()):
        made, build = build_entries([(table, defaults, record)], project_root)
        part.build.extend(build)
        keys[i] = None
        for entry in made:
            keys[i] = (entry.id, entry.source.file, entry.source.line, len(entry.platforms))
            part.slots.extend(entry_slots(entry, now))
            part.checks.extend(check_each([entry], ctx))
            if already_sent is not None and already_sent(entry):
                part.sent.add((file, entry.source.line))
            if keep_entries:
                entries[i] = entry
    part.keys = [k for k in keys if k is not None]
    if keep_entries or already_sent is not None:
        for i in fast:
            entry = built.entry(i)
            if already_sent is not None and already_sent(entry):
                part.sent.add((file, lines[i]))
            if keep_entries:
                entries[i] = entry
    return [e for e in entries if e is not None], part


def _slots(built: BuiltTable, fast: Sequence[int], now: datetime) -> list[Slot]:
    """The rows' future posts: each time's "is it future" and each platform list's accounts
    are worked out once per distinct value, then the rows are walked in one zip."""
    file = built.table.file
    future = [utc if utc is not None and utc > now else None for _, _, utc, _ in built.whens]
    pair_of, pair_keys = encode(
        [
            p * len(built.accounts) + a
            for p, a in zip(built.platform_of, built.account_of, strict=True)
        ]
    )
    posts = []
    for key in pair_keys:
        p, a = divmod(key, len(built.accounts))
        account = built.accounts[a]
        posts.append([(name, account.get(name, "")) for name in built.platforms[p]])
    rows: Iterable[tuple[int, int, str | None, int]] = zip(
        built.when_of, built.table.lines, built.ids, pair_of, strict=True
    )
    if len(fast) != len(built.ids):
        rows = ((built.when_of[i], built.table.lines[i], built.ids[i], pair_of[i]) for i in fast)
    return [
        (utc, file, line, entry_id, name, account)
        for when, line, entry_id, pair in rows
        if (utc := future[when]) is not None
        for name, account in posts[pair]
    ]


def _general(entry: Entry, combo: _Combo, ctx: CheckContext) -> list[Diagnostic]:
    """Every check of every platform on the row itself (`check_each`'s per-platform part)."""
    shared = entry_facts(entry, ctx)
    found: list[Diagnostic] = []
    for g in combo.groups:
        found.extend(check_post(view(entry, g.platform, ctx, shared), g.checks))
    return found


def _text_checks(
    entry: Entry, combo: _Combo, ctx: CheckContext, *, title: bool
) -> list[Diagnostic]:
    """The caption and hashtag checks (or the title check) on the row itself."""
    shared = entry_facts(entry, ctx)
    found: list[Diagnostic] = []
    for g in combo.groups:
        funcs = ((text.title,) if g.title_from_row else ()) if title else g.text_checks
        if funcs:
            post = view(entry, g.platform, ctx, shared)
            for func in funcs:
                found.extend(func(post))
    return found
