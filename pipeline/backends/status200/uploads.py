"""Local files through the media store: each uploaded once, presigned for each import.

The media lane asks for a file's URL just before its import's turn (never while holding the
import pace's ticket: a long upload would bunch the imports after it). The bucket is asked
only for files the API must import again: a file whose import the ledger holds and the API
keeps needs no upload, no presigned URL and no credentials. A fatal store problem (the
credentials, the bucket, a denied write) is kept for the run, so the remaining files fail with
the same line at once instead of asking the bucket again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pipeline.backends.base import Progress
from pipeline.ledger import Ledger
from pipeline.ledger.events import MediaUpload
from pipeline.mediastore import StoreError, StoreSettings
from pipeline.mediastore.store import MediaStore
from pipeline.textsafe import megabytes


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A calendar's local file, as the media store needs it."""

    path: str
    sha256: str
    size: int
    label: str  # what the calendar wrote, for messages


class Uploads:
    """One run's uploads to one store; `uploaded` and `found` count files sent and found."""

    def __init__(
        self,
        settings: StoreSettings,
        ledger: Ledger,
        run: str,
        progress: Progress,
        *,
        store: MediaStore | None = None,
    ) -> None:
        self.settings, self.ledger, self.run, self.progress = settings, ledger, run, progress
        self.store = store or MediaStore(settings)
        self._keys: dict[str, str] = {}  # sha256 -> object key, in the bucket this run
        self._broken: StoreError | None = None
        self._lock = threading.Lock()
        self.uploaded = 0
        self.found = 0
        self.bytes_uploaded = 0

    def fetch_url(self, file: LocalFile) -> str:
        """A presigned GET URL of the file's object, uploading it first unless the bucket has
        it. Raises StoreError (one line naming the bucket); nothing is recorded then."""
        with self._lock:
            if self._broken is not None:
                raise self._broken
            try:
                key = self._keys.get(file.sha256) or self._ensure(file)
                return self.store.presign(key)
            except StoreError as exc:
                if exc.fatal:
                    self._broken = exc
                raise

    def _ensure(self, file: LocalFile) -> str:
        stored = self.store.ensure(
            file.path, file.sha256, file.size, lambda: self.progress.upload(file.label, file.size)
        )
        if stored.uploaded:
            self.ledger.append(
                MediaUpload(
                    run=self.run,
                    sha256=file.sha256,
                    bucket=self.settings.bucket,
                    object_key=stored.key,
                    size=stored.size,
                    parts=stored.parts,
                    seconds=round(stored.seconds, 3),
                )
            )
            self.uploaded += 1
            self.bytes_uploaded += stored.size
            self.progress.note(
                f"uploaded {file.label} to {self.settings.address(stored.key)} "
                f"({megabytes(stored.size)}"
                + (f" in {stored.parts} parts" if stored.parts > 1 else "")
                + ")"
            )
        else:
            self.found += 1
        self._keys[file.sha256] = stored.key
        return stored.key
