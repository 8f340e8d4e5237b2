"""`media_store:` in pipeline.yaml -> StoreSettings, and the names of objects in the bucket.

    media_store:
      url: s3://acme-social/calendar-media/   # bucket and key prefix
      endpoint_url: https://<account>.r2.cloudflarestorage.com   # optional: R2, MinIO, GCS...
      region: auto                            # optional; R2 wants "auto"
      presign_expires: 3600                   # seconds a presigned GET lasts (default 1 h)

An object's key is the prefix, the file's SHA-256 and its extension: the same bytes have one
key on every machine and every run (so a HEAD tells whether they are there already), and an
edited file has another.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

#: A presigned GET must outlive the API's probe, its import and the client's retries; SigV4
#: presigned URLs last 7 days at most.
PRESIGN_DEFAULT_S: Final = 3600
MIN_PRESIGN_S: Final = 300
MAX_PRESIGN_S: Final = 7 * 24 * 3600
STORE_KEYS: Final = ("url", "endpoint_url", "region", "presign_expires")
#: The AWS variables that hold secrets: never written to the ledger or the logs.
AWS_SECRET_VARIABLES: Final = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

#: S3's bucket naming rules (R2 and MinIO follow them): 3-63 of a-z 0-9 . -, alphanumeric ends.
_BUCKET: Final = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_EXTENSION: Final = re.compile(r"^\.[a-z0-9]{1,10}$")
_REGION: Final = re.compile(r"^[a-z0-9-]{1,40}$")


@dataclass(frozen=True, slots=True)
class StoreSettings:
    bucket: str
    prefix: str = ""  # "" or ends with "/"
    endpoint_url: str | None = None  # None: AWS S3 itself
    region: str | None = None  # None: the AWS configuration's (AWS_REGION, the profile)
    presign_expires: int = PRESIGN_DEFAULT_S

    @property
    def url(self) -> str:
        """The store as pipeline.yaml names it, for messages."""
        return f"s3://{self.bucket}/{self.prefix}"

    def object_key(self, sha256: str, filename: str) -> str:
        """The key of a file's bytes: prefix + SHA-256 + the extension in lower case."""
        extension = os.path.splitext(filename)[1].lower()
        return self.prefix + sha256 + (extension if _EXTENSION.match(extension) else "")

    def address(self, key: str) -> str:
        """`s3://bucket/key`: what the ledger, reports and messages name, never a presigned
        URL (whose query string is a credential)."""
        return f"s3://{self.bucket}/{key}"

    def plain_url(self, key: str) -> str:
        """The object's unsigned https address, for a dry run, where the API fetches nothing."""
        base = (self.endpoint_url or "https://s3.amazonaws.com").rstrip("/")
        return f"{base}/{self.bucket}/{quote(key)}"


def parse_store(raw: Any) -> StoreSettings:
    """The `media_store:` mapping as StoreSettings; ValueError("media_store.<key>: ...") names
    the key at fault and what is expected."""
    if not isinstance(raw, dict):
        raise ValueError(
            "media_store: must be a mapping with url: s3://bucket/prefix/ "
            "(and optionally endpoint_url, region, presign_expires)"
        )
    for key in raw:
        if key not in STORE_KEYS:
            raise ValueError(
                f"media_store.{key}: unknown key (known: {', '.join(STORE_KEYS)})"
                if isinstance(key, str)
                else "media_store: keys must be names"
            )
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith("s3://"):
        raise ValueError("media_store.url: must be s3://bucket/prefix/, e.g. s3://acme/media/")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise ValueError(
            f"media_store.url: {bucket!r} is not a bucket name (3-63 characters: a-z, 0-9, . -)"
        )
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise ValueError("media_store.url: the key prefix has an empty, . or .. part")
    endpoint = raw.get("endpoint_url")
    if endpoint is not None and (
        not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://"))
    ):
        raise ValueError(
            "media_store.endpoint_url: must be an http(s) URL, "
            "e.g. https://<account>.r2.cloudflarestorage.com"
        )
    region = raw.get("region")
    if region is not None and (not isinstance(region, str) or not _REGION.match(region)):
        raise ValueError("media_store.region: must be a region name, e.g. us-east-1 or auto")
    expires = raw.get("presign_expires", PRESIGN_DEFAULT_S)
    if (
        not isinstance(expires, int)
        or isinstance(expires, bool)
        or not MIN_PRESIGN_S <= expires <= MAX_PRESIGN_S
    ):
        raise ValueError(
            f"media_store.presign_expires: must be whole seconds from {MIN_PRESIGN_S} to "
            f"{MAX_PRESIGN_S} (7 days, the longest a presigned URL can last)"
        )
    return StoreSettings(
        bucket=bucket,
        prefix=f"{prefix}/" if prefix else "",
        endpoint_url=endpoint,
        region=region,
        presign_expires=expires,
    )
