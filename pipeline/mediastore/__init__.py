"""The media store: a private S3-compatible bucket that local media files are uploaded to, once
each (the key is the file's SHA-256), and presigned for the API to fetch.

`settings` and `errors` are pure (pipeline.yaml's `media_store:`, the object keys, what a
refusal means); `store` talks to the bucket through boto3, imported only when a file must
really be uploaded or presigned, so `validate`, `plan` and `--help` need neither boto3 nor
credentials.
"""

from __future__ import annotations

from pipeline.mediastore.errors import StoreError
from pipeline.mediastore.settings import (
    AWS_SECRET_VARIABLES,
    MAX_PRESIGN_S,
    MIN_PRESIGN_S,
    PRESIGN_DEFAULT_S,
    STORE_KEYS,
    StoreSettings,
    parse_store,
)

__all__ = [
    "AWS_SECRET_VARIABLES",
    "MAX_PRESIGN_S",
    "MIN_PRESIGN_S",
    "PRESIGN_DEFAULT_S",
    "STORE_KEYS",
    "StoreError",
    "StoreSettings",
    "parse_store",
]
