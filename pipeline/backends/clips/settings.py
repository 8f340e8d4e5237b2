"""How to reach the clip server: its address, the Upload-Post key, the timeout and the resends.

The key lives in a `Secret` (never shown by repr or str). It is optional here because
`GET /api/status/{job_id}` needs none; the calls that do need it raise `ClipConfigError`
naming the variable when it is missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from pipeline.api.settings import Secret
from pipeline.backends.clips.errors import ClipConfigError
from pipeline.backends.clips.types import KEY_VARIABLE, URL_VARIABLE

DEFAULT_URL: Final = "http://localhost:8000"
#: The clip server's page: "Timeout: 120 seconds for the HTTP request".
REQUEST_TIMEOUT: Final = 120.0

# The key travels in the X-Upload-Post-Key header: printable ASCII without spaces, or httpx would
# raise an error quoting the header (key included). Refused up front, without showing it.
_KEY_SHAPE = re.compile(r"^[\x21-\x7E]+$")


@dataclass(frozen=True, slots=True)
class ClipSettings:
    base_url: str = DEFAULT_URL
    api_key: Secret | None = None
    timeout: float = REQUEST_TIMEOUT
    #: Attempts of one call when the answer says a resend is safe (500/503, refused connection).
    attempts: int = 3
    #: First back-off wait in seconds; it doubles each time, up to `max_backoff`.
    backoff: float = 1.0
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ClipConfigError(
                f"{URL_VARIABLE} must be an http(s) URL such as {DEFAULT_URL}, got "
                f"{self.base_url!r}"
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.api_key is not None and not _KEY_SHAPE.match(self.api_key.reveal()):
            raise ClipConfigError(
                f"{KEY_VARIABLE} must be printable ASCII without spaces (its value is not shown)"
            )
        for name in ("timeout", "backoff", "max_backoff"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0) or (name == "timeout" and value == 0):
                raise ClipConfigError(f"clip server {name} must be a positive number of seconds")
        if self.attempts < 1:
            raise ClipConfigError("clip server attempts must be 1 or more")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ClipSettings:
        """CLIP_SERVER_URL (default http://localhost:8000) and UPLOAD_POST_API_KEY."""
        url = env.get(URL_VARIABLE, "").strip() or DEFAULT_URL
        key = env.get(KEY_VARIABLE, "").strip()
        return cls(base_url=url, api_key=Secret(key) if key else None)

    def key(self) -> Secret:
        if self.api_key is None:
            raise ClipConfigError(
                f"{KEY_VARIABLE} is not set: the clip server needs the Upload-Post API key to "
                "read profiles and to post (generate one in the Upload-Post dashboard)"
            )
        return self.api_key
