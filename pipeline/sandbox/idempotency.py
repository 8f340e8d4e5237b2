"""Idempotency-Key, as the OpenAPI file specifies it (digest section 6).

- A key is 1 to 255 printable ASCII characters; spaces around it and one pair of enclosing double
  quotes are removed; anything else is 400 idempotency_key_invalid.
- It belongs to the API key that sent it; posts and media are separate namespaces (the two posts
  addresses share one, and so do the two media addresses).
- The same key and body within 24 hours (scaled) replays the first answer byte for byte with
  Idempotent-Replayed: true; another body is 422 idempotency_key_reused; a first request still
  running is 409 idempotency_in_progress, and one running for more than 10 minutes (scaled) never
  answered: 409 idempotency_outcome_unknown.

How bodies are compared is unspecified: the sandbox compares the parsed JSON (key order and
spacing do not matter), falling back to the raw bytes for a body that is not JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from pipeline.sandbox.answers import Answer
from pipeline.sandbox.clock import SandboxClock, iso
from pipeline.sandbox.records import IdemRecord
from pipeline.sandbox.store import State

TTL_SECONDS = 24 * 3600.0
STALE_SECONDS = 10 * 60.0
RETRY_AFTER_SECONDS = 5.0
MAX_LENGTH = 255
_PRINTABLE = re.compile(r"^[\x20-\x7E]+$")


class KeyInvalid(ValueError):
    pass


def normalize_key(raw: str | None) -> str | None:
    """None when no header was sent; raises KeyInvalid for a key the API refuses."""
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    if not value:
        raise KeyInvalid("The Idempotency-Key header is empty.")
    if len(value) > MAX_LENGTH or not _PRINTABLE.match(value):
        raise KeyInvalid(
            f"The Idempotency-Key must be 1 to {MAX_LENGTH} printable ASCII characters "
            "(a UUID, for example)."
        )
    return value


def body_hash(body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, UnicodeDecodeError):
        return "raw:" + hashlib.sha256(body).hexdigest()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scope_for(namespace: str, api_key: str) -> str:
    # The API key itself is never kept: the state file may be shared or attached to a bug report.
    return f"{namespace}:{hashlib.sha256(api_key.encode('utf-8')).hexdigest()[:24]}"


@dataclass(frozen=True)
class Begin:
    """What `begin` found: kind is claimed, replay, in_progress, outcome_unknown or reused."""

    kind: str
    answer: Answer | None = None
    started_at: str | None = None
    retry_after: float = 0.0


class Idempotency:
    def __init__(self, state: State, clock: SandboxClock) -> None:
        self._state = state
        self._clock = clock

    def begin(self, scope: str, key: str, digest: str) -> Begin:
        now = self._clock.now()
        record = self._state.idempotency.get(f"{scope}|{key}")
        if record is not None and now - record.started_at > self._clock.scaled(TTL_SECONDS):
            self._state.remove(record)
            record = None
        if record is None:
            self._state.save(IdemRecord(scope, key, digest, now, "running"))
            return Begin("claimed")
        if record.body_hash != digest:
            return Begin("reused", started_at=iso(record.started_at))
        if record.state == "running":
            if now - record.started_at > self._clock.scaled(STALE_SECONDS):
                return Begin("outcome_unknown", started_at=iso(record.started_at))
            return Begin(
                "in_progress",
                started_at=iso(record.started_at),
                retry_after=self._clock.scaled(RETRY_AFTER_SECONDS),
            )
        stored = Answer(record.status, record.body.encode("utf-8"), tuple(record.headers.items()))
        return Begin("replay", answer=stored.with_headers(("idempotent-replayed", "true")))

    def finish(self, scope: str, key: str, answer: Answer, *, keep: bool) -> None:
        """Keeps the answer for replay, or releases the key (a refusal that recorded nothing can
        be sent again afresh, as the retry table expects for throttles and network failures)."""
        record = self._state.idempotency.get(f"{scope}|{key}")
        if record is None:
            return
        if not keep:
            self._state.remove(record)
            return
        headers = {name: value for name, value in answer.headers if name != "idempotent-replayed"}
        self._state.save(
            IdemRecord(
                scope=scope,
                key=key,
                body_hash=record.body_hash,
                started_at=record.started_at,
                state="done",
                status=answer.status,
                body=answer.body.decode("utf-8"),
                headers=headers,
            )
        )

    def expire(self) -> None:
        """Drops records past the 24-hour window (called from the publishing tick)."""
        cutoff = self._clock.now() - self._clock.scaled(TTL_SECONDS)
        for record in [r for r in self._state.idempotency.values() if r.started_at < cutoff]:
            self._state.remove(record)
