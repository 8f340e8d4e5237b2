"""The signed webhook receiver: `POST /webhooks/status200`, as the docs page describes it.

Webhooks only speed tracking up; polling stays the source of truth. So the receiver is strict
about what it lets in and modest about what it does:

- a body over `max_body` is refused with 413 while it streams in (never read whole first);
- `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` is checked with
  `hmac.compare_digest` before anything else is looked at: missing or wrong is 401, no change;
- malformed JSON or missing fields are 400 with a one-line reason, never a traceback;
- an event id already applied is 200 "duplicate" and changes nothing (the service retries after
  1, 5 and 30 minutes when it gets no 2xx within 5 seconds);
- `post.published` / `post.failed` become a `post.status` (origin webhook) of the post the ledger
  knows by that id, and `webhook.applied` in the same append; a finished post is never moved back;
- `post.scheduled` is noted (`webhook.applied` only: the publisher recorded the scheduling);
- `profile.disconnected` is recorded (`profile.disconnected`, once per spelling of the account the
  ledger uses, so `LedgerState.flagged()` finds its pending posts) and logged at WARNING;
- an event about an id the ledger cannot map yet (the publisher may not have recorded its answer,
  or the event names only the History id of a scheduled post's network post) is answered 202 and
  held in memory; `retry_pending()` (the runner calls it before each tracking pass) applies it once
  the ledger knows the id, and `on_unmapped` asks for a tracking pass soon. Held events are lost on
  restart, which costs nothing: polling finds the same news.

The secret is kept in a `Secret` and never logged; the ledger refuses events containing it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline.api import Secret
from pipeline.ledger import Ledger, LedgerState
from pipeline.ledger.events import LedgerEvent, PostStatusSeen, ProfileDisconnected, WebhookApplied
from pipeline.ledger.schema import now as utc_now
from pipeline.runner.shared import write_guard
from pipeline.runner.tracking import Observation, is_news

log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/status200"
SIGNATURE_HEADER: Final = "x-webhook-signature"
#: The docs' payloads are a few hundred bytes; 64 KiB leaves room and refuses a flood early.
MAX_BODY: Final = 64 * 1024
#: How long an event the ledger cannot map is kept for another try (polling settles it anyway).
DEFAULT_HOLD: Final = timedelta(hours=1)
MAX_HELD: Final = 1000
POST_EVENTS: Final = frozenset({"post.published", "post.failed"})
KNOWN_EVENTS: Final = POST_EVENTS | {"post.scheduled", "profile.disconnected"}


class BadEvent(ValueError):
    """A body that is not a webhook event this receiver can read (answered 400)."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str
    data: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        return value if isinstance(value, str) and value else None


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def parse_event(body: bytes) -> WebhookEvent:
    """The event in a (verified) body; BadEvent names what is wrong in one line."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadEvent("the body is not JSON") from None
    if not isinstance(raw, dict):
        raise BadEvent("the body is not a JSON object")
    event_id, kind, data = raw.get("id"), raw.get("type"), raw.get("data")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
        raise BadEvent("id: a non-empty string is required")
    if not isinstance(kind, str) or not kind:
        raise BadEvent("type: a non-empty string is required")
    if not isinstance(data, dict):
        raise BadEvent("data: an object is required")
    event = WebhookEvent(event_id, kind, data)
    if kind in POST_EVENTS and not (event.text("post_id") or event.text("scheduled_post_id")):
        raise BadEvent(f"{kind}: data.post_id or data.scheduled_post_id is required")
    if kind == "profile.disconnected" and not (
        event.text("platform") and (event.text("account_id") or event.text("profile_id"))
    ):
        raise BadEvent("profile.disconnected: data.platform and data.account_id are required")
    return event


def _account_key(text: str) -> str:
    return text.strip().lstrip("@").casefold()


class WebhookReceiver:
    """Verifies and applies events; thread-safe (one lock around check-and-append)."""

    def __init__(
        self,
        ledger: Ledger,
        secret: Secret | str,
        *,
        run: str = "webhooks",
        on_unmapped: Callable[[], None] | None = None,
        hold_for: timedelta = DEFAULT_HOLD,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.ledger = ledger
        self._secret = secret if isinstance(secret, Secret) else Secret(secret)
        if not self._secret.reveal():
            raise ValueError("the webhook secret is empty (STATUS200_WEBHOOK_SECRET)")
        self.run = run
        self.on_unmapped = on_unmapped
        self.hold_for = hold_for
        self._clock = clock
        self._lock = threading.Lock()
        self._held: OrderedDict[str, tuple[datetime, WebhookEvent]] = OrderedDict()

    def __repr__(self) -> str:
        return f"WebhookReceiver(ledger={str(self.ledger.directory)!r})"

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        if not header:
            return False
        expected = signature_of(self._secret.reveal(), body)
        return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def receive(self, event: WebhookEvent) -> str:
        """Apply one verified event: applied | duplicate | noted | pending | ignored."""
        if event.type not in KNOWN_EVENTS:
            log.info(
                "webhook of an unknown type ignored",
                extra={"job": "webhook", "event_type": event.type, "outcome": "ignored"},
            )
            return "ignored"
        with self._lock:
            result = self._apply(event)
            if result == "pending":
                self._hold(event)
        if result == "pending" and self.on_unmapped is not None:
            self.on_unmapped()
        return result

    def retry_pending(self) -> int:
        """Apply held events the ledger can map now; drop the ones held too long."""
        applied = 0
        with self._lock:
            now = self._clock()
            for event_id, (since, event) in list(self._held.items()):
                result = self._apply(event)
                if result != "pending":
                    del self._held[event_id]
                    applied += result == "applied"
                elif now - since > self.hold_for:
                    del self._held[event_id]
                    log.info(
                        "webhook about an id the ledger never learned dropped; polling decides",
                        extra={"job": "webhook", "event_type": event.type, "outcome": "dropped"},
                    )
        return applied

    def _hold(self, event: WebhookEvent) -> None:
        self._held[event.id] = (self._clock(), event)
        while len(self._held) > MAX_HELD:
            self._held.popitem(last=False)

    def _apply(self, event: WebhookEvent) -> str:
        with write_guard(self.ledger):
            state = self.ledger.state()
            if event.id in state.applied_webhooks:
                return "duplicate"
            applied = WebhookApplied(run=self.run, event_id=event.id, event_type=event.type)
            if event.type in POST_EVENTS:
                return self._post_event(state, event, applied)
            if event.type == "profile.disconnected":
                return self._disconnected(state, event, applied)
            self.ledger.append(applied)  # post.scheduled: the publisher recorded it already
            return "noted"

    def _post_event(self, state: LedgerState, event: WebhookEvent, applied: LedgerEvent) -> str:
        identity = None
        for api_id in (event.text("scheduled_post_id"), event.text("post_id")):
            identity = state.identity_for(api_id) if api_id else None
            if identity is not None:
                break
        if identity is None:
            return "pending"
        post = state.posts[identity]
        detail = state.details.get(identity)
        published = event.type == "post.published"
        seen = Observation(
            status="published" if published else "failed",
            post_id=event.text("post_id"),
            platform_post_id=event.text("platform_post_id"),
            permalink=event.text("permalink"),
            error_message=None if published else event.text("error_message"),
        )
        events: list[LedgerEvent] = []
        if is_news(post, detail.history_post_id if detail else None, seen):
            events.append(
                PostStatusSeen(
                    run=self.run,
                    identity=identity,
                    status=seen.status,
                    origin="webhook",
                    post_id=seen.post_id,
                    platform_post_id=seen.platform_post_id,
                    permalink=seen.permalink,
                    error_code=None if published else event.text("error_code"),
                    error_message=seen.error_message,
                )
            )
        # The status first, then the event id, in one append (the ledger's rule).
        self.ledger.append_many([*events, applied])
        log.info(
            "webhook applied" if events else "webhook changed nothing (the ledger knew)",
            extra={
                "job": "webhook",
                "entry": post.entry_id or identity,
                "platform": post.platform,
                "outcome": seen.status if events else "unchanged",
                "event_type": event.type,
            },
        )
        return "applied"

    def _disconnected(self, state: LedgerState, event: WebhookEvent, applied: LedgerEvent) -> str:
        platform = event.text("platform") or ""
        account = event.text("account_id") or event.text("profile_id") or ""
        keys = {_account_key(account), _account_key(event.text("profile_id") or "")} - {""}
        spellings = {account} | {
            p.account
            for p in state.posts.values()
            if p.platform == platform and _account_key(p.account) in keys
        }
        reason = event.text("reason") or "disconnected"
        events: list[LedgerEvent] = [
            ProfileDisconnected(
                run=self.run,
                account=spelling,
                platform=platform,
                reason=reason,
                message=event.text("message"),
            )
            for spelling in sorted(spellings)
        ]
        self.ledger.append_many([*events, applied])
        flagged = [
            p
            for p in self.ledger.state().flagged()
            if p.platform == platform and p.account in spellings
        ]
        log.warning(
            "PROFILE DISCONNECTED: %s on %s (%s); %d pending post(s) will not go out until it is "
            "reconnected on the Connections page",
            account,
            platform,
            reason,
            len(flagged),
            extra={
                "job": "webhook",
                "account": account,
                "platform": platform,
                "outcome": "disconnected",
                "flagged": len(flagged),
            },
        )
        return "applied"


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is longer than `limit` (checked while it streams)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> Response:
    # Connection: close, because an oversized body is left unread.
    return JSONResponse({"error": message}, status_code=status, headers={"Connection": "close"})


def create_webhook_app(
    ledger: Ledger,
    secret: Secret | str,
    *,
    max_body: int = MAX_BODY,
    on_unmapped: Callable[[], None] | None = None,
) -> Starlette:
    """The ASGI app serving POST /webhooks/status200; `app.state.receiver` is its receiver."""
    return receiver_app(WebhookReceiver(ledger, secret, on_unmapped=on_unmapped), max_body)


def receiver_app(hooks: WebhookReceiver, max_body: int = MAX_BODY) -> Starlette:
    """The ASGI app around an existing receiver (the runner keeps its receiver to retry)."""

    async def webhook(request: Request) -> Response:
        try:
            body = await read_capped(request, max_body)
        except ClientDisconnect:
            return _error(400, "the request body was cut short")
        if body is None:
            return _error(413, f"the body is larger than {max_body} bytes")
        if not hooks.signature_ok(body, request.headers.get(SIGNATURE_HEADER)):
            return _error(401, "missing or invalid X-Webhook-Signature")
        try:
            event = parse_event(body)
        except BadEvent as exc:
            return _error(400, str(exc))
        try:
            result = await run_in_threadpool(hooks.receive, event)
        except Exception:
            log.exception(
                "webhook could not be applied", extra={"job": "webhook", "outcome": "error"}
            )
            return JSONResponse({"error": "not applied; send it again later"}, status_code=500)
        status = 202 if result == "pending" else 200
        return JSONResponse({"ok": True, "result": result}, status_code=status)

    app = Starlette(routes=[Route(WEBHOOK_PATH, webhook, methods=["POST"])])
    app.state.receiver = hooks
    return app


class WebhookServer:
    """uvicorn serving the receiver on a background thread; port 0 picks a free port."""

    STARTUP_TIMEOUT: Final = 10.0

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        bound_host, bound_port = self._sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown}:{bound_port}{WEBHOOK_PATH}"
        config = uvicorn.Config(
            app,
            log_config=None,  # the runner's logging, not uvicorn's own set-up
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name="webhooks",
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + self.STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the webhook server did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        """Stop accepting, let requests in progress finish (up to 5 s), then return."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=self.STARTUP_TIMEOUT)
        self._sock.close()
