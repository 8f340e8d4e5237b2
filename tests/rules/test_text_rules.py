"""Caption, hashtag, title and option rules, each at its boundary."""

from __future__ import annotations

import pytest

from tests.rules.conftest import IMAGE, VIDEO, RuleRunner, codes

AT = "at: 2026-12-01 09:00"


@pytest.mark.parametrize(
    ("platform", "limit", "media"),
    [
        ("instagram", 2200, "[a.jpg]"),
        ("facebook", 63206, "[]"),
        ("linkedin", 3000, "[]"),
        ("threads", 500, "[]"),
        ("pinterest", 800, "[a.jpg]"),
        ("tiktok", 2200, "[v.mp4]"),
    ],
)
def test_caption_length_at_the_boundary(
    rules: RuleRunner, platform: str, limit: int, media: str
) -> None:
    extra = "\npinterest: {boardId: '1'}\ntiktok: {privacyLevel: SELF_ONLY}"
    facts = {"a.jpg": IMAGE, "v.mp4": VIDEO}
    ok = rules(f"{AT}\nplatform: {platform}\ntext: {'a' * limit}\nmedia: {media}{extra}", facts)
    assert "E201" not in codes(ok)
    over = rules(
        f"{AT}\nplatform: {platform}\ntext: {'a' * (limit + 1)}\nmedia: {media}{extra}", facts
    )
    assert codes(over).count("E201") == 1


def test_x_counts_weighted_units(rules: RuleRunner) -> None:
    assert "E201" not in codes(rules(f"{AT}\nplatform: x\ntext: {'好' * 140}"))
    assert "E201" in codes(rules(f"{AT}\nplatform: x\ntext: {'好' * 141}"))
    # A URL counts 23 whatever its length.
    long_url = "https://example.com/" + "p" * 200
    assert "E201" not in codes(rules(f"{AT}\nplatform: x\ntext: '{long_url} {'a' * 256}'"))


def test_youtube_description_counts_bytes(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: youtube\ntitle: T\nmedia: [v.mp4]\nyoutube: {{privacyStatus: public}}"
    assert "E201" not in codes(rules(f"{base}\ntext: {'é' * 2500}", {"v.mp4": VIDEO}))
    assert "E201" in codes(rules(f"{base}\ntext: {'é' * 2501}", {"v.mp4": VIDEO}))


def test_per_platform_override_is_what_counts(rules: RuleRunner) -> None:
    diags = rules(f"{AT}\nplatforms: [x, linkedin]\ntext: {'a' * 400}\ncaptions: {{x: short}}")
    assert codes(diags) == []
    diags = rules(f"{AT}\nplatforms: [x, linkedin]\ntext: {'a' * 400}")
    (too_long,) = [d for d in diags if d.code == "E201"]
    assert too_long.platform == "x" and "captions" in too_long.hint


def test_x_text_option_overrides_the_caption(rules: RuleRunner) -> None:
    diags = rules(f"{AT}\nplatform: x\ntext: {'a' * 400}\nx: {{text: short}}")
    assert "E201" not in codes(diags)


def test_text_required_without_media(rules: RuleRunner) -> None:
    assert codes(rules(f"{AT}\nplatform: linkedin")) == ["E202"]
    assert codes(rules(f"{AT}\nplatform: linkedin\ntext: '   '")) == ["E202"]
    assert codes(rules(f"{AT}\nplatform: linkedin\nmedia: [a.jpg]", {"a.jpg": IMAGE})) == []


def test_instagram_hashtags(rules: RuleRunner) -> None:
    tags30 = " ".join(f"#t{i}" for i in range(30))
    assert "E203" not in codes(
        rules(f"{AT}\nplatform: instagram\nmedia: [a.jpg]\ntext: '{tags30}'", {"a.jpg": IMAGE})
    )
    tags31 = tags30 + " #more"
    assert "E203" in codes(
        rules(f"{AT}\nplatform: instagram\nmedia: [a.jpg]\ntext: '{tags31}'", {"a.jpg": IMAGE})
    )
    # An HTML entity or a URL fragment is not a hashtag.
    assert "E203" not in codes(
        rules(
            f"{AT}\nplatform: instagram\nmedia: [a.jpg]\ntext: '{tags30} &#39; x.com/a#b'",
            {"a.jpg": IMAGE},
        )
    )


def test_titles(rules: RuleRunner) -> None:
    yt = f"{AT}\nplatform: youtube\nmedia: [v.mp4]\nyoutube: {{privacyStatus: public}}\ntext: d"
    facts = {"v.mp4": VIDEO}
    assert codes(rules(f"{yt}\ntitle: {'t' * 100}", facts)) == []
    assert codes(rules(f"{yt}\ntitle: {'t' * 101}", facts)) == ["W203"]
    assert codes(rules(yt, facts)) == ["W204"]
    skool = f"{AT}\nplatform: skool\ntext: hi\nskool: {{group: g1}}"
    assert codes(rules(skool)) == ["E204"]
    assert codes(rules(f"{skool}\ntitle: Welcome")) == []
    pin = f"{AT}\nplatform: pinterest\nmedia: [a.jpg]\npinterest: {{boardId: '9'}}\ntext: d"
    assert codes(rules(f"{pin}\ntitle: {'t' * 101}", {"a.jpg": IMAGE})) == ["W203"]


def test_required_options_and_private_defaults(rules: RuleRunner) -> None:
    assert codes(
        rules(f"{AT}\nplatform: pinterest\nmedia: [a.jpg]\ntext: d", {"a.jpg": IMAGE})
    ) == ["E113"]
    assert codes(rules(f"{AT}\nplatform: skool\ntext: d\ntitle: t")) == ["E113"]
    assert codes(rules(f"{AT}\nplatform: tiktok\nmedia: [v.mp4]\ntext: d", {"v.mp4": VIDEO})) == [
        "W201"
    ]
    yt = f"{AT}\nplatform: youtube\nmedia: [v.mp4]\ntext: d\ntitle: t"
    assert codes(rules(yt, {"v.mp4": VIDEO})) == ["W202"]


def test_youtube_tags_counted_youtubes_way(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: youtube\nmedia: [v.mp4]\ntext: d\ntitle: t\nyoutube:\n  privacyStatus: public\n  tags: "
    # 50 tags of 9 chars + 49 commas = 499; one with a space adds its quotes (2).
    ok = [f"'{'a' * 9}'"] * 50
    assert codes(rules(base + "[" + ", ".join(ok) + "]", {"v.mp4": VIDEO})) == []
    spaced = [*ok[:-1], "'aaaa bbbb'"]  # 9 chars + 1 + 2 quotes -> 502 in all
    assert codes(rules(base + "[" + ", ".join(spaced) + "]", {"v.mp4": VIDEO})) == ["E207"]


def test_pinterest_link_length(rules: RuleRunner) -> None:
    base = (
        f"{AT}\nplatform: pinterest\nmedia: [a.jpg]\ntext: d\npinterest:\n  boardId: '1'\n  link: "
    )
    assert codes(rules(base + "https://e.com/" + "a" * (2048 - 14), {"a.jpg": IMAGE})) == []
    assert codes(rules(base + "https://e.com/" + "a" * (2049 - 14), {"a.jpg": IMAGE})) == ["E208"]


def test_unknown_options_and_values(rules: RuleRunner) -> None:
    diags = rules(
        f"{AT}\nplatform: tiktok\nmedia: [v.mp4]\ntext: d\n"
        "tiktok: {privacylevel: PUBLIC_TO_EVERYONE, disabledComments: 'yes'}",
        {"v.mp4": VIDEO},
    )
    found = {d.code: d for d in diags}
    assert set(found) == {"E108", "E109", "W201"}
    assert "privacyLevel" in found["E108"].hint
    diags = rules(f"{AT}\nplatform: x\ntext: d\nx: {{whoCanReply: friends}}")
    assert codes(diags) == ["E109"]


def test_a_title_the_api_would_refuse_is_an_error(rules: RuleRunner) -> None:
    """With `title_cut: false` (a project that wants titles to fit), a long title is E205."""
    from pipeline.rules.table import RulesTable

    table = RulesTable().with_overrides({"youtube": {"title_cut": False}})
    yt = f"{AT}\nplatform: youtube\nmedia: [v.mp4]\nyoutube: {{privacyStatus: public}}\ntext: d"
    assert codes(rules(f"{yt}\ntitle: {'t' * 101}", {"v.mp4": VIDEO}, table=table)) == ["E205"]
    assert codes(rules(f"{yt}\ntitle: {'t' * 100}", {"v.mp4": VIDEO}, table=table)) == []
