"""The POST of a post on both addresses, around the checks of posting.Attempt: the JSON, the key,
the dry-run branch, and the Idempotency-Key (claim, replay, 409, 422; what is kept under a key).

Kept under a key: 2xx answers and 500 server_error/platform_error (on the older address any 500,
a network's own error passed on without a code). Refusals that recorded nothing, throttles and a
network's 4xx release the key, so the identical request can be sent again afresh, as the retry
table expects of them.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.sandbox.answers import Answer, Refusal, read_api_key
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.dryrun import dry_run_report
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.idempotency import KeyInvalid, body_hash, normalize_key, scope_for
from pipeline.sandbox.posting import Attempt, unauthorized
from pipeline.sandbox.postinput import read_post, youtube_tags

KEPT_CODES = ("server_error", "platform_error")


def _parse_json(ctx: Ctx, older: bool) -> dict[str, Any]:
    try:
        body = json.loads(ctx.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise Refusal(
            400,
            "api_error" if older else "bad_request",
            'The body must be a JSON object: {"post": {...}}.',
        )
    return body


async def create_post(sb: Sandbox, ctx: Ctx, *, older: bool) -> Answer:
    """The whole POST, refusals included, as the answer to send."""
    try:
        return await _create_post(sb, ctx, older=older)
    except Refusal as refusal:
        return refusal.answer()


async def _create_post(sb: Sandbox, ctx: Ctx, *, older: bool) -> Answer:
    key = ctx.headers.get("authorization")
    account = sb.account_for_key(_bearer(key))
    if older and account is None:
        raise unauthorized(older, key is None)
    body = _parse_json(ctx, older)
    if account is None:
        raise unauthorized(older, key is None)
    post = read_post(body, older=older)
    attempt = Attempt(sb, ctx, account, post, older=older)
    if post.dry_run:
        return await dry_run_report(attempt)
    youtube_tags(post)
    attempt.check_schedule()
    try:
        idem_key = normalize_key(ctx.headers.get("idempotency-key"))
    except KeyInvalid as exc:
        raise Refusal(400, "idempotency_key_invalid", str(exc)) from None
    if idem_key is None:
        await ctx.pause()
        return await _run(attempt)
    api_key = _bearer(key) or ""
    scope = scope_for("posts", api_key)
    begun = sb.idempotency.begin(scope, idem_key, body_hash(ctx.body))
    if begun.kind == "replay":
        assert begun.answer is not None
        return begun.answer
    if begun.kind == "reused":
        raise Refusal(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for another "
            "body in the last 24 hours. Do not resend: use a new key for a new post.",
            extras={"first_used_at": begun.started_at},
        )
    if begun.kind == "in_progress":
        wait = sb.clock.wait_header(begun.retry_after)
        raise Refusal(
            409,
            "idempotency_in_progress",
            "The first request with this "
            "Idempotency-Key is still running: wait, then send it again.",
            extras={"started_at": begun.started_at},
            retry_after=wait,
        )
    if begun.kind == "outcome_unknown":
        raise Refusal(
            409,
            "idempotency_outcome_unknown",
            "The first request with this "
            "Idempotency-Key never answered. Do not resend: check GET /posts.",
            extras={"started_at": begun.started_at},
        )
    await ctx.pause()
    answer = await _run(attempt)
    if ctx.decision.action == "commit_then_die":
        return answer  # the key stays "running": the first request never answered
    code = _code_of(answer)
    keep = 200 <= answer.status < 300 or code in KEPT_CODES or (older and answer.status == 500)
    sb.idempotency.finish(scope, idem_key, answer, keep=keep)
    return answer


async def _run(attempt: Attempt) -> Answer:
    try:
        return await attempt.run()
    except Refusal as refusal:
        return refusal.answer()


def _code_of(answer: Answer) -> str | None:
    try:
        error = json.loads(answer.body).get("error")
    except (ValueError, AttributeError):
        return None
    return error.get("code") if isinstance(error, dict) else None


def _bearer(value: str | None) -> str | None:
    return read_api_key({"authorization": value}) if value is not None else None
