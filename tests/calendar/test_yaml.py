"""YAML calendars: structure, lines, and every kind of bad input as a diagnostic."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.helpers import check, found

GOOD = """
defaults:
  timezone: Europe/Berlin
  account: "@brand"
  tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}
posts:
  - id: launch
    at: 2026-12-01 09:00
    platforms: [x, linkedin]
    text: "Launch day! #launch"
    captions:
      linkedin: "We are launching today."

  - id: teaser
    at: "2026-12-02T18:30+01:00"
    platform: threads
    account: {threads: "@brand.threads"}
    text: |
      Two lines
      of text
"""


def test_entries_keep_file_line_and_values(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": GOOD})
    assert result.diagnostics == []
    launch, teaser = result.entries
    assert (launch.id, launch.source.line, launch.platforms) == ("launch", 6, ("x", "linkedin"))
    assert launch.at_utc == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # CET is UTC+1 in December
    assert launch.caption_for("linkedin") == "We are launching today."
    assert launch.caption_for("x") == "Launch day! #launch"
    assert dict(launch.accounts) == {"x": "@brand", "linkedin": "@brand"}
    assert teaser.source.line == 13
    assert teaser.accounts["threads"] == "@brand.threads"
    assert teaser.at_utc == datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    assert teaser.text == "Two lines\nof text\n"


def test_yaml_11_surprises_are_not_applied(tmp_path: Path) -> None:
    """`no`/`yes` captions stay text, `9:30` is not 570, timestamps are not naive UTC."""
    result = check(
        tmp_path,
        {
            "cal.yaml": """
            posts:
              - {id: a, at: 2026-12-01 09:30, timezone: Asia/Tokyo, platforms: [x],
                 account: "@b", text: no}
            """
        },
    )
    assert result.diagnostics == []
    (entry,) = result.entries
    assert entry.text == "no"
    assert entry.at_utc == datetime(2026, 12, 1, 0, 30, tzinfo=UTC)


def test_malformed_yaml_is_e101_with_line(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": "posts:\n  - id: a\n    text: Note: colons\n"})
    assert found(result) == {("E101", 3)}
    assert "quoted" in result.diagnostics[0].hint


def test_tab_indentation_is_e101(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": "posts:\n\t- id: a\n"})
    assert {d.code for d in result.diagnostics} == {"E101"}


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = ["a: &a ['x','x','x','x','x','x','x','x','x']"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    bomb.append("posts: *i")
    result = check(tmp_path, {"cal.yaml": "\n".join(bomb) + "\n"})
    assert [d.code for d in result.diagnostics] == ["E111"]


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    result = check(tmp_path, {"cal.yaml": "posts: &p [*p]\n"})
    assert [d.code for d in result.diagnostics] == ["E111"]


def test_huge_caption_is_e112_on_its_line(tmp_path: Path) -> None:
    caption = "a" * 1_200_000
    text = (
        "posts:\n  - id: big\n    at: 2026-12-01 09:00\n    timezone: UTC\n"
        f"    platforms: [x]\n    account: '@b'\n    text: {caption}\n"
    )
    result = check(tmp_path, {"cal.yaml": text})
    assert ("E112", 7) in found(result)


def test_wrong_shapes_are_e114(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "scalar.yaml": "just a string\n",
            "posts-map.yaml": "posts:\n  id: a\n",
            "item.yaml": "posts:\n  - just text\n",
            "extra.yaml": "defaults: {}\nposts: []\npots: []\n",
        },
    )
    by_file = {(Path(d.file).name, d.code, d.line) for d in result.diagnostics}
    assert by_file == {
        ("scalar.yaml", "E114", 1),
        ("posts-map.yaml", "E114", 2),
        ("item.yaml", "E114", 2),
        ("extra.yaml", "E114", 3),
    }


def test_empty_file_and_empty_posts_are_fine(tmp_path: Path) -> None:
    result = check(tmp_path, {"empty.yaml": "", "none.yaml": "posts:\n"})
    assert result.diagnostics == [] and result.entries == []


def test_a_bare_list_is_a_calendar(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "cal.yml": "- {at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
        },
    )
    assert result.diagnostics == [] and len(result.entries) == 1


def test_binary_and_non_utf8_files_are_e100(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "latin1.yaml": "posts:\n  - text: caf\xe9\n".encode("latin-1"),
        },
    )
    assert {(Path(d.file).name, d.code, d.line) for d in result.diagnostics} == {
        ("binary.csv", "E100", 0),
        ("latin1.yaml", "E100", 2),
    }


def test_unknown_fields_typos_error_others_warn(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "cal.yaml": """
            posts:
              - id: a
                at: 2026-12-01 09:00
                timezone: UTC
                platforms: [x]
                account: "@b"
                txt: hello
                campaign: winter
                notes: ignored quietly
                _private: also ignored
            """
        },
    )
    assert found(result) == {("E104", 7), ("W102", 8), ("E202", 2)}
    typo = next(d for d in result.diagnostics if d.code == "E104")
    assert "'text'" in typo.hint


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    post = "posts:\n  - {id: same, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
    result = check(tmp_path, {"a.yaml": post, "b.yaml": post})
    (dup,) = result.diagnostics
    assert (dup.code, Path(dup.file).name, dup.line, dup.entry) == ("E106", "b.yaml", 2, "same")
    assert "a.yaml:2" in dup.message


def test_missing_and_invalid_values(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        {
            "cal.yaml": """
            defaults: {timezone: UTC}
            posts:
              - id: no-platforms
                at: 2026-12-01 09:00
                account: "@b"
                text: hi
              - id: no-time
                platform: x
                account: "@b"
                text: hi
              - id: no-account
                at: 2026-12-01 09:00
                platforms: [x, linkedin]
                account: {x: "@b"}
                text: hi
              - id: wrong-types
                at: 2026-12-01 09:00
                platform: x
                account: [a, b]
                text: [not, text]
                media: {a: b}
                captions: just text
                clip: {job: j1, index: first}
              - id: unused-block
                at: 2026-12-01 09:00
                platform: x
                account: "@b"
                text: hi
                tiktok: {privacyLevel: SELF_ONLY}
            """
        },
    )
    assert found(result) == {
        ("E103", 3),  # no platforms
        ("E103", 7),  # no time
        ("E110", 14),  # no account for linkedin: on the account line
        ("E202", 16),  # wrong-types: its text is unusable and it has no media
        ("E105", 19),  # account is a list
        ("E110", 19),  # ... so X has no account
        ("E105", 20),  # text is a list
        ("E105", 21),  # media is a mapping
        ("E105", 22),  # captions is text
        ("E105", 23),  # clip index is not a number
        ("W103", 29),  # a tiktok block on an X post
    }
