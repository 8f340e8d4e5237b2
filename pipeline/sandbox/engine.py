"""The sandbox's core: config, clock, state and the services every route shares.

One `Sandbox` per running server. All of its methods run on the server's event loop, so records
change one request at a time (between awaits) without locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.sandbox.clock import SandboxClock, iso
from pipeline.sandbox.config import AccountConfig, NetworkConfig, ProfileConfig, SandboxConfig
from pipeline.sandbox.faults import Faults
from pipeline.sandbox.idempotency import Idempotency
from pipeline.sandbox.ids import IdSource
from pipeline.sandbox.records import MediaRecord, PostRecord, ScheduledRecord
from pipeline.sandbox.store import State
from pipeline.sandbox.throttles import Throttles
from pipeline.sandbox.webhooks import Webhooks

MEDIA_KEPT_SECONDS = 7 * 86400.0
UPGRADE_URL = "https://status200uploads.com/pricing"


class AmbiguousProfile(LookupError):
    def __init__(self, handles: list[str]) -> None:
        super().__init__("ambiguous")
        self.handles = handles


class Sandbox:
    def __init__(
        self,
        config: SandboxConfig,
        *,
        time_scale: float = 1.0,
        seed: int = 0,
        start_at: float | None = None,
        state_path: str | Path | None = None,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.seed = seed
        self.state = State.open(state_path)
        saved_offset = self.state.meta.get("clock_offset")
        if saved_offset is not None:
            # A restart with --state keeps the sandbox's own time line (--start-at is ignored).
            self.clock = SandboxClock(
                time_scale=time_scale, offset=float(saved_offset), real_time=real_time
            )
        else:
            self.clock = SandboxClock.starting_at(
                start_at, time_scale=time_scale, real_time=real_time
            )
            self.state.set_meta("clock_offset", self.clock.offset)
        # Each start of the same state file gets its own id stream: a restart must not mint the
        # ids of the first run again (a fresh state still replays exactly for the same seed).
        starts = int(self.state.meta.get("starts", 0))
        self.state.set_meta("starts", starts + 1)
        self.ids = IdSource(seed if starts == 0 else seed * 1_000_003 + starts)
        self.idempotency = Idempotency(self.state, self.clock)
        self.throttles = Throttles(self.state, self.clock, config.throttles)
        self.faults = Faults(config.faults, seed)
        self.webhooks = Webhooks(self.state, self.clock, self.ids)
        self._start_offset = self.clock.offset
        #: When each "profile|network" was last asked for its posting options (the 90-s cache).
        self.options_asked: dict[str, float] = {}
        self._seed_media()

    # -- lifecycle -------------------------------------------------------------------------------

    def _seed_media(self) -> None:
        for account in self.config.accounts:
            for seed in account.media:
                if seed.file_id not in self.state.media:
                    now = self.clock.now()
                    self.state.save(
                        MediaRecord(
                            file_id=seed.file_id,
                            account=account.name,
                            url=seed.url or f"https://example.com/{seed.file_id}",
                            type=seed.type,
                            size=seed.size,
                            status="ready",
                            # Seeded files are kept for the whole run.
                            created_at=now + 100 * 365 * 86400.0,
                            ready_at=now,
                        )
                    )

    def advance(self, seconds: float) -> float:
        now = self.clock.advance(seconds)
        self.state.set_meta("clock_offset", self.clock.offset)
        return now

    def reset(self) -> None:
        """Forgets every record, and puts the clock back where this run started."""
        starts = self.state.meta.get("starts", 1)
        self.state.reset()
        self.state.set_meta("starts", starts)
        self.throttles.reset()
        self.faults.reset()
        self.options_asked.clear()
        self.clock.offset = self._start_offset
        self.state.set_meta("clock_offset", self.clock.offset)
        self._seed_media()

    def close(self) -> None:
        self.state.close()

    # -- accounts and profiles -------------------------------------------------------------------

    def account_for_key(self, key: str | None) -> AccountConfig | None:
        return self.config.account_for_key(key) if key else None

    def network(self, profile: ProfileConfig, platform: str) -> NetworkConfig | None:
        """The network as it is now: its config, unless it was disconnected while running."""
        network = profile.network(platform)
        if network is None:
            return None
        if f"{profile.profile_id}|{platform}" in self.state.meta.get("disconnected", {}):
            return replace(network, status="expired", health="reconnect_required")
        return network

    def mark_disconnected(self, profile: ProfileConfig, platform: str) -> bool:
        """Returns False when it was already disconnected."""
        gone = dict(self.state.meta.get("disconnected", {}))
        key = f"{profile.profile_id}|{platform}"
        if key in gone:
            return False
        gone[key] = self.clock.now()
        self.state.set_meta("disconnected", gone)
        return True

    def resolve_profile(self, account: AccountConfig, ref: str) -> ProfileConfig | None:
        """A profile by UUID, "@name" or bare name; case does not matter unless two names differ
        only by case (then only the exact name or the id resolves)."""
        wanted = ref.strip()
        for profile in account.profiles:
            if profile.profile_id == wanted.lower():
                return profile
        name = wanted[1:] if wanted.startswith("@") else wanted
        same = [p for p in account.profiles if p.name.lower() == name.lower()]
        exact = [p for p in same if p.name == name]
        if len(same) > 1 and not exact:
            raise AmbiguousProfile([p.handle for p in same][:25])
        if exact:
            return exact[0]
        return same[0] if same else None

    # -- media -----------------------------------------------------------------------------------

    def media(self, account: AccountConfig, file_id: str) -> MediaRecord | None:
        record = self.state.media.get(file_id.lower())
        if record is None or record.account != account.name:
            return None
        if self.media_expired(record):
            return None
        return record

    def settle_media(self, record: MediaRecord) -> MediaRecord:
        """An import still processing becomes ready once its (scaled) import time has passed."""
        if record.status == "processing" and record.ready_at <= self.clock.now():
            record = replace(record, status="ready")
            self.state.save(record)
        return record

    def media_progress(self, record: MediaRecord) -> int:
        if record.status != "processing":
            return 100
        span = max(record.ready_at - record.created_at, 1e-9)
        done = (self.clock.now() - record.created_at) / span
        return max(0, min(99, int(done * 100)))

    def media_expired(self, record: MediaRecord) -> bool:
        """Kept 7 days (scaled), and as long as a waiting scheduled post uses it."""
        if self.clock.now() <= record.created_at + self.clock.scaled(MEDIA_KEPT_SECONDS):
            return False
        return not any(
            record.file_id in s.media_ids for s in self.state.scheduled.values() if s.waiting
        )

    # -- allowances ------------------------------------------------------------------------------

    def allowance(self, account: AccountConfig, profile: ProfileConfig) -> dict[str, Any]:
        """{kind, used, limit, resets_at (epoch or None)}: daily per profile (all networks), or
        monthly per account, counted in UTC days and months of the sandbox clock."""
        plan = account.plan
        now = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        if plan.allowance == "daily":
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            end = start + timedelta(days=1)
            used = sum(
                1
                for p in self.state.posts.values()
                if p.profile_id == profile.profile_id
                and start.timestamp() <= p.at < end.timestamp()
            )
        elif plan.allowance == "monthly":
            start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            end = (start + timedelta(days=32)).replace(day=1)
            used = sum(
                1
                for p in self.state.posts.values()
                if p.account == account.name and start.timestamp() <= p.at < end.timestamp()
            )
        else:
            return {"kind": "unlimited", "used": None, "limit": None, "resets_at": None}
        return {
            "kind": plan.allowance,
            "used": used,
            "limit": plan.limit,
            "resets_at": end.timestamp(),
        }

    def waiting_count(self, account: AccountConfig) -> int:
        return sum(
            1 for s in self.state.scheduled.values() if s.account == account.name and s.waiting
        )

    # -- records ---------------------------------------------------------------------------------

    def save_post(self, post: PostRecord) -> None:
        new = post.id not in self.state.posts
        self.state.save(post)
        if new:
            self.state.count(f"posts_created|{post.account}")

    def save_scheduled(self, scheduled: ScheduledRecord) -> None:
        new = scheduled.id not in self.state.scheduled
        self.state.save(scheduled)
        if new:
            self.state.count(f"scheduled_created|{scheduled.account}")

    def handle(self, profile_id: str) -> str:
        found = self.config.profile(profile_id)
        return found[1].handle if found else "@unknown"

    def now_iso(self) -> str:
        return iso(self.clock.now())
