"""A client no one here wrote: the service's official Python SDK (status200uploads), pointed at
the sandbox, lists accounts, imports media, publishes, schedules, replays with an
Idempotency-Key, lists and cancels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from status200uploads import Status200

from tests.sandbox.media_files import static_server, write_samples
from tests.sandbox_handle import running_sandbox


def test_the_official_sdk_works_against_the_sandbox(tmp_path: Path) -> None:
    files = write_samples(tmp_path)
    with static_server(tmp_path) as files_url, running_sandbox(time_scale=0.01) as sandbox:
        s200 = Status200(api_key=sandbox.api_key, base_url=sandbox.api_base, max_wait=5)
        with s200:
            accounts = s200.list_accounts()
            assert [a["handle"] for a in accounts] == ["@demo"]
            assert len(accounts[0]["networks"]) == 9

            media = s200.import_media(f"{files_url}/photo.jpg")
            assert media["status"] == "ready"
            assert media["type"] == "image/jpeg" and media["size"] == len(files["photo.jpg"])
            assert s200.get_media(media["file_id"])["status"] == "ready"

            photo = {
                "accountId": "@demo",
                "platform": "instagram",
                "content": {"text": "A photo", "mediaID": [media["file_id"]]},
            }
            published = s200.publish(photo)
            assert published.status_code == 200 and published.status200 is not None
            post_id = published.status200.post_id
            assert s200.get_post(published)["status"] == "processing"

            later = datetime.now(UTC) + timedelta(hours=2)
            text = {"accountId": "@demo", "platform": "linkedin", "content": {"text": "Later"}}
            scheduled = s200.publish(text, scheduled_for=later)
            assert scheduled.status_code == 202 and scheduled.code == "scheduled"

            entry = {"accountId": "@demo", "platform": "x", "content": {"text": "Exactly once"}}
            first = s200.publish(entry, idempotency_key="calendar/entry-7/x")
            again = s200.publish(entry, idempotency_key="calendar/entry-7/x")
            assert not first.replayed and again.replayed
            assert again.raw == first.raw

            listed = {item["id"] for item in s200.iter_posts(page_size=2)}
            assert first.status200 is not None and scheduled.status200 is not None
            expected = {post_id, first.status200.post_id, scheduled.status200.scheduled_post_id}
            assert expected <= listed
            assert len(listed) == 3  # the replay posted nothing

            cancelled = s200.cancel(scheduled)
            assert cancelled["status"] == "cancelled" and "already_cancelled" not in cancelled
            assert s200.cancel(scheduled)["already_cancelled"] is True
    assert sandbox.sandbox.state.counters["posts_created|demo"] == 2
