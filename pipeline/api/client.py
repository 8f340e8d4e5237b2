"""The pipeline's client of the Status 200 Uploads API (the main address, /api/v2).

Why not the official SDK: the publisher's ledger must record the intent and the outcome of every
attempt, and an SDK that resends inside itself hides them. Here the writes take an observer that
sees each attempt, resends follow only the API's retry table (`sending.py`), reads are paced under
the API's read budget (`ReadLimiter`), and sleep and clocks are injectable so tests never wait.

    with Status200Client(ApiSettings.from_env(os.environ)) as api:
        result = api.create_post({"post": {...}}, idempotency_key="cal-1-...")
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from pipeline.api.errors import UnexpectedAnswer
from pipeline.api.limiter import ReadLimiter
from pipeline.api.observer import AttemptObserver
from pipeline.api.read_types import AccountList, ListedItem, PostingOptions, PostPage, PostRead
from pipeline.api.sending import Call, Sender
from pipeline.api.settings import ApiSettings
from pipeline.api.types import CancelResult, CreateResult, MediaImport, MediaStatus, create_result
from pipeline.httpbase import PooledClient

USER_AGENT = "content-calendar-pipeline/0.1 (+httpx)"
_KEY_SHAPE = re.compile(r"^[\x20-\x7E]{1,255}$")  # the API's Idempotency-Key pattern


def _idempotency_key(key: str | None) -> str | None:
    """Refuse a key the API would refuse (400) or silently change (it strips spaces and quotes)."""
    if key is None:
        return None
    if not _KEY_SHAPE.match(key) or key != key.strip() or key.startswith('"'):
        raise ValueError("an Idempotency-Key is 1-255 printable ASCII characters, not padded")
    return key


def _is_dry_run(body: Mapping[str, Any]) -> bool:
    post = body.get("post")
    flags = [body.get("dryRun"), body.get("dry_run")]
    if isinstance(post, Mapping):
        flags += [post.get("dryRun"), post.get("dry_run")]
    return "validate" in body or any(flag is True for flag in flags)


def _commas(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


class Status200Client(PooledClient):
    """One httpx.Client to the API; a context manager. Thread-safe (httpx.Client is)."""

    def __init__(
        self,
        settings: ApiSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        read_limiter: ReadLimiter | None = None,
        options_limiter: ReadLimiter | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        # The budgets are per account: share one limiter between clients of the same account.
        self.read_limiter = read_limiter or ReadLimiter(
            settings.reads_per_window, settings.read_window, clock=clock, sleep=sleep
        )
        self.options_limiter = options_limiter or ReadLimiter(
            settings.options_per_window, settings.read_window, clock=clock, sleep=sleep
        )
        self._http = httpx.Client(
            transport=transport,
            headers={
                "Authorization": f"Bearer {settings.api_key.reveal()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            follow_redirects=False,
        )
        self._sender = Sender(self._http, settings, sleep=sleep, wall_clock=wall_clock)

    def __repr__(self) -> str:
        return f"Status200Client(base_url={self.settings.base_url!r})"

    # --- calls -----------------------------------------------------------------------------------

    def _read(
        self,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        limiters: tuple[ReadLimiter, ...] | None = None,
    ) -> Call:
        return Call(
            method="GET",
            url=self.settings.base_url + path,
            label=f"GET {path}",
            params=tuple(params),
            safe_to_repeat=True,
            timeout=self.settings.timeout,
            limiters=(self.read_limiter,) if limiters is None else limiters,
        )

    def _posts_url(self, suffix: str = "") -> tuple[str, str, float]:
        """Where posts are created and cancelled: the older address only when configured."""
        s = self.settings
        if s.older_base_url is not None:
            return s.older_base_url + "/api-posts" + suffix, "/api-posts" + suffix, s.older_timeout
        return s.base_url + "/posts" + suffix, "/posts" + suffix, s.timeout

    # --- accounts --------------------------------------------------------------------------------

    def list_accounts(self) -> AccountList:
        """GET /accounts: every profile (up to 100) with its networks and their health."""
        return self._sender.send(
            self._read("/accounts"), lambda body, st, _r: AccountList.from_json(body, status=st)
        )

    def posting_options(
        self,
        profile_id: str,
        platforms: Sequence[str] | None = None,
        *,
        skool_group_slug: str | None = None,
    ) -> PostingOptions:
        """GET /accounts/{profile_id}/options (10 a minute, counted against the reads too)."""
        params = []
        if platforms:
            params.append(("platforms", ",".join(platforms)))
        if skool_group_slug:
            params.append(("skool_group_slug", skool_group_slug))
        call = self._read(
            f"/accounts/{quote(profile_id, safe='')}/options",
            params,
            limiters=(self.read_limiter, self.options_limiter),
        )
        return self._sender.send(call, lambda b, st, _r: PostingOptions.from_json(b, status=st))

    # --- media -----------------------------------------------------------------------------------

    def import_media(
        self,
        url: str,
        idempotency_key: str | None,
        *,
        observer: AttemptObserver[MediaImport] | None = None,
    ) -> MediaImport:
        """POST /media {url}: 200 ready or 202 processing (then `wait_for_media`)."""
        call = Call(
            method="POST",
            url=self.settings.base_url + "/media",
            label="POST /media",
            content=json.dumps({"url": url}, separators=(",", ":")).encode(),
            idempotency_key=_idempotency_key(idempotency_key),
            timeout=self.settings.timeout,
        )
        return self._sender.send(
            call,
            lambda b, st, rp: MediaImport.from_json(b, status=st, replayed=rp),
            observer,
        )

    def media_status(self, file_id: str) -> MediaStatus:
        """GET /media?file_id= (not throttled, not counted as a read)."""
        call = Call(
            method="GET",
            url=self.settings.base_url + "/media",
            label="GET /media",
            params=(("file_id", file_id),),
            safe_to_repeat=True,
            timeout=self.settings.timeout,
        )
        return self._sender.send(call, lambda b, st, _r: MediaStatus.from_json(b, status=st))

    def wait_for_media(
        self, file_id: str, *, poll_every: float = 3.0, give_up_after: float = 900.0
    ) -> MediaStatus:
        """Follow an import until it is not `processing`, or until `give_up_after` seconds have
        passed: then the last status is returned as it is (still processing), for the caller to
        decide. A failed import is returned, not raised: its `error` is the reason."""
        started = self._clock()
        while True:
            status = self.media_status(file_id)
            if status.status != "processing":
                return status
            if self._clock() - started + poll_every > give_up_after:
                return status
            self._sleep(poll_every)

    # --- posts -----------------------------------------------------------------------------------

    def create_post(
        self,
        body: Mapping[str, Any],
        idempotency_key: str | None,
        *,
        observer: AttemptObserver[CreateResult] | None = None,
    ) -> CreateResult:
        """POST /posts: PublishResult (200), DryRunReport (200 dry run) or Accepted (202).

        The body is serialised once; every resend sends the same bytes with the same key.
        """
        url, path, timeout = self._posts_url()
        call = Call(
            method="POST",
            url=url,
            label=f"POST {path}",
            content=json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
            idempotency_key=_idempotency_key(idempotency_key),
            safe_to_repeat=_is_dry_run(body),  # a dry run sends nothing, so it may always resend
            timeout=timeout,
        )
        return self._sender.send(
            call, lambda b, st, rp: create_result(b, status=st, replayed=rp), observer
        )

    def cancel_post(
        self,
        scheduled_post_id: str,
        *,
        observer: AttemptObserver[CancelResult] | None = None,
    ) -> CancelResult:
        """DELETE /posts/{id}. Safe to repeat: a second cancel answers `already_cancelled`."""
        url, path, timeout = self._posts_url("/" + quote(scheduled_post_id, safe=""))
        call = Call(
            method="DELETE",
            url=url,
            label=f"DELETE {path}",
            safe_to_repeat=True,
            timeout=timeout,
        )
        return self._sender.send(
            call, lambda b, st, _r: CancelResult.from_json(b, status=st), observer
        )

    def get_post(self, post_id: str) -> PostRead:
        """GET /posts/{id}: a post (with figures) or a scheduled post (with results)."""
        call = self._read("/posts/" + quote(post_id, safe=""))
        return self._sender.send(call, lambda b, st, _r: PostRead.from_json(b, status=st))

    def list_posts(
        self,
        *,
        status: str | Sequence[str] | None = None,
        platform: str | None = None,
        kind: str | None = None,
        profile_id: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PostPage:
        """One page of GET /posts, newest first; pass `next_cursor` back exactly as received."""
        if not 1 <= limit <= 100:
            raise ValueError("limit is 1 to 100")
        params = [("limit", str(limit))]
        for name, value in (
            ("status", _commas(status)),
            ("platform", platform),
            ("kind", kind),
            ("profile_id", profile_id),
            ("cursor", cursor),
        ):
            if value is not None:
                params.append((name, value))
        return self._sender.send(
            self._read("/posts", params), lambda b, st, _r: PostPage.from_json(b, status=st)
        )

    def iter_posts(
        self,
        *,
        status: str | Sequence[str] | None = None,
        platform: str | None = None,
        kind: str | None = None,
        profile_id: str | None = None,
        limit: int = 100,
    ) -> Iterator[ListedItem]:
        """Every item on every page, following `next_cursor` (each page is one paced read)."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.list_posts(
                status=status,
                platform=platform,
                kind=kind,
                profile_id=profile_id,
                limit=limit,
                cursor=cursor,
            )
            yield from page.items
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:  # a loop would read for ever and burn the budget
                raise UnexpectedAnswer("GET /posts gave the same next_cursor twice", status=200)
            seen.add(page.next_cursor)
            cursor = page.next_cursor
