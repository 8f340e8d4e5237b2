"""Webhook deliveries, as the docs page describes them (the OpenAPI file has none).

Events post.published, post.failed, post.scheduled and profile.disconnected are POSTed to the
account's webhook URL with `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed by
the account's signing secret. A delivery that does not get a 2xx in time is retried after 1, 5
and 30 minutes (scaled by the time scale), then given up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

import httpx

from pipeline.sandbox.clock import SandboxClock, iso
from pipeline.sandbox.config import AccountConfig
from pipeline.sandbox.ids import IdSource
from pipeline.sandbox.records import Delivery, PostRecord
from pipeline.sandbox.store import State

RETRY_DELAYS = (60.0, 300.0, 1800.0)
#: The docs ask receivers to answer within 5 seconds; real seconds, not scaled.
DELIVERY_TIMEOUT = 5.0
SIGNATURE_HEADER = "X-Webhook-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Webhooks:
    def __init__(self, state: State, clock: SandboxClock, ids: IdSource) -> None:
        self._state = state
        self._clock = clock
        self._ids = ids

    def emit(self, account: AccountConfig, event_type: str, data: dict[str, Any]) -> None:
        hook = account.webhook
        if hook is None or not hook.url or event_type not in hook.events:
            return
        now = self._clock.now()
        event_id = f"evt_{self._ids.hex(24)}"
        body = {"id": event_id, "type": event_type, "created_at": iso(now), "data": data}
        self._state.save(
            Delivery(
                id=event_id,
                account=account.name,
                url=hook.url,
                type=event_type,
                body=json.dumps(body, separators=(",", ":")),
                created_at=now,
                next_at=now,
            )
        )
        self._state.count(f"webhooks_queued|{account.name}")

    def due(self) -> list[Delivery]:
        now = self._clock.now()
        pending = [d for d in self._state.deliveries.values() if d.state == "pending"]
        return sorted((d for d in pending if d.next_at <= now), key=lambda d: (d.next_at, d.id))

    async def deliver(self, client: httpx.AsyncClient, delivery: Delivery, secret: str) -> Delivery:
        body = delivery.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "User-Agent": "status200-sandbox-webhooks/1",
        }
        try:
            response = await client.post(delivery.url, content=body, headers=headers)
            outcome, ok = str(response.status_code), 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            outcome, ok = type(exc).__name__, False
        attempts = delivery.attempts + 1
        if ok:
            updated = replace(
                delivery,
                attempts=attempts,
                state="delivered",
                statuses=(*delivery.statuses, outcome),
            )
        elif attempts > len(RETRY_DELAYS):
            updated = replace(
                delivery, attempts=attempts, state="failed", statuses=(*delivery.statuses, outcome)
            )
        else:
            delay = self._clock.scaled(RETRY_DELAYS[attempts - 1])
            updated = replace(
                delivery,
                attempts=attempts,
                next_at=self._clock.now() + delay,
                statuses=(*delivery.statuses, outcome),
            )
        self._state.save(updated)
        self._state.count(f"webhook_attempts|{delivery.account}")
        return updated


def published_data(post: PostRecord, handle: str) -> dict[str, Any]:
    return {
        "post_id": post.id,
        "platform": post.platform,
        "account_id": handle,
        "profile_id": post.profile_id,
        "platform_post_id": post.publish_id,
        "permalink": post.permalink,
        "published_at": iso(post.updated_at),
        "scheduled_post_id": post.scheduled_post_id,
    }


def failed_data(post: PostRecord, handle: str, code: str) -> dict[str, Any]:
    return {
        "post_id": post.id,
        "platform": post.platform,
        "account_id": handle,
        "profile_id": post.profile_id,
        "error_code": code,
        "error_message": post.error_message,
        "scheduled_post_id": post.scheduled_post_id,
    }
