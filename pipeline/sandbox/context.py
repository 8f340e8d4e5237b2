"""One incoming request, as the route handlers see it (plain data, no framework types)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pipeline.sandbox.faults import Decision


@dataclass
class Ctx:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    query: list[tuple[str, str]]
    body: bytes
    base_url: str  # scheme://host:port of this sandbox, as the client addressed it
    endpoint: str  # "POST /api/v2/posts": the key of faults and counters
    decision: Decision = field(default_factory=Decision)
    paused: bool = False
    #: Sandbox time when the request arrived, before any added latency (throttles may count it).
    arrived: float | None = None

    async def pause(self) -> None:
        """The fault's added latency, once. POST handlers call it after claiming their
        Idempotency-Key, so a second request with the same key meets a running first one."""
        if self.paused:
            return
        self.paused = True
        if self.decision.latency > 0:
            await asyncio.sleep(self.decision.latency)
