"""What every HTTP client of the pipeline shares (Status 200's and the clip server's).

`NEVER_SENT`: the httpx failures that prove no byte of a request reached the service, so that
resending it can never post twice; every other failure after a request started may have reached
it, and a POST without an idempotency key must then be reconciled, never resent. One list, so the
two clients cannot drift apart on the question that decides a double post.

`PooledClient`: closes its connection pool at the end of a `with` block.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx

NEVER_SENT: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,  # no connection was made
    httpx.ConnectTimeout,
    httpx.PoolTimeout,  # no connection was free to send on
    httpx.UnsupportedProtocol,  # the URL was refused before connecting
    httpx.LocalProtocolError,  # h11 refused to write the request
    httpx.ProxyError,  # the proxy refused before the service was reached
)


class PooledClient:
    """A client owning an `httpx.Client` in `_http`; `with` closes it."""

    _http: httpx.Client

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
