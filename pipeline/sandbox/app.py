"""The sandbox's ASGI app: the API's two addresses, the admin endpoints, and room for more.

The API is dispatched by `routes.Api` (its 404s and 405s do not fit a router's defaults), the
clip server's three endpoints by `clips.ClipApi`; the admin endpoints and any `extra_routes` are
ordinary Starlette routes. Every API or clip request first lets sandbox time catch up
(`publishing.tick`), then meets the fault injector, then its handler.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.types import Receive, Scope, Send

from pipeline.sandbox.admin import admin_routes
from pipeline.sandbox.answers import Answer, gateway_timeout
from pipeline.sandbox.clients import async_client
from pipeline.sandbox.clips import ClipApi, clip_fault
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.faults import Decision
from pipeline.sandbox.publishing import tick
from pipeline.sandbox.routes import Api, Route, fault_answer
from pipeline.sandbox.webhooks import DELIVERY_TIMEOUT

TICK_SECONDS = 0.05
NOTHING_SENT_RETRY_AFTER = 5.0


class SandboxApp:
    def __init__(self, sb: Sandbox, *, extra_routes: Sequence[BaseRoute] = ()) -> None:
        self.sb = sb
        self.api = Api(sb)
        self.clips = ClipApi(sb)
        self._client: httpx.AsyncClient | None = None
        self._delivering = asyncio.Lock()
        self.starlette = Starlette(
            routes=[Mount("/_sandbox", routes=admin_routes(sb, self.run_due)), *extra_routes],
            lifespan=self._lifespan,
        )

    # -- background time -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self._client = async_client(DELIVERY_TIMEOUT)
        task = asyncio.create_task(self._background())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self._client.aclose()
            self._client = None

    async def _background(self) -> None:
        while True:
            await self.run_due()
            await asyncio.sleep(TICK_SECONDS)

    async def run_due(self) -> None:
        """What sandbox time has made due: scheduled posts, processing, webhook deliveries."""
        tick(self.sb)
        if self._client is None:
            return
        async with self._delivering:
            for delivery in self.sb.webhooks.due():
                account = self.sb.config.account(delivery.account)
                secret = account.webhook.secret if account and account.webhook else ""
                await self.sb.webhooks.deliver(self._client, delivery, secret)

    # -- requests --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.api.route(scope["method"], scope["path"]) or self.clips.route(
                scope["method"], scope["path"]
            )
            if route is not None:
                await self._api(route, scope, receive, send)
                return
        await self.starlette(scope, receive, send)

    async def _api(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = await _context(scope, receive, route.endpoint)
        sb = self.sb
        tick(sb)
        ctx.arrived = sb.clock.now()
        name = route.endpoint or f"{ctx.method} (no operation)"
        sb.state.count(f"requests|{name}")
        decision = sb.faults.decide(route.endpoint) if route.endpoint else Decision()
        ctx.decision = decision
        if decision.action != "ok":
            sb.state.count(f"faults|{name}|{decision.action}")
        if decision.action == "drop":
            await ctx.pause()
            await _drop(send)
            return
        if decision.action.startswith("error_"):
            await ctx.pause()
            wait = sb.clock.wait_header(sb.clock.scaled(NOTHING_SENT_RETRY_AFTER))
            if route.family == "clips":
                answer = clip_fault(decision.action, wait)
            else:
                answer = fault_answer(route.family, decision.action, wait)
        else:
            answer = await route.handler(ctx)
            await ctx.pause()
        if decision.action in ("commit_then_drop", "commit_then_die"):
            await _drop(send)
            return
        if decision.action == "commit_then_504":
            answer = gateway_timeout()
        sb.state.count(f"statuses|{name}|{answer.status}")
        if answer.status == 429:
            sb.state.count(f"rate_limited|{name}")
        await _send(answer, send)


async def _context(scope: Scope, receive: Receive, endpoint: str) -> Ctx:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("127.0.0.1", 80)))
    from urllib.parse import parse_qsl

    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return Ctx(
        method=scope["method"],
        path=scope["path"],
        headers=headers,
        query=query,
        body=b"".join(chunks),
        base_url=f"{scope.get('scheme', 'http')}://{host}",
        endpoint=endpoint,
    )


async def _send(answer: Answer, send: Send) -> None:
    headers: list[tuple[bytes, bytes]] = [(b"content-type", answer.content_type.encode())]
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class ConnectionDropped(Exception):
    """Raised when the server under the app gives no transport to cut (not uvicorn)."""


async def _drop(send: Send) -> None:
    """Closes the client's connection without a response, as a network failure would: the client
    sees a transport error (httpx.RemoteProtocolError or ReadError), never an HTTP status."""
    cycle: Any = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("no transport to cut")
    transport.abort()
    for _ in range(5):  # let uvicorn see the connection lost before the app returns
        await asyncio.sleep(0)


def create_app(sb: Sandbox, *, extra_routes: Sequence[BaseRoute] = ()) -> SandboxApp:
    """The ASGI app of one sandbox. `extra_routes` are mounted beside /_sandbox (Starlette
    routes), so another local service can share the same server later."""
    return SandboxApp(sb, extra_routes=extra_routes)
