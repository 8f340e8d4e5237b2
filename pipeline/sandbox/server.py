"""Serving the sandbox with uvicorn: in the foreground (the CLI) or on a background thread (tests).

The socket is bound before uvicorn starts, so port 0 gives a free port whose number is known at
once, and a background server is ready as soon as uvicorn reports it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from pipeline.sandbox.app import SandboxApp

STARTUP_TIMEOUT = 10.0


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, an answer written in two parts (head, then
    # body) waits ~40 ms for the client's delayed ACK on every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, which would kill the process
    with the signal; the sandbox's command returns 0 after a clean stop instead."""

    async def main_loop(self) -> None:
        # uvicorn looks for a stop request every 0.1 s; tests start and stop many sandboxes, so
        # look ten times as often. on_tick refreshes the Date header when given a multiple of
        # 10: pass one every hundred ticks, once a second as before.
        ticks = 0
        should_exit = await self.on_tick(0)
        while not should_exit:
            ticks = (ticks + 1) % 100
            await asyncio.sleep(0.01)
            should_exit = await self.on_tick(0 if ticks == 0 else 1)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def make_server(app: SandboxApp, *, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        http="h11",  # the connection-dropping faults rely on the h11 protocol's transport
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return _Server(config)


def serve(app: SandboxApp, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Runs until Ctrl-C or SIGTERM (uvicorn handles both and shuts down cleanly)."""
    make_server(app, log_level=log_level).run(sockets=[sock])


class BackgroundServer:
    """uvicorn on a daemon thread, for tests and other in-process users."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.server = make_server(app)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True, name="sandbox"
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.002)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT)
        self.sock.close()
