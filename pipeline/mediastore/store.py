"""The bucket itself, through boto3: HEAD before PUT, multipart uploads, presigned GETs.

boto3 is imported when the first file must be uploaded or presigned (or `validate --online`
checks the store): a run whose files the API still holds asks the bucket nothing and needs no
credentials. The credentials are boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_SESSION_TOKEN, AWS_PROFILE and its files); they are never read or shown here.

An upload is done only once boto3 says so and a HEAD finds the object at its full size: PUT and
CompleteMultipartUpload are atomic, so a cut upload leaves no object (a multipart upload that
fails is aborted by the transfer manager; one killed with the process is cleaned by the
bucket's AbortIncompleteMultipartUpload rule, README) and the next attempt starts again.
"""

from __future__ import annotations

import math
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.mediastore.errors import StoreError, explain
from pipeline.mediastore.settings import StoreSettings

#: Files from this size go up in parts of PART_SIZE, four at a time (boto3's transfer manager).
MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class Stored:
    """A file in the bucket: `uploaded` False when a HEAD found it there already."""

    key: str
    size: int
    uploaded: bool
    parts: int = 0  # 1 for a single PUT, N for a multipart upload, 0 when nothing was sent
    seconds: float = 0.0


class MediaStore:
    """One bucket and key prefix, for one run (the boto3 client is made at the first call)."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._making = threading.Lock()

    def _s3(self) -> Any:
        with self._making:
            if self._client is None:
                import boto3
                from botocore.config import Config

                path_style = self.settings.endpoint_url is not None  # MinIO, moto: path-style
                self._client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.settings.endpoint_url,
                    region_name=self.settings.region,
                    config=Config(
                        signature_version="s3v4",
                        retries={"mode": "standard", "max_attempts": 4},
                        s3={"addressing_style": "path" if path_style else "auto"},
                        connect_timeout=10,
                        read_timeout=60,
                    ),
                )
        return self._client

    def check(self) -> None:
        """One cheap call (HeadBucket): the credentials work and the bucket is there."""
        try:
            self._s3().head_bucket(Bucket=self.settings.bucket)
        except Exception as exc:
            raise self._failure(exc, "check") from None

    def ensure(
        self,
        path: str,
        sha256: str,
        size: int,
        start_bar: Callable[[], Callable[[int], None]] | None = None,
    ) -> Stored:
        """The file's object, uploaded unless a HEAD finds it at its size already.
        `start_bar` is called when an upload starts; boto3 calls what it returns with each
        chunk's bytes (from its threads)."""
        key = self.settings.object_key(sha256, path)
        if self._present(key, size):
            return Stored(key, size, uploaded=False)
        from boto3.s3.transfer import TransferConfig

        on_bytes = start_bar() if start_bar is not None else None
        started = time.monotonic()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        try:
            self._s3().upload_file(
                path,
                self.settings.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(
                    multipart_threshold=MULTIPART_THRESHOLD,
                    multipart_chunksize=PART_SIZE,
                    max_concurrency=CONCURRENCY,
                ),
                Callback=on_bytes,
            )
        except Exception as exc:
            raise self._failure(exc, "upload") from None
        if not self._present(key, size):
            raise StoreError(
                f"media store {self.settings.url}: {key} is not in the bucket at its full size "
                f"({size:,} bytes) after the upload; tried again on the next run",
                fatal=False,
            )
        parts = math.ceil(size / PART_SIZE) if size >= MULTIPART_THRESHOLD else 1
        return Stored(key, size, uploaded=True, parts=parts, seconds=time.monotonic() - started)

    def presign(self, key: str) -> str:
        """A GET URL for the API to fetch the object with, for `presign_expires` seconds. Its
        query string is a credential: it goes in the import request and nowhere else."""
        try:
            url: str = self._s3().generate_presigned_url(
                "get_object",
                Params={"Bucket": self.settings.bucket, "Key": key},
                ExpiresIn=self.settings.presign_expires,
            )
        except Exception as exc:
            raise self._failure(exc, "presign") from None
        return url

    def _present(self, key: str, size: int) -> bool:
        """The object is there at its size. 404 is "not there" (or no bucket), and so is 403:
        without s3:ListBucket, which the least policy leaves out, S3 answers a missing object
        with 403. The upload then says what is wrong, with a code (a HEAD answer has none)."""
        try:
            head = self._s3().head_object(Bucket=self.settings.bucket, Key=key)
        except Exception as exc:
            failure = self._failure(exc, "head")
            if _status(exc) in (403, 404):
                return False
            raise failure from None
        return bool(head.get("ContentLength") == size)

    def _failure(self, exc: Exception, operation: str) -> StoreError:
        """Any boto3/botocore exception as one line naming the bucket."""
        from botocore import exceptions as bx

        store = self.settings.url
        cause = exc.__context__ if not isinstance(exc, bx.ClientError) else exc
        if isinstance(cause, bx.ClientError):
            error = cause.response.get("Error", {})
            code = str(error.get("Code") or _status(cause) or "error")
            return explain(store, operation, code, _status(cause))
        if isinstance(
            exc,
            bx.NoCredentialsError
            | bx.PartialCredentialsError
            | bx.CredentialRetrievalError
            | bx.TokenRetrievalError,
        ):
            return StoreError(
                f"media store {store}: no usable AWS credentials ({type(exc).__name__}): set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
                fatal=True,
            )
        if isinstance(exc, bx.BotoCoreError):
            return StoreError(
                f"media store {store}: {operation} cut off ({type(exc).__name__}); "
                "nothing was recorded as uploaded, tried again on the next run",
                fatal=False,
            )
        return StoreError(
            f"media store {store}: {operation} failed ({type(exc).__name__}); "
            "tried again on the next run",
            fatal=False,
        )


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None
