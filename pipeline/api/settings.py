"""How to reach the API: address, key, timeouts, pacing and the resend caps.

The key lives in a `Secret` whose repr and str never show it, so printing the settings, a
dataclass repr in a traceback or a log line cannot leak it. Environment problems are a
`ConfigError` naming the variable (and, for the key, never its value).
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from pipeline.api.errors import ConfigError, MissingKey

DEFAULT_BASE_URL: Final = "https://status200uploads.com/api/v2"
#: The API's own numbers (x-status200-limits) that the defaults below come from.
POST_THROTTLE_SECONDS: Final = 20.0
MEDIA_THROTTLE_SECONDS: Final = 20.0
READS_PER_MINUTE: Final = 60
OPTIONS_PER_MINUTE: Final = 10

# A key goes into an HTTP header: printable ASCII without spaces. Anything else would make httpx
# (h11) raise an error whose message quotes the header, key included, so it is refused up front.
_KEY_SHAPE = re.compile(r"^[\x21-\x7E]+$")
_REDACTED = "[redacted]"


class Secret:
    """A string that is shown as `Secret('********')` everywhere except `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """`text` with every occurrence of the secret replaced (for answers that might echo it)."""
        return text.replace(self._value, _REDACTED) if self._value else text

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not pickled")


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")


def _check_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an http(s) URL without query, got {url!r}")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Everything the client needs; `from_env` builds it from STATUS200_* variables."""

    api_key: Secret
    base_url: str = DEFAULT_BASE_URL
    #: The older address (`.../functions/v1`): when set, posts are created and cancelled there
    #: (it waits up to 90 s for media still importing); every read still goes to `base_url`.
    older_base_url: str | None = None
    connect_timeout: float = 10.0
    #: v2 answers within about 25 s and Netlify cuts at 30 s, so 35 s means "no answer".
    timeout: float = 35.0
    #: The older address has no 25-s bound; its gateway cuts at 150 s.
    older_timeout: float = 160.0
    #: Pacing the publisher keeps (one post per network, one import per account, per interval).
    post_interval: float = POST_THROTTLE_SECONDS
    media_interval: float = MEDIA_THROTTLE_SECONDS
    #: The span in which `reads_per_window` reads are allowed (a time-scaled sandbox shrinks it).
    read_window: float = 60.0
    reads_per_window: int = READS_PER_MINUTE
    options_per_window: int = OPTIONS_PER_MINUTE
    #: Caps on resending one request: attempts in all (the first included) and seconds waited.
    max_attempts: int = 6
    max_total_wait: float = 300.0
    #: The wait when an answer asks for one but names none (the retry table's "else 5 seconds").
    default_retry_after: float = 5.0
    #: The pause before resending after a lost answer or an unknown outcome (the table names none).
    resend_delay: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, Secret):
            raise ConfigError("api_key must be a Secret (so that it never shows in a repr)")
        if not _KEY_SHAPE.match(self.api_key.reveal()):
            raise ConfigError(
                "STATUS200_API_KEY must be printable ASCII without spaces (its value is not shown)"
            )
        object.__setattr__(self, "base_url", _check_url("STATUS200_BASE_URL", self.base_url))
        if self.older_base_url is not None:
            older = _check_url("STATUS200_OLDER_BASE_URL", self.older_base_url)
            object.__setattr__(self, "older_base_url", older)
        for name in ("connect_timeout", "timeout", "older_timeout", "post_interval"):
            _positive(name, getattr(self, name))
        for name in ("media_interval", "read_window", "max_total_wait"):
            _positive(name, getattr(self, name))
        for name in ("default_retry_after", "resend_delay"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ConfigError(f"{name} must be zero or more seconds")
        for name in ("reads_per_window", "options_per_window", "max_attempts"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiSettings:
        """Read STATUS200_API_KEY (required), _BASE_URL, _OLDER_BASE_URL, _POST_INTERVAL,
        _MEDIA_INTERVAL and _READ_WINDOW (seconds). Empty values count as unset."""
        key = environ.get("STATUS200_API_KEY", "").strip()
        if not key:
            raise MissingKey("STATUS200_API_KEY is not set: export the API key from the API page")
        base = environ.get("STATUS200_BASE_URL", "").strip() or DEFAULT_BASE_URL
        older = environ.get("STATUS200_OLDER_BASE_URL", "").strip() or None
        return cls(
            api_key=Secret(key),
            base_url=_check_url("STATUS200_BASE_URL", base),
            older_base_url=_check_url("STATUS200_OLDER_BASE_URL", older) if older else None,
            post_interval=_seconds(environ, "STATUS200_POST_INTERVAL", POST_THROTTLE_SECONDS),
            media_interval=_seconds(environ, "STATUS200_MEDIA_INTERVAL", MEDIA_THROTTLE_SECONDS),
            read_window=_seconds(environ, "STATUS200_READ_WINDOW", 60.0),
        )


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    _positive(name, value)
    return value
