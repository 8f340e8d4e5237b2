"""Idempotency-Keys and media identities: stable names for "the same request" across runs.

A post's key is derived from its identity, its content fingerprint and its generation, so the
same post always sends the same key (a lost answer is replayed by the API, never posted twice),
a changed post a new one, and a post that was cancelled or proven absent starts a fresh one.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

KEY_VERSION = "cc1"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]


def post_key(identity: str, fingerprint: str, generation: int) -> str:
    return f"{KEY_VERSION}-post-{_digest(identity, fingerprint, str(generation))}"


def media_key(media_identity: str) -> str:
    return f"{KEY_VERSION}-media-{_digest(media_identity)}"


def import_key(media_identity: str, fetched_from: str | None = None) -> str:
    """The Idempotency-Key of one media import. A file served at a fixed URL keeps one key for
    good (a lost answer is replayed). A presigned URL differs on every run, and the API refuses
    a key reused with another body (422), so each presigned URL gets its own key: a hash of
    it, which neither shows nor reveals its signature."""
    if fetched_from is None:
        return media_key(media_identity)
    return media_key(f"{media_identity}\x00{fetched_from}")


def normalise_url(url: str) -> str:
    """Scheme and host in lower case, default ports and fragments dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (
        (parts.scheme == "https" and port == 443) or (parts.scheme == "http" and port == 80)
    ):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def media_identity(sha256: str | None, url: str | None) -> str:
    """What makes two media items "the same file": the bytes for local files, else the URL."""
    if sha256:
        return f"sha256:{sha256}"
    if url:
        return f"url:{normalise_url(url)}"
    raise ValueError("a media item needs a content hash or a URL")
