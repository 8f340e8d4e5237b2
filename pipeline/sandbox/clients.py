"""The HTTP clients the sandbox makes (webhook deliveries, loopback media fetches, test helpers).

Building a verifying TLS context reads the whole CA bundle (about 0.1 s). httpx does it for every
client, and tests start hundreds of sandboxes, so all of them share one context, built once.
"""

from __future__ import annotations

import functools
import ssl

import certifi
import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def async_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, trust_env=False, verify=tls_context())


def client(base_url: str = "", **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=base_url, trust_env=False, verify=tls_context(), **kwargs)  # type: ignore[arg-type]
