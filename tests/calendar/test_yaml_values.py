"""YAML values as the calendar loader builds them: merge keys, tags, duplicate keys, control
characters and escapes (issue #11). Every bad value is a diagnostic with its line, never an
exception, and never a value the pipeline would post as something else (`b'hello world'`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.calendar.schema import Defaults, build_entry
from pipeline.calendar.yaml_source import read_yaml
from tests.helpers import check, found

POST = "{id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b'"
BARE = "{timezone: UTC, platform: x, account: '@b'"  # without id and at


def test_merge_key_shares_a_block_and_own_keys_win(tmp_path: Path) -> None:
    calendar = """
    posts:
      - &base
        id: first
        at: 2026-12-01 09:00
        timezone: UTC
        platforms: [x]
        account: "@b"
        text: shared
      - <<: *base
        id: second
        text: own
    """
    result = check(tmp_path, {"cal.yaml": calendar})
    assert result.diagnostics == []
    first, second = result.entries
    assert (second.id, second.text, second.platforms) == ("second", "own", ("x",))
    assert second.at_utc == first.at_utc
    assert second.source.line == 9


def test_merge_list_earlier_mapping_wins_and_lines_point_at_the_value(tmp_path: Path) -> None:
    """YAML 1.1: in `<<: [*a, *b]` a key in *a wins over the same key in *b; a problem in a
    merged value is reported at the line it is written on."""
    calendar = """
    defaults: {timezone: UTC, account: "@b"}
    posts:
      - &a {id: a, at: 2026-12-01 09:00, platforms: [x], text: from a}
      - &b {id: b, at: 2026-12-02 09:00, platforms: [x], text: from b, title: [not, text]}
      - {<<: [*a, *b], id: c}
      - {!!merge <<: *a, id: d}
    """
    result = check(tmp_path, {"cal.yaml": calendar})
    by_id = {e.id: e for e in result.entries}
    assert by_id["c"].text == "from a"
    assert by_id["c"].at_utc == by_id["a"].at_utc
    assert by_id["d"].text == "from a"
    assert found(result) == set()  # a list title is read as no title, as before


def test_merge_of_a_scalar_is_a_diagnostic(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": f"posts:\n  - {POST}, text: hi}}\n  - {{<<: 5}}\n"})
    assert ("E114", 3) in found(result)


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo hi']",
        "!custom x",
        "!!str [1, 2]",
        '!!binary "not base64"',
        "!!binary aGVsbG8gd29ybGQ=",
        "!!timestamp garbage",
        "!!int abc",
        "!!bool maybe",
        "!!int " + "7" * 5001,
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!!float x",
    ],
)
def test_tags_other_than_the_plain_ones_are_e115(tmp_path: Path, value: str) -> None:
    result = check(tmp_path, {"cal.yaml": f"posts:\n  - {POST},\n     text: {value}}}\n"})
    assert ("E115", 3) in found(result)
    assert all(e.text is None for e in result.entries)  # never b'hello world'
    message = next(d.message for d in result.diagnostics if d.code == "E115")
    assert message.startswith("text: ") and len(message) < 200


def test_plain_tags_still_work(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "cal.yaml": f"posts:\n  - {BARE}, at: 2026-12-01 09:00, id: !!str 12, text: !!str 3.50}}\n"
        },
    )
    assert result.diagnostics == []
    assert (result.entries[0].id, result.entries[0].text) == ("12", "3.50")


def test_a_key_written_twice_is_e117(tmp_path: Path) -> None:
    calendar = f"""
    posts:
      - {POST},
         text: first}}
      - id: b
        at: 2026-12-01 09:00
        at: 2026-12-02 09:00
        timezone: UTC
        platform: x
        account: "@b"
        text: t
        captions: {{x: one, x: two}}
    """
    result = check(tmp_path, {"cal.yaml": calendar})
    assert found(result) == {("E117", 6), ("E117", 11)}
    assert "first at line 5" in result.diagnostics[0].message


def test_a_list_as_timezone_is_an_error_not_ignored(tmp_path: Path) -> None:
    calendar = """
    defaults: {timezone: UTC}
    posts:
      - {id: a, at: 2026-12-01 09:00, timezone: [America/New_York], platform: x,
         account: "@b", text: hi}
    """
    result = check(tmp_path, {"cal.yaml": calendar})
    assert ("E105", 3) in found(result)
    assert result.entries[0].at_utc is None  # not scheduled in the default zone


def test_a_list_as_default_timezone_is_an_error(tmp_path: Path) -> None:
    calendar = f"defaults: {{timezone: [UTC]}}\nposts:\n  - {POST}, text: hi}}\n"
    result = check(tmp_path, {"cal.yaml": calendar})
    assert any(d.code == "E105" and "timezone" in d.message for d in result.diagnostics)


@pytest.mark.parametrize(
    ("escaped", "where"),
    [
        ("a\\eb", "U+001B (ESC) at column 2"),
        ("\\0x", "U+0000 (NUL) at column 1"),
        ("one\\ntw\\x07o", "U+0007 (BEL) at column 3 of line 2 of the value"),
        ("c1 \\x9b\\x85", "U+009B at column 4"),
    ],
)
def test_control_characters_are_refused_and_named(tmp_path: Path, escaped: str, where: str) -> None:
    result = check(tmp_path, {"cal.yaml": f'posts:\n  - {POST}, text: "{escaped}"}}\n'})
    assert found(result) == {("E116", 2)}
    assert where in result.diagnostics[0].message


def test_control_characters_in_ids_titles_and_captions(tmp_path: Path) -> None:
    calendar = (
        'posts:\n  - {id: "a\\e[31m", at: 2026-12-01 09:00, timezone: UTC, platform: x,\n'
        '     account: "@b", text: hi, title: "t\\0", captions: {x: "c\\e"}}\n'
    )
    result = check(tmp_path, {"cal.yaml": calendar})
    messages = sorted(d.message for d in result.diagnostics if d.code == "E116")
    assert [m.split(":")[0] for m in messages] == ["captions.x", "id", "title"]
    assert "captions.x: control character U+001B (ESC) at column 2" in messages


def test_tab_and_new_line_stay_allowed_in_captions(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": f'posts:\n  - {POST}, text: "a\\tb\\nc\\r\\nd"}}\n'})
    assert result.diagnostics == []


def test_json_surrogate_pair_gets_a_clear_message_and_hint(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": f'posts:\n  - {POST},\n     text: "\\ud83d\\ude80"}}\n'})
    assert found(result) == {("E101", 3)}
    (d,) = result.diagnostics
    assert "surrogate" in d.message
    assert "\\U0001F680" in d.hint and "🚀" in d.hint


def test_the_real_escape_for_an_emoji_works(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": f'posts:\n  - {POST}, text: "go \\U0001F680"}}\n'})
    assert result.diagnostics == []
    assert result.entries[0].text == "go 🚀"


def test_deep_nesting_is_a_diagnostic(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": "posts: " + "[" * 10_000})
    assert {d.code for d in result.diagnostics} <= {"E101", "E111"}
    assert result.diagnostics


def test_a_huge_bad_value_is_echoed_short(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {"cal.yaml": f"posts:\n  - {BARE}, id: a, text: hi,\n     at: {'9' * 500_000}}}\n"},
    )
    assert result.diagnostics
    assert all(len(d.message) < 300 for d in result.diagnostics)
    assert any("500,000 characters" in d.message for d in result.diagnostics)


_TAGS = st.sampled_from(
    [
        "",
        "!!str ",
        "!!int ",
        "!!float ",
        "!!bool ",
        "!!null ",
        "!!binary ",
        "!!timestamp ",
        "!!set ",
        "!!omap ",
        "!!pairs ",
        "!!seq ",
        "!!map ",
        "!!merge ",
        "!!python/object/apply:os.system ",
        "!!python/name:os.system ",
        "!x ",
        "! ",
        "!<tag:example.com,2000:x> ",
    ]
)
_SCALARS = st.one_of(
    st.sampled_from(["abc", "1", "0x1F", "1e3", ".nan", "-.inf", "maybe", "true", "~", "''"]),
    st.text(st.characters(codec="utf-8"), max_size=12).map(
        lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    ),
)


@st.composite
def _values(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    kind = draw(st.integers(0, 3 if depth < 3 else 0))
    if kind == 0:
        return tag + draw(_SCALARS)
    if kind == 1:
        items = draw(st.lists(_values(depth + 1), max_size=3))
        return tag + "[" + ", ".join(items) + "]"
    if kind == 2:
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(["a", "x", "<<", "a"]), _values(depth + 1)), max_size=3
            )
        )
        return tag + "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    return "*anchor"


@settings(max_examples=300)
@given(
    key=st.sampled_from(["text", "at", "platforms", "captions", "x", "id", "<<", "timezone"]),
    value=_values(),
)
def test_any_tag_and_value_gives_diagnostics_never_an_exception(key: str, value: str) -> None:
    document = f"anchors: &anchor {{text: hi}}\nposts:\n  - {{id: a, {key}: {value}}}\n"
    calendar = read_yaml("cal.yaml", "/nowhere", document)
    for record in calendar.records:
        for field in record.fields.values():
            assert not isinstance(field, bytes | set)
        build_entry(record, Defaults(timezone="UTC"), "/nowhere", "/nowhere")
    for d in calendar.diagnostics:
        assert d.file == "cal.yaml" and d.line >= 0


def test_nul_in_a_media_path_is_e116(tmp_path: Path) -> None:
    result = check(
        tmp_path, {"cal.yaml": f'posts:\n  - {POST}, text: hi, media: ["a\\0.jpg", "b\\e.jpg"]}}\n'}
    )
    assert [(d.code, d.line) for d in result.diagnostics] == [("E116", 2), ("E116", 2)]
    assert "U+0000 (NUL)" in result.diagnostics[0].message


def test_nul_in_a_csv_media_path_after_the_first_8_kb(tmp_path: Path) -> None:
    header = "id,date,time,timezone,platforms,account,text,media\n"
    filler = "".join(
        f"f{i},2026-12-01,09:00,UTC,x,@b,{'y' * 80},\n" for i in range(120)
    )  # the reader's binary sniff looks at the first 8 KB only
    body = header + filler + "a,2026-12-01,09:00,UTC,x,@b,hi,pic\x00.jpg\n"
    result = check(tmp_path, {"cal.csv": body})
    assert found(result) == {("E116", 122)}


def test_unclosed_ipv6_media_url_is_e314(tmp_path: Path) -> None:
    result = check(
        tmp_path, {"cal.yaml": f"posts:\n  - {POST}, text: hi, media: 'https://[::1/x.jpg'}}\n"}
    )
    assert found(result) == {("E314", 2)}
    assert "IPv6" in result.diagnostics[0].message


@pytest.mark.parametrize(
    "field",
    [
        "timezone: {big}",
        "platform: {big}",
        "tiktok: {{privacyLevel: {big}}}",
        "? {big} : 1",
        "media: 'https://{big}:8443/a.jpg'",
        "clip: {{job: j, index: {big}}}",
    ],
)
def test_big_found_values_are_quoted_short(tmp_path: Path, field: str) -> None:
    """A value of 900,000 characters is quoted as its first 80 and its length."""
    big = "q" * 900_000
    post = "{id: a, at: 2026-12-01 09:00, account: '@b', text: hi"
    if not field.startswith(("timezone", "platform")):
        post += ", timezone: UTC, platform: tiktok"
    body = f"posts:\n  - {post}, {field.format(big=big)}}}\n"
    result = check(tmp_path, {"cal.yaml": body})
    assert result.diagnostics
    assert all(len(d.message) + len(d.hint) < 600 for d in result.diagnostics)
    assert any("900,0" in d.message for d in result.diagnostics)


def test_tags_in_defaults_and_date_format_are_e115(tmp_path: Path) -> None:
    calendar = (
        "date_format: !!binary dXM=\n"
        "defaults: !!set {timezone}\n"
        f"posts:\n  - {POST}, text: hi}}\n"
    )
    result = check(tmp_path, {"cal.yaml": calendar})
    assert {("E115", 1), ("E115", 2)} <= found(result)


def test_diagnostics_from_values_name_the_entry(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": f"posts:\n  - {POST}, text: !!binary aGk=}}\n"})
    (d,) = [d for d in result.diagnostics if d.code == "E115"]
    assert d.entry == "a"


def test_deep_nesting_without_libyaml_is_e111() -> None:
    """The pure-Python composer recurses; without libyaml deep nesting is still a diagnostic."""
    import yaml

    from pipeline.calendar import yaml_source

    class PureLoader(yaml.SafeLoader):
        pass

    text = "posts: " + "[" * 10_000
    with pytest.raises(yaml_source.YamlProblem) as caught:
        yaml_source.compose(text, PureLoader(text))  # type: ignore[arg-type]
    assert caught.value.code == "E111"
