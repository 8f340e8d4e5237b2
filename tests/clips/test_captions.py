"""Caption fallbacks: the calendar first, then the clip's fields in the documented order; the
2,200 and 100 limits counted on the text that will really be used, exactly at the boundary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.rules.clip_captions import CALENDAR, ClipText, over_limits, resolve
from tests.clips.conftest import entry

FULL = {
    "title": "clip title",
    "description": "clip description",
    "tiktok_title": "tiktok title",
    "video_description_for_tiktok": "tiktok description",
    "instagram_title": "instagram title",
    "video_description_for_instagram": "instagram description",
    "youtube_title": "youtube title",
    "video_title_for_youtube_short": "ai short title",
    "youtube_description": "youtube description",
    "video_description": "video description",
}


def _without(*names: str) -> dict[str, str]:
    return {k: v for k, v in FULL.items() if k not in names}


@pytest.mark.parametrize(
    ("platform", "fields", "caption", "source"),
    [
        ("tiktok", FULL, "tiktok title", "clip.tiktok_title"),
        (
            "tiktok",
            _without("tiktok_title"),
            "tiktok description",
            "clip.video_description_for_tiktok",
        ),
        (
            "tiktok",
            _without("tiktok_title", "video_description_for_tiktok"),
            "clip description",
            "clip.description",
        ),
        ("instagram", FULL, "instagram title", "clip.instagram_title"),
        (
            "instagram",
            _without("instagram_title"),
            "instagram description",
            "clip.video_description_for_instagram",
        ),
        (
            "instagram",
            _without("instagram_title", "video_description_for_instagram"),
            "clip description",
            "clip.description",
        ),
        ("youtube", FULL, "youtube description", "clip.youtube_description"),
        ("youtube", _without("youtube_description"), "video description", "clip.video_description"),
        (
            "youtube",
            _without("youtube_description", "video_description"),
            "clip description",
            "clip.description",
        ),
        (
            "tiktok",
            {"tiktok_title": "  ", "description": "d"},
            "d",
            "clip.description",
        ),  # blank skipped
        ("instagram", {}, None, None),
    ],
)
def test_caption_fallbacks(
    platform: str, fields: dict[str, str], caption: str | None, source: str | None
) -> None:
    text = resolve(entry(), platform, fields)
    assert (text.caption, text.caption_source) == (caption, source)


@pytest.mark.parametrize(
    ("fields", "title", "source"),
    [
        (FULL, "youtube title", "clip.youtube_title"),
        (_without("youtube_title"), "ai short title", "clip.video_title_for_youtube_short"),
        (_without("youtube_title", "video_title_for_youtube_short"), "clip title", "clip.title"),
        ({}, None, None),
    ],
)
def test_youtube_title_fallbacks(
    fields: dict[str, str], title: str | None, source: str | None
) -> None:
    text = resolve(entry(), "youtube", fields)
    assert (text.title, text.title_source) == (title, source)
    assert resolve(entry(), "tiktok", fields).title is None  # only YouTube shows a title


def test_the_calendar_comes_first() -> None:
    e = entry(text="shared", title="My title", captions={"instagram": "for instagram"})
    assert resolve(e, "tiktok", FULL).caption == "shared"
    assert resolve(e, "instagram", FULL).caption == "for instagram"
    youtube = resolve(e, "youtube", FULL)
    assert (youtube.caption, youtube.caption_source) == ("shared", CALENDAR)
    assert (youtube.title, youtube.title_source) == ("My title", CALENDAR)
    # Blank calendar text does not count: the clip's own fields are used.
    assert resolve(entry(text="   "), "tiktok", FULL).caption == "tiktok title"


@pytest.mark.parametrize(("platform", "limit"), [("tiktok", 2200), ("instagram", 2200)])
def test_caption_limit_at_the_boundary(platform: str, limit: int) -> None:
    assert over_limits(resolve(entry(text="é" * limit), platform)) == []
    over = over_limits(resolve(entry(text="é" * (limit + 1)), platform))
    assert [(o.what, o.size, o.limit, o.source) for o in over] == [
        ("caption", limit + 1, limit, CALENDAR)
    ]
    # The fallback text is measured the same way.
    fields = {f"{platform}_title": "x" * (limit + 1)}
    assert [o.source for o in over_limits(resolve(entry(), platform, fields))] == [
        f"clip.{platform}_title"
    ]


def test_youtube_title_limit_at_the_boundary_and_no_caption_limit() -> None:
    assert over_limits(resolve(entry(title="t" * 100), "youtube")) == []
    over = over_limits(resolve(entry(title="t" * 101), "youtube"))
    assert [(o.what, o.size, o.limit) for o in over] == [("title", 101, 100)]
    fallback = over_limits(
        resolve(entry(), "youtube", {"video_title_for_youtube_short": "a" * 101})
    )
    assert [o.source for o in fallback] == ["clip.video_title_for_youtube_short"]
    assert over_limits(resolve(entry(text="d" * 5000), "youtube")) == []  # the page names none


@given(
    calendar=st.one_of(st.none(), st.text(max_size=30)),
    clip_text=st.one_of(st.none(), st.text(max_size=30)),
    platform=st.sampled_from(["tiktok", "instagram", "youtube"]),
)
def test_the_calendar_wins_whenever_it_says_something(
    calendar: str | None, clip_text: str | None, platform: str
) -> None:
    fields = {"description": clip_text} if clip_text is not None else {}
    text = resolve(entry(text=calendar), platform, fields)
    if calendar is not None and calendar.strip():
        assert (text.caption, text.caption_source) == (calendar, CALENDAR)
    elif clip_text is not None and clip_text.strip():
        assert (text.caption, text.caption_source) == (clip_text, "clip.description")
    else:
        assert text.caption is None and text.caption_source is None


@given(
    size=st.integers(min_value=0, max_value=2300), platform=st.sampled_from(["tiktok", "instagram"])
)
def test_over_limits_iff_longer_than_the_limit(size: int, platform: str) -> None:
    text = ClipText(platform, "a" * size, CALENDAR)
    assert bool(over_limits(text)) == (size > 2200)
