"""The media lane: each distinct file imported once, its `file_id` shared by every post using it.

Distinct means the same bytes (a local file's SHA-256) or the same normalised URL. With a media
store, a local file is uploaded (once: uploads.py) and presigned just before its import's turn,
and the ledger names it by its s3:// address, never by the presigned URL. An import the
ledger already holds and the API still keeps is reused across runs; a changed file has a new hash
and is imported again. Imports start at the API's pace (one per 20 s per account), in the order
the posts need them, each `interval` after the previous one *began* (plus what the lane learned:
lanes.py), so an import that takes long to answer does not hold up the next one; a 202
"processing" import is followed with `GET /media` (a read, not throttled by the import pace)
while the lane goes on with the next file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.api import ApiError, MediaImport, Status200Client, Status200Error
from pipeline.backends.lanes import PacedObserver, Pacer, Ticket
from pipeline.backends.record import MediaRecorder
from pipeline.backends.status200.uploads import LocalFile, Uploads
from pipeline.ledger import Ledger, MediaRecord
from pipeline.ledger.events import MediaOutcome
from pipeline.mediastore import StoreError
from pipeline.plan.keys import import_key
from pipeline.textsafe import hide_presigned

#: The API keeps imported files for 7 days (and until the scheduled posts using them go out).
MEDIA_KEPT = timedelta(days=7)


class MediaFailed(Exception):
    """A media item could not be imported; the posts that need it are not sent."""


class StoreFailed(MediaFailed):
    """The media store could not provide the file (one line naming the bucket): the posts that
    need it are held back, nothing about them recorded, and a later run tries again."""


@dataclass(frozen=True, slots=True)
class MediaItem:
    identity: str  # "sha256:<hex>" or "url:<normalised>"
    url: str  # what the API fetches; for a stored file its s3:// address (what the ledger shows)
    label: str  # what the user wrote, for messages
    local: LocalFile | None = None  # uploaded to the media store and presigned for the import


class MediaLane:
    def __init__(
        self,
        client: Status200Client,
        ledger: Ledger,
        run: str,
        *,
        interval: float,
        known: Mapping[str, MediaRecord],
        now: Callable[[], datetime],
        stop: threading.Event,
        poll_every: float = 3.0,
        give_up_after: float = 900.0,
        pacer: Pacer | None = None,
        uploads: Uploads | None = None,
    ) -> None:
        self.client, self.ledger, self.run = client, ledger, run
        self.uploads = uploads
        self.known, self.now, self.stop = known, now, stop
        self.poll_every, self.give_up_after = poll_every, give_up_after
        self.pacer = pacer or Pacer(interval, stop=stop)
        self._futures: dict[str, Future[str]] = {}
        self._items: dict[str, MediaItem] = {}
        self._queue: queue.Queue[MediaItem | None] = queue.Queue()
        # Imports in flight: the next may start before the previous one answered.
        self._importers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="media-import")
        self._waiters = ThreadPoolExecutor(max_workers=2, thread_name_prefix="media-wait")
        self._thread = threading.Thread(target=self._work, name="media-lane", daemon=True)
        self._count_lock = threading.Lock()
        self.imports = 0
        self.reused = 0

    # --- what posts call -------------------------------------------------------------------------

    def need(self, item: MediaItem) -> Future[str]:
        """The file id for `item` (imported at most once per run, in the order first needed)."""
        if item.identity in self._futures:
            return self._futures[item.identity]
        future: Future[str] = Future()
        self._futures[item.identity] = future
        self._items[item.identity] = item
        record = self.known.get(item.identity)
        if record is not None and record.usable(self.now()) and record.file_id:
            self.reused += 1
            future.set_result(record.file_id)
        else:
            self._queue.put(item)
        return future

    def refresh(self, identity: str, stale: str | None = None) -> Future[str]:
        """The API no longer has this file (404 media_not_found for `stale`): import it again.

        Posts on other lanes meet the same 404 at about the same time: they all wait for one
        import, and a 404 for a file id already replaced needs none. (Replacing a future that a
        post already waits for would leave that post, and the run, waiting for ever.)"""
        current = self._futures[identity]
        if not current.done():
            return current  # an import is on its way
        if stale is not None and current.exception() is None and current.result() != stale:
            return current  # imported again already
        item = self._items[identity]
        future: Future[str] = Future()
        self._futures[identity] = future
        self._queue.put(item)
        return future

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """No more items will be needed; wait for the lane and the processing checks to finish."""
        self._queue.put(None)
        self._thread.join()
        self._importers.shutdown(wait=True)  # before the waiters: an import may start one
        self._waiters.shutdown(wait=True)
        for future in self._futures.values():  # stopped before its turn
            if not future.done():
                future.set_exception(MediaFailed("the run stopped before this file was imported"))

    # --- the lane --------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future = self._futures[item.identity]
            if future.done():
                continue
            fetch = self._fetch_url(item, future)
            if fetch is None:
                continue
            ticket = self.pacer.take()
            if ticket is None:
                future.set_exception(MediaFailed("the run stopped before this file was imported"))
                continue
            try:
                self._importers.submit(self._import_one, item, fetch, future, ticket)
            except RuntimeError as exc:  # the pool is shut down: never leave a post waiting
                self.pacer.done(ticket)
                future.set_exception(MediaFailed(f"{item.label}: import not started: {exc}"))

    def _fetch_url(self, item: MediaItem, future: Future[str]) -> str | None:
        """The URL the API fetches the item from: a stored file is uploaded (unless the bucket
        has it) and presigned now, outside the import pace. None: the future holds why not."""
        if item.local is None:
            return item.url
        if self.uploads is None:
            future.set_exception(MediaFailed(f"{item.label}: no media store to upload it to"))
            return None
        try:
            return self.uploads.fetch_url(item.local)
        except StoreError as exc:
            future.set_exception(StoreFailed(str(exc)))
        except Exception as exc:  # e.g. the ledger cannot be written: never leave a post waiting
            future.set_exception(StoreFailed(f"{item.label}: not uploaded: {exc}"))
        return None

    def _import_one(self, item: MediaItem, fetch: str, future: Future[str], ticket: Ticket) -> None:
        try:
            result = self._import(item, fetch, ticket)
        except Status200Error as exc:
            future.set_exception(MediaFailed(f"{item.label}: import failed: {_why(exc)}"))
        except Exception as exc:  # e.g. the ledger cannot be written (a full disk)
            # Posts wait on this future: leaving it unset would hang their lanes for ever.
            future.set_exception(MediaFailed(f"{item.label}: import not completed: {exc}"))
        else:
            if result.ready:
                future.set_result(result.file_id)
            else:
                self._waiters.submit(self._follow, item, result.file_id, future)
        finally:
            self.pacer.done(ticket)

    def _import(self, item: MediaItem, fetch: str, ticket: Ticket) -> MediaImport:
        with self._count_lock:
            self.imports += 1
        key = import_key(item.identity, fetch if fetch != item.url else None)
        recorder = MediaRecorder(
            self.ledger, self.run, key=item.identity, url=item.url, idem_key=key
        )
        observer = PacedObserver[MediaImport](self.pacer, ticket, recorder)
        result = self.client.import_media(fetch, key, observer=observer)
        if result.ready:
            self._record_ready(item, result.file_id, result.size, result.type)
        return result

    def _record_ready(
        self, item: MediaItem, file_id: str, size: int | None, kind: str | None
    ) -> None:
        self.ledger.append(
            MediaOutcome(
                run=self.run,
                key=item.identity,
                url=item.url,
                status="ready",
                file_id=file_id,
                size=size,
                media_type=kind,
                expires_at=self.now() + MEDIA_KEPT,
            )
        )

    def _follow(self, item: MediaItem, file_id: str, future: Future[str]) -> None:
        try:
            self._follow_status(item, file_id, future)
        except Exception as exc:  # as in _work: never leave a post waiting
            if not future.done():
                future.set_exception(MediaFailed(f"{item.label}: status not followed: {exc}"))

    def _follow_status(self, item: MediaItem, file_id: str, future: Future[str]) -> None:
        try:
            status = self.client.wait_for_media(
                file_id, poll_every=self.poll_every, give_up_after=self.give_up_after
            )
        except Status200Error as exc:
            future.set_exception(MediaFailed(f"{item.label}: status check failed: {_why(exc)}"))
            return
        if status.ready:
            self._record_ready(item, file_id, status.size, status.type)
            future.set_result(file_id)
            return
        self.ledger.append(
            MediaOutcome(
                run=self.run,
                key=item.identity,
                url=item.url,
                status="failed" if status.failed else "processing",
                file_id=file_id,
                error_message=status.error,
            )
        )
        reason = status.error or ("still processing" if not status.failed else "failed")
        future.set_exception(MediaFailed(f"{item.label}: {reason}"))


def _why(exc: Status200Error) -> str:
    """The API's words, without a presigned URL's query string should they quote one."""
    if isinstance(exc, ApiError):
        return hide_presigned(f"{exc.code}: {exc.message}" if exc.code else exc.message)
    return hide_presigned(str(exc))
