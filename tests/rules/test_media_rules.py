"""Media rules: required media, counts, kinds, sizes, durations, shapes, per post type."""

from __future__ import annotations

import pytest

from pipeline.rules.table import RulesTable
from tests.rules.conftest import (
    GIF,
    IMAGE,
    MISSING,
    PNG,
    TALL,
    VIDEO,
    Facts,
    RuleRunner,
    codes,
    video,
)

AT = "at: 2026-12-01 09:00\ntext: caption"


def many(n: int, name: str = "i") -> str:
    return "[" + ", ".join(f"{name}{k}.jpg" for k in range(n)) + "]"


def images(n: int, facts: Facts = IMAGE) -> dict[str, Facts]:
    return {f"i{k}.jpg": facts for k in range(n)}


@pytest.mark.parametrize("platform", ["instagram", "pinterest", "youtube", "tiktok"])
def test_media_required(rules: RuleRunner, platform: str) -> None:
    diags = rules(f"{AT}\nplatform: {platform}\npinterest: {{boardId: '1'}}")
    assert "E301" in codes(diags, platform)


@pytest.mark.parametrize("platform", ["x", "linkedin", "threads", "facebook", "skool"])
def test_media_optional(rules: RuleRunner, platform: str) -> None:
    diags = rules(f"{AT}\nplatform: {platform}\ntitle: t\nskool: {{group: g}}")
    assert "E301" not in codes(diags)


def test_instagram_carousel_counts(rules: RuleRunner) -> None:
    assert codes(rules(f"{AT}\nplatform: instagram\nmedia: {many(10)}", images(10))) == []
    assert codes(rules(f"{AT}\nplatform: instagram\nmedia: {many(11)}", images(11))) == ["E308"]
    one = rules(
        f"{AT}\nplatform: instagram\nmedia: {many(1)}\ninstagram: {{postType: carousel}}", images(1)
    )
    assert codes(one) == ["E309"]


def test_instagram_reel_needs_one_video_of_3s_to_15min(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: instagram\nmedia: [v.mp4]"
    assert codes(rules(base, {"v.mp4": video(3)})) == []
    assert codes(rules(base, {"v.mp4": video(2.9)})) == ["E306"]
    assert codes(rules(base, {"v.mp4": video(900)})) == []
    assert codes(rules(base, {"v.mp4": video(900.5)})) == ["E307"]
    image_reel = rules(
        f"{AT}\nplatform: instagram\nmedia: [i0.jpg]\ninstagram: {{postType: reel}}", images(1)
    )
    assert codes(image_reel) == ["E311"]


def test_instagram_feed_aspect_ratio(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: instagram\nmedia: [i0.jpg]"
    assert codes(rules(base, images(1, Facts(width=1080, height=1350)))) == []  # 4:5
    assert codes(rules(base, images(1, Facts(width=1080, height=566)))) == []  # 1.91:1
    assert codes(rules(base, images(1, TALL))) == ["E312"]  # 9:16 is for stories
    story = f"{base}\ninstagram: {{postType: story}}"
    assert codes(rules(story, images(1, TALL))) == []


def test_facebook_reel_3_to_90s(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: facebook\nmedia: [v.mp4]\nfacebook: {{postType: reel}}"
    assert codes(rules(base, {"v.mp4": video(90)})) == []
    assert codes(rules(base, {"v.mp4": video(91)})) == ["E307"]
    assert codes(rules(base, {"v.mp4": video(2)})) == ["E306"]
    text_with_media = rules(
        f"{AT}\nplatform: facebook\nmedia: [i0.jpg]\nfacebook: {{postType: text}}", images(1)
    )
    assert codes(text_with_media) == ["E308"]


def test_x_four_images_or_one_video(rules: RuleRunner) -> None:
    assert codes(rules(f"{AT}\nplatform: x\nmedia: {many(4)}", images(4))) == []
    assert codes(rules(f"{AT}\nplatform: x\nmedia: {many(5)}", images(5))) == ["E308"]
    mixed = rules(f"{AT}\nplatform: x\nmedia: [i0.jpg, v.mp4]", {**images(1), "v.mp4": VIDEO})
    assert codes(mixed) == ["E310"]
    two_videos = rules(
        f"{AT}\nplatform: x\nmedia: [a.mp4, b.mp4]", {"a.mp4": VIDEO, "b.mp4": VIDEO}
    )
    assert codes(two_videos) == ["E308"]


def test_x_image_size_limit(rules: RuleRunner) -> None:
    base = f"{AT}\nplatform: x\nmedia: [i0.jpg]"
    assert codes(rules(base, images(1, Facts(size_bytes=5 * 1024 * 1024)))) == []
    assert codes(rules(base, images(1, Facts(size_bytes=5 * 1024 * 1024 + 1)))) == ["E305"]


def test_api_import_limits_apply_everywhere(rules: RuleRunner) -> None:
    big_image = Facts(size_bytes=20 * 1024 * 1024 + 1)
    assert codes(rules(f"{AT}\nplatform: linkedin\nmedia: [i0.jpg]", images(1, big_image))) == [
        "E305"
    ]
    big_video = video(30, size=5 * 1024**3 + 1)
    assert codes(rules(f"{AT}\nplatform: linkedin\nmedia: [v.mp4]", {"v.mp4": big_video})) == [
        "E305"
    ]


def test_tiktok_video_or_up_to_35_images_not_mixed(rules: RuleRunner) -> None:
    opts = "\ntiktok: {privacyLevel: PUBLIC_TO_EVERYONE}"
    assert codes(rules(f"{AT}\nplatform: tiktok\nmedia: {many(35)}{opts}", images(35))) == []
    assert codes(rules(f"{AT}\nplatform: tiktok\nmedia: {many(36)}{opts}", images(36))) == ["E308"]
    mixed = rules(
        f"{AT}\nplatform: tiktok\nmedia: [i0.jpg, v.mp4]{opts}", {**images(1), "v.mp4": VIDEO}
    )
    assert "E310" in codes(mixed)
    png = rules(f"{AT}\nplatform: tiktok\nmedia: [i0.jpg]{opts}", images(1, PNG))
    assert codes(png) == ["W301"]


def test_linkedin_video_must_be_alone(rules: RuleRunner) -> None:
    mixed = rules(
        f"{AT}\nplatform: linkedin\nmedia: [i0.jpg, v.mp4]", {**images(1), "v.mp4": VIDEO}
    )
    assert codes(mixed) == ["E310"]
    assert codes(rules(f"{AT}\nplatform: linkedin\nmedia: {many(20)}", images(20))) == []
    assert codes(rules(f"{AT}\nplatform: linkedin\nmedia: {many(21)}", images(21))) == ["E308"]


def test_pinterest_one_image_youtube_one_video(rules: RuleRunner) -> None:
    pin = rules(
        f"{AT}\nplatform: pinterest\nmedia: [v.mp4]\npinterest: {{boardId: '1'}}", {"v.mp4": VIDEO}
    )
    assert codes(pin) == ["E311"]
    yt = rules(
        f"{AT}\nplatform: youtube\ntitle: t\nmedia: [i0.jpg]\nyoutube: {{privacyStatus: public}}",
        images(1),
    )
    assert codes(yt) == ["E311"]


def test_threads_up_to_20_files(rules: RuleRunner) -> None:
    assert codes(rules(f"{AT}\nplatform: threads\nmedia: {many(20)}", images(20))) == []
    assert codes(rules(f"{AT}\nplatform: threads\nmedia: {many(21)}", images(21))) == ["E308"]


def test_file_problems_are_reported_once_per_entry(rules: RuleRunner) -> None:
    diags = rules(
        f"{AT}\nplatforms: [x, linkedin, threads]\nmedia: [gone.jpg]", {"gone.jpg": MISSING}
    )
    assert [(d.code, d.platform) for d in diags] == [("E302", None)]
    diags = rules(f"{AT}\nplatforms: [x, linkedin]\nmedia: [anim.jpg]", {"anim.jpg": GIF})
    assert [(d.code, d.platform) for d in diags] == [("E304", None)]
    broken = Facts(error="the file is truncated")
    diags = rules(f"{AT}\nplatform: x\nmedia: [bad.jpg]", {"bad.jpg": broken})
    assert codes(diags) == ["E313"]


def test_media_paths_outside_the_project_and_bad_urls(rules: RuleRunner) -> None:
    diags = rules(f"{AT}\nplatform: x\nmedia: [../../etc/passwd]")
    assert codes(diags) == ["E303"]
    diags = rules(f"{AT}\nplatform: x\nmedia: ['ftp://host/a.jpg', 'https://host:8443/a.jpg']")
    assert codes(diags) == ["E314", "E314"]
    url_ok = rules(
        f"{AT}\nplatform: youtube\ntitle: t\nyoutube: {{privacyStatus: public}}\nmedia: ['https://cdn.example.com/v.mp4']"
    )
    assert codes(url_ok) == []
    url_kind = rules(
        f"{AT}\nplatform: youtube\ntitle: t\nyoutube: {{privacyStatus: public}}\nmedia: ['https://cdn.example.com/a.png']"
    )
    assert codes(url_kind) == ["E311"]


def test_project_overrides_change_limits(rules: RuleRunner) -> None:
    table = RulesTable().with_overrides(
        {"instagram.reel": {"video_max_s": 90}, "x": {"text_max": 25000}}
    )
    diags = rules(f"{AT}\nplatform: instagram\nmedia: [v.mp4]", {"v.mp4": video(120)}, table=table)
    assert codes(diags) == ["E307"]
    assert codes(rules(f"at: 2026-12-01 09:00\nplatform: x\ntext: {'a' * 1000}", table=table)) == []
    assert table.for_post("instagram", "reel").sources["video_max_s"].startswith("pipeline.yaml")
