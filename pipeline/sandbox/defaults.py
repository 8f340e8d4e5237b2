"""What a profile's networks are like unless the config says otherwise: the posting options
GET /accounts/{id}/options answers, and the file limits behind 413 MEDIA_TOO_LARGE."""

from __future__ import annotations

from typing import Any

#: Per-network file limits for 413 MEDIA_TOO_LARGE. The OpenAPI file gives no values ("each
#: network's own limit shows up as 413"), so these are stand-ins; None = the network takes none.
DEFAULT_FILE_LIMITS: dict[str, tuple[int | None, int | None]] = {
    # platform: (max_image_bytes, max_video_bytes)
    "tiktok": (20_000_000, 4_000_000_000),
    "instagram": (8_000_000, 1_000_000_000),
    "facebook": (10_000_000, 4_000_000_000),
    "youtube": (None, 5_000_000_000),
    "x": (5_000_000, 512_000_000),
    "linkedin": (10_000_000, 5_000_000_000),
    "pinterest": (20_000_000, None),
    "threads": (8_000_000, 1_000_000_000),
    "skool": (20_000_000, 1_000_000_000),
}


def default_options(platform: str, profile_name: str) -> dict[str, Any]:
    """What GET /accounts/{id}/options answers for a network unless the config says otherwise."""
    if platform == "tiktok":
        return {
            "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
            "comment_disabled": False,
            "duet_disabled": False,
            "stitch_disabled": False,
            "max_video_post_duration_sec": 600,
            "creator_username": profile_name,
            "creator_nickname": profile_name.title(),
        }
    if platform == "pinterest":
        return {
            "boards": [
                {"id": "900123", "name": "Recipes", "privacy": "PUBLIC", "pin_count": 12},
                {"id": "900124", "name": "Behind the scenes", "privacy": "PUBLIC", "pin_count": 3},
            ]
        }
    if platform == "facebook":
        return {
            "page_id": "123456789012345",
            "page_name": f"{profile_name.title()} Page",
            "category": "Brand",
            "followers": 1200,
        }
    if platform == "instagram":
        return {"posts_allowed": 100, "window_hours": 24}
    if platform == "skool":
        return {
            "groups": [{"id": "grp_sandbox", "slug": "sandbox-community", "name": "Sandbox"}],
            "labels": [{"id": "lbl_news", "name": "News"}, {"id": "lbl_wins", "name": "Wins"}],
        }
    if platform == "youtube":
        return {
            "categories": [
                {"id": "22", "name": "People & Blogs"},
                {"id": "27", "name": "Education"},
                {"id": "28", "name": "Science & Technology"},
            ],
            "privacy_status_options": ["public", "unlisted", "private"],
            "tags_max_characters": 500,
        }
    return {}
