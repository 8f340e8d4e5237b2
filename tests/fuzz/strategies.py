"""Hypothesis strategies for broken input: calendars (YAML and CSV text), pipeline.yaml and
ledger lines.

Each is built from pieces people and tools really produce (tags, anchors and merge keys, Excel
exports, control characters, huge numbers, odd dates, times and zones) mixed with plain valid
parts, so most examples get past the first check and reach the later ones. A `Project` is the
files one example writes; `tests/fuzz/runner.py` runs the commands on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from pipeline.ledger import events as ev
from pipeline.model import PLATFORMS


@dataclass(frozen=True)
class Project:
    """The files of one generated project, by path relative to its top."""

    files: dict[str, bytes | None] = field(default_factory=dict)  # None: a folder
    calendar: str = "cal.yaml"
    #: path -> "fifo", "deep" (1,100 nested folders) or "->target" (a symlink)
    special: dict[str, str] = field(default_factory=dict)
    now: str = "2026-11-28T12:00:00Z"  # the commands' --now

    def __repr__(self) -> str:  # what hypothesis prints for a failing example: the files
        shown = {name: data if data is None else data[:2000] for name, data in self.files.items()}
        return (
            f"Project(calendar={self.calendar!r}, now={self.now!r}, files={shown!r}, "
            f"special={self.special!r})"
        )


# --- scalars, as YAML text ------------------------------------------------------------------------

#: Text that breaks terminals, parsers and renderers.
NASTY_TEXT = [
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x9b2J",
    "back\x08space",
    "car\rriage",
    "nul\x00byte",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    ":smile: [bold]b[/]",
    "\ud83d\ude80",  # a lone surrogate pair as JSON escapes it (not valid UTF-8 on its own)
    "🚀 emoji",
    "tab\there",
    "line\u2028sep",
    "%s %(x)s {0} {x}",
    "../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "https://[::1/x.jpg",
    "http://127.0.0.1:22/x.jpg",
    "file:///etc/passwd",
    "",
    " ",
]

_PLAIN_WORDS = st.sampled_from(
    ["hi", "hello world", "post", "@acme", "x", "Europe/Berlin", "UTC", "media/a.jpg", "a,b;c"]
)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=True)


YAML_TAGGED = st.sampled_from(
    [
        "!!python/object/apply:os.system ['echo owned']",
        "!!python/name:os.system",
        "!custom thing",
        "!!str [1, 2]",
        '!!binary "not base64"',
        "!!binary aGVsbG8gd29ybGQ=",
        "!!timestamp garbage",
        "!!int abc",
        "!!int " + "9" * 5001,
        "!!bool maybe",
        "!!float x",
        "!!null not-null",
        "!!set {a, b}",
        "!!omap [a: 1, b: 2]",
        "!!pairs [a: 1]",
        "!!map [1, 2]",
        "!!seq {a: 1}",
        "!<tag:yaml.org,2002:str> fine",
        "!!merge x",
    ]
)

YAML_NUMBERS = st.sampled_from(
    [
        "0",
        "-1",
        "1e300",
        "-1e300",
        ".nan",
        ".inf",
        "-.inf",
        "0x1F",
        "0o17",
        "1_000",
        "9" * 5001,
        "12345678901234567890123456789",
        "3.0",
        "true",
        "no",
        "~",
        "null",
    ]
)

YAML_TIMES = st.sampled_from(
    [
        "2026-12-01 09:00",
        "2026-12-01T09:00:00Z",
        "2026-12-01 09:00 +14:00",
        "0001-01-01 00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31 23:59",
        "9999-12-31T23:59:59-01:00",
        "0000-01-01",
        "2026-02-30 09:00",
        "2026-12-01 25:61",
        "2026-13-01",
        "12/01/2026",
        "01.12.2026 9:00",
        "2026-12-01 9am",
        "yesterday",
        "2026-12-01T09:00:00.123456789Z",
        "1e10",
    ]
)

YAML_ZONES = st.sampled_from(
    [
        "UTC",
        "Europe/Berlin",
        "[America/New_York]",
        "America/New_York",
        "Mars/Olympus",
        "x" * 300,
        "../../../../etc/passwd",
        "/etc/localtime",
        "+05:30",
        "GMT+3",
        "",
        "Europe/",
        "\x00",
    ]
)

YAML_LONG = st.sampled_from(["a" * 70_000, "é" * 20_000, "[" * 200 + "]" * 200])


def yaml_scalar() -> st.SearchStrategy[str]:
    """One YAML value, as text that goes after `key: ` on one line."""
    return st.one_of(
        _PLAIN_WORDS,
        st.sampled_from(NASTY_TEXT).map(_quoted),
        st.text(max_size=30).map(_quoted),
        YAML_TAGGED,
        YAML_NUMBERS,
        YAML_TIMES,
        YAML_ZONES.map(lambda z: z if z.startswith("[") else _quoted(z)),
        YAML_LONG.map(_quoted),
        st.sampled_from(["[]", "{}", "[x, threads]", "{x: 1}", "[[[]]]", "*base", "*nowhere"]),
        st.sampled_from(PLATFORMS).map(str),
    )


# --- calendars in YAML ----------------------------------------------------------------------------

POST_KEYS = [
    "id",
    "at",
    "date",
    "time",
    "timezone",
    "platform",
    "platforms",
    "account",
    "text",
    "captions",
    "title",
    "media",
    "clip",
    "clip_job",
    "clip_index",
    "notes",
    "_private",
    "x",
    "instagram",
    "tiktok",
    "youtube",
    "pinterest",
    "Text",
    "id ",
    "",
    "<<",
    "platfrom",
]

#: A post that passes every check, to start from.
GOOD_POST = {
    "id": "a",
    "at": "2026-12-01 09:00",
    "timezone": "UTC",
    "platform": "x",
    "account": '"@acme"',
    "text": "hello",
}

_MEDIA = st.sampled_from(
    [
        "[media/a.jpg]",
        '["media/a\\u0000b.jpg"]',
        "[https://[::1/x.jpg]",
        '["https://cdn.example.com/v.mp4"]',
        "[../outside.jpg]",
        "[/etc/passwd]",
        "[media/]",
        "[media/fifo.jpg]",
        "[media/link.jpg]",
        "media/a.jpg",
        "[1, 2]",
    ]
)


@st.composite
def yaml_post(draw: st.DrawFn) -> list[str]:
    """The lines of one post (a block mapping, each line `key: value`)."""
    fields = dict(GOOD_POST)
    for _ in range(draw(st.integers(0, 4))):
        # Times, zones and media are where most causes hide: drawn more often.
        key = draw(st.sampled_from([*POST_KEYS, "at", "at", "timezone", "timezone", "media"]))
        if key == "media":
            fields[key] = draw(_MEDIA)
        elif key == "<<":
            fields[key] = draw(st.sampled_from(["*base", "[*base, *other]", "*nowhere", "{}", "1"]))
        elif key in ("at", "date", "time"):
            fields[key] = draw(YAML_TIMES)
        elif key == "timezone":
            zone = draw(YAML_ZONES)
            fields[key] = zone if zone.startswith("[") else _quoted(zone)
        else:
            fields[key] = draw(yaml_scalar())
    if draw(st.booleans()) and len(fields) > 1:
        del fields[draw(st.sampled_from(sorted(fields)))]
    lines = [f"{key}: {value}" for key, value in fields.items()]
    if draw(st.integers(0, 9)) == 0:  # a duplicate key
        lines.append(f"text: {draw(yaml_scalar())}")
    return lines


@st.composite
def yaml_calendar(draw: st.DrawFn) -> bytes:
    """A calendar in YAML: defaults with anchors, posts with merge keys and odd values, and
    sometimes a structure the schema does not expect at all."""
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return draw(st.binary(max_size=200))
    if shape == 1:
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if shape == 2:
        return draw(
            st.sampled_from(
                [
                    b"[" * 10_000,
                    b"posts: " + b"[" * 5_000 + b"]" * 5_000,
                    b"a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c]\n"
                    b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e]\n"
                    b"posts: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
                    b"posts:\n  - " + b"- " * 3000 + b"x\n",
                    "posts: []\n".encode("utf-16"),
                    b"\xef\xbb\xbfposts: []\n",
                    b"---\nposts: []\n---\nposts: []\n",
                    b"posts: {}\n",
                    b"posts: 5\n",
                    b"- 1\n- 2\n",
                    b"",
                    b"%YAML 1.1\n%TAG ! tag:evil,2000:\n--- !x\nposts: []\n",
                ]
            )
        )
    lines = []
    if draw(st.booleans()):
        lines += [
            "defaults: &base",
            f"  timezone: {draw(YAML_ZONES.map(lambda z: z if z.startswith('[') else _quoted(z)))}",
            f"  account: {draw(st.one_of(st.just(chr(34) + '@acme' + chr(34)), yaml_scalar()))}",
        ]
        if draw(st.booleans()):
            lines += ["other: &other", f"  text: {draw(yaml_scalar())}"]
    lines.append("posts:")
    for _ in range(draw(st.integers(0, 4))):
        post = draw(yaml_post())
        lines.append("  - " + post[0])
        lines += ["    " + line for line in post[1:]]
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 9)) == 0:  # a stray control character anywhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["\x00", "\x1b", "\t", "\r", "\x85"])) + text[at:]
    return text.encode("utf-8", "surrogatepass")


# --- calendars in CSV -----------------------------------------------------------------------------

CSV_COLUMNS = [
    "id",
    "at",
    "date",
    "time",
    "timezone",
    "platform",
    "platforms",
    "account",
    "text",
    "media",
    "title",
    "captions.",
    "captions.x",
    "captions",
    "captions.nope",
    "x.title",
    "tiktok.privacyLevel",
    "instagram.postType",
    "clip",
    "",
    " id ",
    "ID",
    "Text",
    "notes",
    "x.",
    ".x",
    "a.b.c",
]

#: Columns that clash with each other (a bare prefix beside its dotted form, two spellings).
CSV_COLUMN_SETS = [
    ["captions.", "captions.x"],
    ["captions", "captions.x"],
    ["x.", "x.title"],
    ["captions.x", "captions.x"],
    ["id", "ID"],
    ["media", "media"],
    ["date", "time"],
    ["at", "date", "time"],
    ["x.title", "title"],
    ["captions.x", "x"],
]

CSV_VALUES = st.one_of(
    st.sampled_from(
        [
            "a",
            "2026-12-01 09:00",
            "2026-12-01",
            "09:00",
            "12/01/2026",
            "0001-01-01 00:00",
            "9999-12-31 23:59",
            "UTC",
            "x",
            "x;threads",
            "x,instagram",
            "@acme",
            "hello",
            "media/a.jpg",
            "media/a\x00b.jpg",
            "https://[::1/x.jpg",
            '=HYPERLINK("http://evil")',
            '"quoted, with comma"',
            '"multi\nline"',
            "9" * 5001,
            "b" * 70_000,
            "",
        ]
    ),
    st.sampled_from(NASTY_TEXT),
    YAML_ZONES,
    st.text(max_size=20),
)


@st.composite
def csv_calendar(draw: st.DrawFn) -> bytes:
    """A calendar as a spreadsheet exports it: header, rows, a separator, an encoding."""
    base = ["id", "at", "timezone", "platforms", "account", "text"]
    extra = draw(
        st.one_of(
            st.lists(st.sampled_from(CSV_COLUMNS), max_size=4),
            st.sampled_from(CSV_COLUMN_SETS),
        )
    )
    header = [c for c in base if draw(st.integers(0, 7))] + extra
    rows = []
    for row in range(draw(st.integers(0, 4))):
        good = [f"p{row}", "2026-12-01 09:00", "UTC", "x", "@acme", "hello"]
        cells = [good[base.index(c)] if c in base else draw(CSV_VALUES) for c in header]
        for _ in range(draw(st.integers(0, 2))):
            if cells:
                cells[draw(st.integers(0, len(cells) - 1))] = draw(CSV_VALUES)
        if draw(st.integers(0, 9)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))] or [*cells, "extra"]
        rows.append(cells)
    sep = draw(st.sampled_from([",", ",", ",", ",", ",", ";", "\t"]))

    def cell(value: str) -> str:
        if draw(st.booleans()) or any(ch in value for ch in f'{sep}"\n\r'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [sep.join(cell(c) for c in r) for r in [header, *rows]]
    if draw(st.integers(0, 9)) == 0:
        lines.insert(0, "sep=,")
    if draw(st.integers(0, 9)) == 0:
        lines.append('"unterminated')
    text = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])).join(lines) + "\n"
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, "replace")


# --- pipeline.yaml --------------------------------------------------------------------------------

CONFIG_VALUES: dict[str, st.SearchStrategy[str]] = {
    "timezone": st.one_of(YAML_ZONES.map(_quoted), st.just("[America/New_York]"), yaml_scalar()),
    "date_format": st.one_of(
        st.sampled_from(["%Y-%Y", "%m/%m/%Y", "%d/%d/%Y"]).map(_quoted),  # a field twice
        st.sampled_from(["us", "eu", "iso"]),
        st.sampled_from(["%Y-%m-%d", "%d/%m/%Y %H:%M", "%", "%Q", "%H:%M%z"]).map(_quoted),
        yaml_scalar(),
    ),
    "media_base_url": st.one_of(
        st.sampled_from(
            ["https://cdn.example.com/", "https://[::1/", "ftp://x/", "not a url", "http://:0/"]
        ),
        yaml_scalar(),
    ),
    "media_root": st.one_of(
        st.sampled_from(["media", "../..", "/etc", "", "media\x00"]), yaml_scalar()
    ),
    "media_store": st.one_of(
        st.sampled_from(
            [
                "{url: 's3://acme-media/m/'}",
                "{url: 's3://acme-media/m/', endpoint_url: 'http://127.0.0.1:9/', region: auto}",
                "{url: 's3://A/..//'}",
                "{url: 's3://acme-media', presign_expires: .nan}",
                "{url: 's3://acme-media', presign_expires: 99999999}",
                "{url: [1]}",
                "{uri: 's3://acme-media'}",
                "s3://acme-media/",
            ]
        ),
        yaml_scalar(),
    ),
    "plan": st.one_of(
        st.sampled_from(
            [
                "{tier: beginner, daily: 20}",
                "{tier: free, monthly: 30}",
                "{tier: nope}",
                "{tier: beginner, daily: -1}",
                "{tier: beginner, daily: .nan}",
                "{tier: beginner, daily: 1e300}",
                "{daily: 5}",
                "[beginner]",
            ]
        ),
        yaml_scalar(),
    ),
    "publish": st.one_of(
        st.sampled_from(
            [
                "{post_interval: .nan}",
                "{post_interval: .inf}",
                "{post_interval: 1e300}",
                "{post_interval: -5}",
                "{media_interval: [1]}",
                "{post_interval: '20'}",
                "{post_interval: 0}",
            ]
        ),
        yaml_scalar(),
    ),
    "defaults": st.one_of(
        st.sampled_from(
            [
                "{account: '@acme'}",
                "{timezone: Mars/Olympus}",
                "{tiktok: {privacyLevel: [1]}}",
                "{nope: 1}",
                "[1, 2]",
                "{<<: *nowhere}",
            ]
        ),
        yaml_scalar(),
    ),
    "rules": st.one_of(
        st.sampled_from(
            [
                "{instagram.reel: {video_max_s: 90}}",
                "{instagram.reel: {video_max_s: .nan}}",
                "{x: 5}",
                "{nope.nope: {a: 1}}",
                "[1]",
            ]
        ),
        yaml_scalar(),
    ),
    "unknown_key": yaml_scalar(),
}


@st.composite
def pipeline_config(draw: st.DrawFn) -> bytes:
    """A pipeline.yaml with some keys odd, or a document the loader must refuse whole."""
    shape = draw(st.integers(0, 14))
    if shape == 0:
        return draw(
            st.sampled_from(
                [
                    b"timezone: " + b"[" * 10_000,
                    b"a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
                    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                    b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
                    b"timezone: *i\n",
                    b"!!python/object/apply:os.system ['echo owned']\n",
                    b"- 1\n",
                    b"\xff\xfe\x00",
                    b"timezone: UTC\ntimezone: Europe/Berlin\n",
                    b"",
                ]
            )
        )
    keys = draw(st.lists(st.sampled_from(sorted(CONFIG_VALUES)), max_size=4, unique=True))
    lines = [f"{key}: {draw(CONFIG_VALUES[key])}" for key in keys]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


# --- ledger lines ---------------------------------------------------------------------------------

_AT = "2026-11-01T09:00:00.000000Z"

#: One valid event of each kind, as written (ledger/events.py), to bend one field at a time.
GOOD_EVENTS: list[dict[str, Any]] = [
    {"v": 1, "type": "run.started", "at": _AT, "run": "r1", "command": "publish", "pid": 1},
    {"v": 1, "type": "run.finished", "at": _AT, "run": "r1", "exit_code": 0, "counts": {}},
    {
        "v": 1,
        "type": "post.intent",
        "at": _AT,
        "run": "r1",
        "identity": "a:x",
        "entry_id": "a",
        "source": "cal.yaml:2",
        "platform": "x",
        "account": "@acme",
        "scheduled_for": "2026-12-01T09:00:00.000000Z",
        "fingerprint": "fp",
        "idempotency_key": "k",
        "generation": 0,
        "attempt": 1,
        "request": {},
    },
    {
        "v": 1,
        "type": "post.outcome",
        "at": _AT,
        "run": "r1",
        "identity": "a:x",
        "attempt": 1,
        "result": "scheduled",
        "http_status": 202,
        "scheduled_post_id": "sp1",
        "file_ids": ["f1"],
    },
    {
        "v": 1,
        "type": "post.unknown",
        "at": _AT,
        "run": "r1",
        "identity": "a:x",
        "attempt": 1,
        "reason": "no_answer",
    },
    {
        "v": 1,
        "type": "post.status",
        "at": _AT,
        "run": "r1",
        "identity": "a:x",
        "status": "published",
    },
    {
        "v": 1,
        "type": "figures",
        "at": _AT,
        "run": "r1",
        "identity": "a:x",
        "polled_at": _AT,
        "metrics": {"views": 5},
    },
    {
        "v": 1,
        "type": "profile.disconnected",
        "at": _AT,
        "run": "r1",
        "account": "@acme",
        "platform": "x",
        "reason": "expired",
    },
]

#: Every event type the ledger knows, and some it does not.
EVENT_TYPES = [cls.TYPE for cls in ev.LedgerEvent.__subclasses__() if cls.TYPE] + [
    "post.exploded",
    "",
    "run",
    "POST.INTENT",
]

JSON_ODD = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            0,
            -1,
            5,
            2**70,
            1e300,
            "",
            "yesterday",
            "2026-13-45T99:99:99Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "\x1b[31m",
            [],
            ["a", "x"],
            {},
            {"a": 1},
            [[["deep"]]],
        ]
    ),
    st.text(max_size=10),
    st.integers(),
)


@st.composite
def ledger_line(draw: st.DrawFn) -> bytes:
    """One line of events.jsonl: a real event with a field bent, an unknown type, or junk."""
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return draw(
            st.sampled_from(
                [
                    b"[" * 5_000 + b"]" * 5_000,
                    b'{"v": 1, "type": "post.intent"',
                    b"not json",
                    b"",
                    b"\x00\xff",
                    b"null",
                    b"[]",
                    b'{"v": 2, "type": "post.intent", "at": "2026-11-01T09:00:00Z"}',
                    b'{"type": {"a": 1}}',
                ]
            )
        )
    event = dict(draw(st.sampled_from(GOOD_EVENTS)))
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from([*event, "type", "extra"]))
        if key == "type":
            event[key] = draw(st.sampled_from(EVENT_TYPES))
        else:
            event[key] = draw(JSON_ODD)
    if draw(st.integers(0, 5)) == 0 and len(event) > 1:
        del event[draw(st.sampled_from(sorted(event)))]
    return json.dumps(event).encode()


@st.composite
def ledger(draw: st.DrawFn) -> bytes:
    """A whole events.jsonl: valid lines and bent ones, maybe a torn last line."""
    lines = draw(
        st.lists(
            st.one_of(st.sampled_from(GOOD_EVENTS).map(json.dumps).map(str.encode), ledger_line()),
            max_size=6,
        )
    )
    data = b"\n".join(lines) + b"\n"
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


#: --now as people mistype it, and at the ends of the calendar.
NOW_VALUES = st.sampled_from(
    [
        "2026-11-28T12:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59Z",
        "2026-11-28T12:00",
        "2026-11-28",
        "yesterday",
        "2026-13-45T99:99:99Z",
        "",
        "2026-11-28T12:00:00+25:00",
    ]
)


# --- whole projects -------------------------------------------------------------------------------

#: Two posts in one lane (x, @acme): the plan's throttle forecast has something to multiply.
_GOOD_CALENDAR = (
    "posts:\n  - {"
    + ", ".join(f"{k}: {v}" for k, v in GOOD_POST.items())
    + "}\n  - {"
    + ", ".join(f"{k}: {'b' if k == 'id' else v}" for k, v in GOOD_POST.items())
    + "}\n"
).encode()

_GOOD_CSV = (
    b"id,date,time,timezone,platforms,account,text\n"
    b"a,12/01/2026,09:00,UTC,x,@acme,hello\nb,12/01/2026,09:00,UTC,x,@acme,hello\n"
)


@st.composite
def project(
    draw: st.DrawFn, *, calendar: str | None = None, config: bool = False, events: bool = False
) -> Project:
    """A project: a calendar ("yaml" or "csv": broken; None: valid), a broken pipeline.yaml
    when `config`, a broken ledger when `events` (sometimes a folder where a file belongs)."""
    files: dict[str, bytes | None] = {"media/a.jpg": b"\xff\xd8\xff\xe0not really a jpeg"}
    name = "cal.csv" if calendar == "csv" else "cal.yaml"
    now = draw(NOW_VALUES) if draw(st.integers(0, 7)) == 0 else "2026-11-28T12:00:00Z"
    if calendar == "yaml":
        files[name] = draw(yaml_calendar())
    elif calendar == "csv":
        files[name] = draw(csv_calendar())
    elif draw(st.booleans()):
        files[name] = _GOOD_CALENDAR
    else:  # dates as a spreadsheet writes them: what pipeline.yaml's date_format reads
        name = "cal.csv"
        files[name] = _GOOD_CSV
    if config:
        files["pipeline.yaml"] = draw(pipeline_config())
    if events:
        odd = draw(st.integers(0, 19))
        if odd == 0:
            files["ledger/events.jsonl/"] = None  # a folder where the log belongs
        elif odd == 1:
            files["ledger/events.jsonl"] = draw(ledger())
            files["ledger/.lock/"] = None
        else:
            files["ledger/events.jsonl"] = draw(ledger())
    return Project(files=files, calendar=name, now=now)


def _mp4_of_empty_boxes(count: int) -> bytes:
    """An MP4 header, then `count` empty (8-byte) boxes: slow to walk box by box."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return ftyp + b"\x00\x00\x00\x08free" * count


#: In a file outside the project: it must never appear in any output (the issue's leak).
SECRET = "sk_live_canary_7f3a9"

#: Files that are not regular files, or lead out of the project (tests/fuzz/runner.py makes them).
ODD_FILES: list[tuple[str, dict[str, bytes | None], dict[str, str]]] = [
    ("cal.yaml", {}, {"cal.yaml": "fifo"}),
    ("cal.yaml", {}, {"cal.yaml": "->/dev/zero"}),
    (
        "cal.yaml",
        {"../secrets.env": f"STATUS200_API_KEY={SECRET}\n".encode()},
        {"cal.yaml": "->../secrets.env"},
    ),
    (
        "cal.yaml",
        {"../secrets.yaml": f"posts: []\n{SECRET}: 1\n".encode()},
        {"cal.yaml": "->../secrets.yaml"},
    ),
    (
        "cal.csv",
        {"../secrets.env": f"STATUS200_API_KEY={SECRET}\n".encode()},
        {"cal.csv": "->../secrets.env"},
    ),
    ("cal.yaml", {}, {"cal.yaml": "->cal.yaml"}),
    ("schedules", {}, {"schedules": "deep"}),
    (
        "cal.yaml",
        {"cal.yaml": _GOOD_CALENDAR.replace(b"text: hello", b"text: hello, media: [media/f.jpg]")},
        {"media/f.jpg": "fifo"},
    ),
    (
        "cal.yaml",
        {"cal.yaml": _GOOD_CALENDAR.replace(b"text: hello", b"text: hello, media: [media/z.jpg]")},
        {"media/z.jpg": "->/dev/zero"},
    ),
    (
        "cal.yaml",
        {
            "cal.yaml": _GOOD_CALENDAR.replace(
                b"text: hello", b"text: hello, media: [media/v.mp4]"
            ),
            "media/v.mp4": _mp4_of_empty_boxes(500_000),
        },
        {},
    ),
    (
        "cal.yaml",
        {
            "cal.yaml": _GOOD_CALENDAR,
            "ledger/events.jsonl": json.dumps(GOOD_EVENTS[0]).encode() + b"\n",
            "ledger/.lock/": None,
        },
        {},
    ),
    ("cal.yaml", {"cal.yaml": _GOOD_CALENDAR, "ledger/events.jsonl/": None}, {}),
    ("cal.yaml", {"cal.yaml": _GOOD_CALENDAR}, {"ledger/events.jsonl": "fifo"}),
    ("cal.yaml", {"cal.yaml": _GOOD_CALENDAR}, {"pipeline.yaml": "->/dev/zero"}),
    ("cal.yaml", {"cal.yaml": _GOOD_CALENDAR}, {"pipeline.yaml": "fifo"}),
]
