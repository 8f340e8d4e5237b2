"""The reads: accounts, posting options, one page of posts, every page, one post."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.api import (
    NotFound,
    PostItem,
    ScheduledPostItem,
    Status200Client,
    UnexpectedAnswer,
)
from tests.api.conftest import V2, FakeTime, Script, error, settings

PROFILE = "d4e5f6a7-b8c9-0123-def0-234567890123"


def post_item(n: int, **overrides: Any) -> dict[str, Any]:
    """A PostItem with every required field (the OpenAPI file has no list example)."""
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "kind": "post",
        "profile_id": PROFILE,
        "platform": "x",
        "status": "success",
        "done": True,
        "media_type": None,
        "publish_id": f"18412345678901{n:05d}",
        "permalink": f"https://x.com/i/status/{n}",
        "error_message": None,
        "at": "2026-09-28T10:00:00.000Z",
        "updated_at": "2026-09-28T10:00:05.000Z",
        "scheduled_post_id": None,
        **overrides,
    }


def scheduled_item(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "id": f"10000000-0000-4000-8000-{n:012d}",
        "kind": "scheduled_post",
        "profile_id": PROFILE,
        "platforms": ["tiktok"],
        "status": "scheduled",
        "outcome": "waiting",
        "done": False,
        "media_type": "video",
        "at": "2026-10-01T09:00:00+00:00",
        "scheduled_for": "2026-10-01T09:00:00+00:00",
        "created_at": "2026-09-28T10:00:00Z",
        "updated_at": "2026-09-28T10:00:00Z",
        "note": None,
        "error_message": None,
        **overrides,
    }


def page(items: list[dict[str, Any]], cursor: str | None) -> httpx.Response:
    next_url = f"https://status200uploads.com/api/v2/posts?cursor={cursor}" if cursor else None
    return httpx.Response(200, json={"data": items, "next_cursor": cursor, "next_url": next_url})


def test_list_accounts(make_client) -> None:
    body = {
        "data": [
            {
                "profile_id": PROFILE,
                "profile_name": "myprofile",
                "handle": "@myprofile",
                "created_at": "2026-01-01T00:00:00Z",
                "networks": [
                    {
                        "platform": "instagram",
                        "username": "shop",
                        "status": "expired",
                        "health": "reconnect_required",
                        "access_expires_at": None,
                        "connected_at": None,
                        "updated_at": None,
                    },
                    {
                        "platform": "x",
                        "username": "shop",
                        "status": "connected",
                        "health": "ready",
                        "access_expires_at": "2026-12-01T00:00:00Z",
                        "connected_at": None,
                        "updated_at": None,
                    },
                ],
            }
        ],
        "warnings": [{"code": "unknown_parameter", "message": "page is not read"}],
    }
    script = Script().on("GET", f"{V2}/accounts", httpx.Response(200, json=body))
    accounts = make_client(script).list_accounts()
    (account,) = accounts.accounts
    assert (account.profile_id, account.handle) == (PROFILE, "@myprofile")
    x, instagram = account.network("x"), account.network("instagram")
    assert x is not None and x.ready and x.access_expires_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert instagram is not None and not instagram.ready
    assert account.network("tiktok") is None
    assert accounts.warnings[0].code == "unknown_parameter"


def test_posting_options(make_client) -> None:
    body = {
        "data": {
            "profile_id": PROFILE,
            "profile_name": "myprofile",
            "note": None,
            "asked_at": "2026-09-28T10:00:00Z",
            "networks": [
                {
                    "platform": "tiktok",
                    "status": "ok",
                    "options": {"privacy_level_options": ["SELF_ONLY", "PUBLIC_TO_EVERYONE"]},
                    "note": None,
                    "checked_at": "2026-09-28T10:00:00Z",
                    "cached": True,
                    "error_code": None,
                },
                {
                    "platform": "pinterest",
                    "status": "not_connected",
                    "options": None,
                    "note": "Connect Pinterest first",
                    "checked_at": None,
                    "cached": False,
                    "error_code": None,
                },
            ],
        }
    }
    script = Script().on("GET", f"{V2}/accounts/{PROFILE}/options", httpx.Response(200, json=body))
    options = make_client(script).posting_options(PROFILE, ["tiktok", "pinterest"])
    assert script.requests[0].url.params["platforms"] == "tiktok,pinterest"
    tiktok, pinterest = options.network("tiktok"), options.network("pinterest")
    assert tiktok is not None and tiktok.options is not None and tiktok.cached
    assert tiktok.options["privacy_level_options"] == ["SELF_ONLY", "PUBLIC_TO_EVERYONE"]
    assert pinterest is not None and pinterest.options is None
    assert pinterest.note == "Connect Pinterest first"


def test_an_unknown_profile_is_not_found(make_client) -> None:
    script = Script().on("GET", f"{V2}/accounts/{PROFILE}/options", error(404, "account_not_found"))
    with pytest.raises(NotFound):
        make_client(script).posting_options(PROFILE)
    assert len(script.requests) == 1


def test_list_posts_sends_the_filters(make_client) -> None:
    script = Script().on("GET", f"{V2}/posts", page([post_item(1), scheduled_item(2)], None))
    result = make_client(script).list_posts(
        status=["scheduled", "failed"], platform="tiktok", kind="scheduled_post", profile_id=PROFILE
    )
    params = script.requests[0].url.params
    assert dict(params) == {
        "limit": "100",
        "status": "scheduled,failed",
        "platform": "tiktok",
        "kind": "scheduled_post",
        "profile_id": PROFILE,
    }
    post, scheduled = result.items
    assert isinstance(post, PostItem) and post.kind == "post" and post.platform == "x"
    assert isinstance(scheduled, ScheduledPostItem) and scheduled.platforms == ("tiktok",)
    assert scheduled.at == datetime(2026, 10, 1, 9, tzinfo=UTC) and scheduled.outcome == "waiting"
    assert result.next_cursor is None


@given(cursor=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_a_cursor_is_sent_back_exactly_as_received(cursor: str) -> None:
    script = Script().on("GET", f"{V2}/posts", page([], None))
    t = FakeTime()  # a hypothesis test cannot take function-scoped fixtures
    with Status200Client(
        settings(), transport=httpx.MockTransport(script), sleep=t.sleep, clock=t.clock
    ) as client:
        client.list_posts(cursor=cursor)
    assert script.requests[0].url.params["cursor"] == cursor


@pytest.mark.parametrize("limit", [0, 101])
def test_a_page_size_outside_the_api_range_is_refused(limit, make_client) -> None:
    with pytest.raises(ValueError):
        make_client(Script()).list_posts(limit=limit)


def test_iter_posts_follows_the_cursor_to_the_last_page(make_client) -> None:
    pages = {
        None: page([post_item(1), post_item(2)], "c+2/=="),
        "c+2/==": page([scheduled_item(3)], "c3"),
        "c3": page([post_item(4)], None),
    }
    script = Script().on(
        "GET", f"{V2}/posts", lambda request: pages[request.url.params.get("cursor")]
    )
    items = list(make_client(script).iter_posts(platform="x", limit=2))
    assert [item.id[-1] for item in items] == ["1", "2", "3", "4"]
    assert [r.url.params.get("cursor") for r in script.requests] == [None, "c+2/==", "c3"]
    assert {r.url.params["platform"] for r in script.requests} == {"x"}


def test_iter_posts_stops_on_a_cursor_that_repeats(make_client) -> None:
    script = Script().on("GET", f"{V2}/posts", page([post_item(1)], "same"))
    with pytest.raises(UnexpectedAnswer):
        list(make_client(script).iter_posts())
    assert len(script.requests) == 2  # the second page handed back the cursor that fetched it


def test_get_post_reads_figures_and_results(make_client) -> None:
    figures = {
        "metrics": {"views": 10, "likes": None},
        "not_reported": ["saves"],
        "engagement": None,
        "polled_at": None,
        "note": None,
    }
    results = [
        {
            "platform": "tiktok",
            "post_id": None,
            "status": "pending",
            "done": False,
            "publish_id": None,
            "permalink": None,
            "error_message": None,
        }
    ]
    post, scheduled = post_item(1, figures=figures), scheduled_item(2, results=results)
    script = (
        Script()
        .on("GET", f"{V2}/posts/{post['id']}", httpx.Response(200, json={"data": post}))
        .on("GET", f"{V2}/posts/{scheduled['id']}", httpx.Response(200, json={"data": scheduled}))
    )
    client = make_client(script)
    one, two = client.get_post(post["id"]).item, client.get_post(scheduled["id"]).item
    assert isinstance(one, PostItem) and one.figures is not None
    assert one.figures["metrics"]["likes"] is None  # null is not zero
    assert isinstance(two, ScheduledPostItem) and two.results[0].status == "pending"


def test_get_post_of_another_account_is_not_found(make_client) -> None:
    script = Script().on("GET", f"{V2}/posts/{PROFILE}", error(404, "post_not_found"))
    with pytest.raises(NotFound) as caught:
        make_client(script).get_post(PROFILE)
    assert caught.value.code == "post_not_found"


def test_ids_cannot_escape_their_path_segment(make_client) -> None:
    script = Script().on("GET", f"{V2}/posts/../accounts", error(404, "not_found"))
    with pytest.raises(NotFound):
        make_client(script).get_post("../accounts")
    assert script.requests[0].url.raw_path == b"/api/v2/posts/..%2Faccounts"


@pytest.mark.parametrize(
    "body",
    [
        {"data": "nope"},
        {"data": [{"kind": "post"}]},  # no id
        {"data": [{"id": PROFILE, "kind": "reel"}]},  # a kind we do not know
    ],
)
def test_a_page_that_is_not_the_documented_shape_is_unexpected(body, make_client) -> None:
    script = Script().on("GET", f"{V2}/posts", httpx.Response(200, json=body))
    with pytest.raises(UnexpectedAnswer):
        make_client(script).list_posts()
    assert len(script.requests) == 1  # a 2xx is never resent
