"""Which handler answers a method and path, on both addresses, with the file's own answers for
methods and paths that have no operation (405 and 404 in three different shapes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pipeline.sandbox.accounts import list_accounts, posting_options
from pipeline.sandbox.answers import (
    CACHE_CONTROL,
    Answer,
    error_answer,
    json_answer,
    media_error,
    read_api_key,
    read_error,
)
from pipeline.sandbox.context import Ctx
from pipeline.sandbox.createpost import create_post
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.history import Cursors, cancel, cancel_answer, get_post, list_posts
from pipeline.sandbox.ids import is_uuid
from pipeline.sandbox.media import import_media, media_status
from pipeline.sandbox.posting import unauthorized
from pipeline.sandbox.throttles import READS_PER_MINUTE

V2 = "/api/v2"
OLDER = "/functions/v1"
CORS = (
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, POST, DELETE, OPTIONS"),
    ("access-control-allow-headers", "authorization, content-type, idempotency-key"),
)
ENDPOINTS_MESSAGE = (
    "No API endpoint at this path. Endpoints: POST/GET /api/v2/posts, GET/DELETE "
    "/api/v2/posts/{id}, GET /api/v2/accounts, GET /api/v2/accounts/{profile_id}/options, "
    "POST /api/v2/media, GET /api/v2/media?file_id=."
)

Handler = Callable[[Ctx], Awaitable[Answer]]


@dataclass(frozen=True)
class Route:
    endpoint: str  # "POST /api/v2/posts"; "" for the answers that are not an operation
    handler: Handler
    family: str  # posts | older_posts | read | cancel | media | other: shapes of injected faults


def _fixed(answer: Answer) -> Handler:
    async def handler(ctx: Ctx) -> Answer:
        return answer

    return handler


class Api:
    """The API's operations over one Sandbox."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.cursors = Cursors(sb.seed)

    def route(self, method: str, path: str) -> Route | None:
        trimmed = path.rstrip("/") or "/"
        if trimmed == V2 or trimmed.startswith(V2 + "/"):
            return self._v2(method, trimmed[len(V2) :].strip("/").split("/"))
        if trimmed.startswith(OLDER + "/"):
            return self._older(method, trimmed[len(OLDER) :].strip("/").split("/"))
        return None

    # -- /api/v2 ---------------------------------------------------------------------------------

    def _v2(self, method: str, parts: list[str]) -> Route:
        other = Route("", _fixed(error_answer(404, "not_found", ENDPOINTS_MESSAGE)), "other")
        head = parts[0] if parts else ""
        if head == "posts" and len(parts) == 1:
            if method == "POST":
                return Route("POST /api/v2/posts", self._create, "posts")
            if method == "GET":
                return Route("GET /api/v2/posts", self._list, "read")
            if method == "OPTIONS":
                return Route("", _fixed(Answer(200, b"", CORS, "text/plain")), "other")
            return Route(
                "",
                _fixed(
                    error_answer(
                        405,
                        "method_not_allowed",
                        f"{method} is not answered on /api/v2/posts: POST publishes, GET lists.",
                    )
                ),
                "other",
            )
        if head == "posts" and len(parts) == 2:
            item = parts[1]
            if method == "GET":
                return Route("GET /api/v2/posts/{id}", lambda ctx: self._get(ctx, item), "read")
            if method == "DELETE":
                return Route(
                    "DELETE /api/v2/posts/{id}",
                    lambda ctx: self._cancel(ctx, item, older=False),
                    "cancel",
                )
            return other
        if head == "accounts" and (len(parts) == 1 or (len(parts) == 3 and parts[2] == "options")):
            if method != "GET":
                return Route(
                    "",
                    _fixed(
                        error_answer(
                            405,
                            "method_not_allowed",
                            "The accounts paths answer GET only.",
                            ("allow", "GET, OPTIONS"),
                            CACHE_CONTROL,
                        )
                    ),
                    "other",
                )
            if len(parts) == 1:
                return Route("GET /api/v2/accounts", self._accounts, "read")
            profile = parts[1]
            return Route(
                "GET /api/v2/accounts/{profile_id}/options",
                lambda ctx: self._options(ctx, profile),
                "read",
            )
        if head == "media" and len(parts) == 1:
            return self._media(method, older=False)
        return other

    # -- /functions/v1 ---------------------------------------------------------------------------

    def _older(self, method: str, parts: list[str]) -> Route:
        not_allowed = Route(
            "", _fixed(error_answer(405, "api_error", "Method not allowed")), "other"
        )
        if parts[0] == "api-posts":
            if method == "POST":  # a POST to any path under /api-posts publishes
                return Route("POST /functions/v1/api-posts", self._create_older, "older_posts")
            if method == "OPTIONS":
                return Route("", _fixed(Answer(200, b"", CORS, "text/plain")), "other")
            if len(parts) == 2 and method == "DELETE":
                item = parts[1]
                return Route(
                    "DELETE /functions/v1/api-posts/{id}",
                    lambda ctx: self._cancel(ctx, item, older=True),
                    "cancel",
                )
            if len(parts) <= 2:
                return not_allowed
            return Route("", _fixed(error_answer(404, "not_found", "No such path.")), "other")
        if parts[0] == "api-media-upload" and len(parts) == 1:
            return self._media(method, older=True)
        return Route("", _fixed(error_answer(404, "not_found", "No such function.")), "other")

    def _media(self, method: str, *, older: bool) -> Route:
        prefix = "/functions/v1/api-media-upload" if older else "/api/v2/media"
        if method == "POST":
            return Route(f"POST {prefix}", lambda ctx: import_media(self.sb, ctx), "media")
        if method == "GET":
            return Route(f"GET {prefix}", self._media_status, "media")
        if method == "OPTIONS":
            body = (b'"ok"', "application/json") if older else (b"", "text/plain")
            return Route("", _fixed(Answer(200, body[0], CORS, body[1])), "other")
        sentence = "Method Not Allowed" if older else "Method Not Allowed. Use POST /api/v2/media."
        return Route("", _fixed(media_error(405, sentence)), "other")

    # -- handlers --------------------------------------------------------------------------------

    async def _create(self, ctx: Ctx) -> Answer:
        return await create_post(self.sb, ctx, older=False)

    async def _create_older(self, ctx: Ctx) -> Answer:
        return await create_post(self.sb, ctx, older=True)

    async def _media_status(self, ctx: Ctx) -> Answer:
        return media_status(self.sb, ctx)

    def _reader(self, ctx: Ctx, *, options: bool = False) -> tuple[Answer | None, object]:
        account = self.sb.account_for_key(read_api_key(ctx.headers))
        if account is None:
            return read_error(
                401, "unauthorized", "Send Authorization: Bearer rl_... with an active API key."
            ), None
        wait, limit = self.sb.throttles.read(account.name, options=options)
        if wait > 0:
            seconds = self.sb.clock.wait_header(wait)
            which = "reads" if limit == READS_PER_MINUTE else "posting options reads"
            return read_error(
                429,
                "rate_limited",
                f"{limit} {which} a minute per account: wait {seconds} s.",
                retry_after_seconds=seconds,
                limit=limit,
            ), account
        return None, account

    async def _list(self, ctx: Ctx) -> Answer:
        refused, account = self._reader(ctx)
        if refused is not None:
            return refused
        return list_posts(self.sb, self.cursors, account, ctx.query, ctx.base_url)  # type: ignore[arg-type]

    async def _get(self, ctx: Ctx, item: str) -> Answer:
        refused, account = self._reader(ctx)
        return refused or get_post(self.sb, account, item)  # type: ignore[arg-type]

    async def _accounts(self, ctx: Ctx) -> Answer:
        refused, account = self._reader(ctx)
        return refused or list_accounts(self.sb, account, ctx.query)  # type: ignore[arg-type]

    async def _options(self, ctx: Ctx, profile: str) -> Answer:
        refused, account = self._reader(ctx, options=True)
        if refused is not None:
            return refused
        return posting_options(self.sb, account, profile, ctx.query)  # type: ignore[arg-type]

    async def _cancel(self, ctx: Ctx, item: str, *, older: bool) -> Answer:
        account = self.sb.account_for_key(read_api_key(ctx.headers))
        if account is None:
            return unauthorized(older, "authorization" not in ctx.headers).answer()
        if not is_uuid(item.lower()):
            return error_answer(400, "bad_request", "The id must be a UUID (a scheduled_post_id).")
        return cancel_answer(cancel(self.sb, account, item.lower()))


def fault_answer(family: str, action: str, retry_after: int) -> Answer:
    """The answer of an injected 500, 502 or 503, in the shape of the endpoint's family."""
    retry = (("retry-after", str(retry_after)),)
    if family == "media":
        return {
            "error_500": media_error(500, "The import could not be started."),
            "error_502": media_error(502, "Bad gateway."),
            "error_503": media_error(
                503,
                "The Idempotency-Key could not be checked. Nothing was imported.",
                *retry,
                code="idempotency_unavailable",
                retry_after_seconds=retry_after,
            ),
        }[action]
    headers = (CACHE_CONTROL,) if family == "read" else ()
    if action == "error_500":
        return error_answer(
            500,
            "server_error",
            "Our side failed (sandbox fault injection). Nothing was done.",
            *headers,
        )
    if action == "error_502":
        return error_answer(
            502,
            "upstream_unavailable",
            "The request never reached the engine (sandbox fault injection). Nothing was done.",
            *headers,
        )
    return json_answer(
        503,
        {
            "error": {
                "code": "caller_check_unavailable",
                "message": "The caller "
                "could not be checked (sandbox fault injection). Nothing was done.",
                "retry_after_seconds": retry_after,
            }
        },
        *headers,
        *retry,
    )
