"""A file the API no longer has (404 media_not_found): imported again once, every post waits
for that one import, and the posts go out with the new file id."""

from __future__ import annotations

import errno
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.api import Status200Client
from pipeline.backends.status200.media import MediaFailed, MediaItem, MediaLane
from pipeline.ledger import Ledger, MediaRecord
from pipeline.ledger.events import LedgerEvent, MediaIntent, MediaOutcome
from pipeline.plan.keys import media_identity, media_key
from tests.publish.conftest import SCALE, Rig
from tests.publish.test_publish_sandbox import total_created

URL = "https://cdn.example.com/shared.jpg"
GONE = str(uuid.uuid4())  # a file id the service does not have (expired, say)


def _lane(rig: Rig, client: Status200Client, ledger: Ledger) -> MediaLane:
    known = {
        media_identity(None, URL): MediaRecord(
            key=media_identity(None, URL),
            url=URL,
            file_id=GONE,
            status="ready",
            expires_at=datetime.now(UTC) + timedelta(days=3),
        )
    }
    return MediaLane(
        client,
        ledger,
        "test",
        interval=20 * SCALE,
        known=known,
        now=lambda: datetime.now(UTC),
        stop=threading.Event(),
        poll_every=0.05,
    )


def test_two_posts_refreshing_the_same_file_share_one_import(rig: Rig) -> None:
    item = MediaItem(media_identity(None, URL), URL, "shared.jpg")
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"), Status200Client(rig.settings()) as client:
        lane = _lane(rig, client, ledger)
        assert lane.need(item).result() == GONE  # reused from the ledger
        # Two posts (on two network lanes) get 404 media_not_found for GONE, one after the other.
        first = lane.refresh(item.identity, GONE)
        waited_by_first = lane.need(item)
        second = lane.refresh(item.identity, GONE)
        lane.start()
        try:
            fresh = waited_by_first.result(timeout=30)
            assert first.result(timeout=30) == second.result(timeout=30) == fresh != GONE
        finally:
            lane.close()
        # A post that got its 404 after the re-import finished does not import it a third time.
        assert lane.refresh(item.identity, GONE).result(timeout=0) == fresh
    assert lane.imports == 1
    assert sum(rig.counters()["media_imports"].values()) == 1


@pytest.mark.timeout(60)
def test_an_expired_shared_file_is_imported_again_and_every_post_goes_out(rig: Rig) -> None:
    rig.write(
        "defaults: {timezone: UTC, account: '@demo'}\nposts:\n"
        + "".join(
            f"  - {{id: s{i}, at: '2026-12-0{i + 1} 08:00', platform: {net}, text: 'Shared {i}',"
            f" media: ['{URL}']}}\n"
            for i, net in enumerate(("x", "linkedin", "threads", "facebook"))
        )
    )
    ident = media_identity(None, URL)
    ledger = Ledger(rig.ledger_dir)
    with ledger.lock("test"):  # an earlier run imported it; the service has since dropped it
        ledger.append(
            MediaIntent(run="old", key=ident, url=URL, idempotency_key=media_key(ident), attempt=1)
        )
        ledger.append(
            MediaOutcome(
                run="old",
                key=ident,
                url=URL,
                status="ready",
                file_id=GONE,
                expires_at=rig.now() + timedelta(days=3),
            )
        )
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert total_created(rig.counters()) == 4
    assert sum(rig.counters()["media_imports"].values()) == 1
    posts = rig.state().posts
    assert all(GONE not in p.file_ids and p.file_ids for p in posts.values())
    assert rig.state().media[ident].file_id != GONE


class FullDisk(Ledger):
    """A ledger on a disk that filled up: a media event cannot be written."""

    def append_many(self, events: Iterable[LedgerEvent | Mapping[str, Any]]) -> None:
        events = list(events)
        if any(isinstance(e, MediaIntent | MediaOutcome) for e in events):
            raise OSError(errno.ENOSPC, "No space left on device")
        super().append_many(events)


def test_a_media_import_that_cannot_be_recorded_fails_its_posts_instead_of_hanging(
    rig: Rig,
) -> None:
    """Posts wait for their files' futures; a lane that dies without settling one would keep
    its posts' network lanes (and the whole run, or the runner's sync job) waiting for ever."""
    item = MediaItem(media_identity(None, URL), URL, "shared.jpg")
    ledger = FullDisk(rig.ledger_dir)
    with ledger.lock("test"), Status200Client(rig.settings()) as client:
        lane = MediaLane(
            client,
            ledger,
            "test",
            interval=20 * SCALE,
            known={},
            now=lambda: datetime.now(UTC),
            stop=threading.Event(),
        )
        future = lane.need(item)
        lane.start()
        try:
            error = future.exception(timeout=30)
        finally:
            lane.close()
    assert isinstance(error, MediaFailed) and "No space left" in str(error)
    assert sum(rig.counters()["media_imports"].values()) == 0  # intent first: nothing was sent
