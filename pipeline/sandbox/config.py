"""Sandbox accounts, profiles, plans and rules: YAML in, frozen values out.

With no file, `demo_config()` gives one account (key `rl_sandbox_demo`) whose profile `@demo` is
connected to all nine networks, so `pipeline sandbox` works with no arguments. The YAML format is
documented in docs/sandbox.md; `load_config` refuses unknown keys so a typo is not silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.model import PLATFORMS
from pipeline.sandbox.clipconfig import ClipConfigError, ClipsConfig, demo_clips, load_clips
from pipeline.sandbox.clock import parse_iso
from pipeline.sandbox.defaults import DEFAULT_FILE_LIMITS, default_options
from pipeline.sandbox.faults import FaultSpecError, check_spec
from pipeline.sandbox.ids import is_uuid, profile_uuid

DEMO_KEY = "rl_sandbox_demo"
DEMO_WEBHOOK_SECRET = "whsec_sandbox_demo"  # noqa: S105 - a published demo value, not a secret
#: 2026-01-01T00:00:00Z: when configured profiles and networks say they were created.
DEFAULT_CREATED_AT = 1767225600.0

ALLOWANCE_KINDS = ("unlimited", "daily", "monthly")
TIER_ORDER = ("free", "beginner", "apprentice", "skilled", "expert", "agency")
EVENTS = ("post.published", "post.failed", "post.scheduled", "profile.disconnected")


class ConfigError(ValueError):
    """The sandbox config file cannot be used; the message names the place."""


@dataclass(frozen=True)
class NetworkConfig:
    platform: str
    username: str | None
    status: str = "connected"  # connected | expired
    health: str = "ready"  # ready | reconnect_required | unknown
    options: Mapping[str, Any] = field(default_factory=dict)
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    #: Sandbox time when the sign-in expires (profile.disconnected fires then); None = never.
    expires_at: float | None = None


@dataclass(frozen=True)
class ProfileConfig:
    profile_id: str
    name: str
    created_at: float
    networks: tuple[NetworkConfig, ...]

    @property
    def handle(self) -> str:
        return f"@{self.name}"

    def network(self, platform: str) -> NetworkConfig | None:
        return next((n for n in self.networks if n.platform == platform), None)


@dataclass(frozen=True)
class PlanConfig:
    tier: str = "skilled"
    allowance: str = "unlimited"  # unlimited | daily (per profile) | monthly (per account)
    limit: int | None = None
    x_addon: bool = True
    trial_available: bool = False


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str = field(repr=False)
    events: tuple[str, ...] = EVENTS


@dataclass(frozen=True)
class MediaSeed:
    """A file already imported when the sandbox starts (for example the OpenAPI file's examples)."""

    file_id: str
    type: str
    size: int
    url: str | None = None


@dataclass(frozen=True)
class AccountConfig:
    name: str
    keys: tuple[str, ...] = field(repr=False)  # API keys never show in a repr or a log
    plan: PlanConfig
    profiles: tuple[ProfileConfig, ...]
    webhook: WebhookConfig | None = None
    media: tuple[MediaSeed, ...] = ()
    max_waiting_scheduled: int = 500


@dataclass(frozen=True)
class Rule:
    """A network outcome decided by the post itself: text containing a marker, or a media type.

    outcome: failed (the network refuses it: an HTTP refusal for networks that answer at once, a
    failed History post for TikTok, Instagram and YouTube), timeout, or still_publishing.
    """

    outcome: str
    platform: str | None = None
    text_contains: str | None = None
    media_type: str | None = None  # a MIME type such as video/webm
    message: str = "The network refused the post."


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("failed", text_contains="#sandbox-fail", message="The network refused the post (rule)."),
    Rule("timeout", text_contains="#sandbox-timeout", message="The network never confirmed it."),
    Rule("still_publishing", text_contains="#sandbox-slow"),
    Rule(
        "failed",
        platform="instagram",
        media_type="video/webm",
        message="Instagram does not take WebM videos. Send MP4 or MOV.",
    ),
)


STAMPS = ("answer", "arrival")


@dataclass(frozen=True)
class ThrottleConfig:
    """The moment the post and media throttles count, which the OpenAPI file leaves open.

    `stamp`: "answer" (the default) checks and records a request after its added latency, just
    before answering (an import: after `import_latency`); "arrival" checks and records it at the
    moment it arrived, before any added latency. `import_latency`: service seconds (scaled) every
    import takes before it answers. `exact_waits`: the throttles' retry_after_seconds is the
    remaining wait rounded up to the millisecond instead of to whole seconds (the Retry-After
    header stays whole), for time-scaled runs where a whole second is many intervals."""

    stamp: str = "answer"
    import_latency: float = 0.0
    exact_waits: bool = False


@dataclass(frozen=True)
class SandboxConfig:
    accounts: tuple[AccountConfig, ...]
    rules: tuple[Rule, ...] = DEFAULT_RULES
    #: Sizes given to files on hosts the sandbox cannot reach (accepted by their extension).
    stand_in_image_bytes: int = 2_048_576
    stand_in_video_bytes: int = 5_242_880
    #: How fast an import runs, for the 200-or-202 decision and GET /media progress.
    import_bytes_per_second: int = 50_000_000
    #: Faults active from the start: endpoint ("POST /api/v2/posts" or "*") -> spec (faults.py).
    faults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Processing time (unscaled seconds) of networks that finish after the answer.
    processing_seconds: Mapping[str, float] = field(
        default_factory=lambda: {"tiktok": 30.0, "instagram": 20.0, "youtube": 90.0}
    )
    #: The emulated clip server (its Upload-Post keys, profiles and jobs); clipconfig.py.
    clips: ClipsConfig = field(default_factory=demo_clips)
    #: Where the post and media throttles count a request, and how they answer (ThrottleConfig).
    throttles: ThrottleConfig = field(default_factory=ThrottleConfig)

    def account_for_key(self, key: str) -> AccountConfig | None:
        return next((a for a in self.accounts if key in a.keys), None)

    def account(self, name: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.name == name), None)

    def profile(self, profile_id: str) -> tuple[AccountConfig, ProfileConfig] | None:
        for account in self.accounts:
            for profile in account.profiles:
                if profile.profile_id == profile_id:
                    return account, profile
        return None


def demo_config() -> SandboxConfig:
    """The built-in account: key rl_sandbox_demo, profile @demo on every network, skilled plan."""
    return load_config_data(
        {
            "accounts": [
                {
                    "name": "demo",
                    "keys": [DEMO_KEY],
                    "plan": {"tier": "skilled", "allowance": "unlimited", "x_addon": True},
                    "webhook": {"url": None, "secret": DEMO_WEBHOOK_SECRET},
                    "profiles": [{"name": "demo", "networks": "all"}],
                }
            ]
        }
    )


def load_config(path: str | Path) -> SandboxConfig:
    text = Path(path).read_text(encoding="utf-8")
    return load_config_text(text, source=str(path))


def load_config_text(text: str, *, source: str = "<config>") -> SandboxConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        return demo_config()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping")
    try:
        return load_config_data(data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    return value


def _time(value: Any, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "timestamp"):  # YAML reads unquoted timestamps as datetime
        if getattr(value, "tzinfo", None) is None:
            raise ConfigError(f"{where}: a time needs a time zone")
        return float(value.timestamp())
    try:
        return parse_iso(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: not an ISO 8601 time with a zone: {value!r}") from exc


def load_config_data(data: Mapping[str, Any]) -> SandboxConfig:
    _check_keys(
        data,
        {
            "accounts",
            "rules",
            "stand_in_size",
            "import_bytes_per_second",
            "faults",
            "processing",
            "clips",
            "throttles",
        },
        "top level",
    )
    raw_accounts = data.get("accounts") or []
    if not isinstance(raw_accounts, list) or not raw_accounts:
        raise ConfigError("accounts: give a list of at least one account")
    accounts = tuple(_account(a, i) for i, a in enumerate(raw_accounts))
    _check_unique(accounts)
    sizes = _mapping(data.get("stand_in_size") or {}, "stand_in_size")
    _check_keys(sizes, {"image", "video"}, "stand_in_size")
    rules = DEFAULT_RULES + tuple(_rule(r, i) for i, r in enumerate(data.get("rules") or []))
    processing = {"tiktok": 30.0, "instagram": 20.0, "youtube": 90.0}
    for name, seconds in _mapping(data.get("processing") or {}, "processing").items():
        if name not in PLATFORMS:
            raise ConfigError(f"processing: unknown network {name!r}")
        processing[name] = float(seconds)
    return SandboxConfig(
        accounts=accounts,
        rules=rules,
        stand_in_image_bytes=int(sizes.get("image", 2_048_576)),
        stand_in_video_bytes=int(sizes.get("video", 5_242_880)),
        import_bytes_per_second=int(data.get("import_bytes_per_second", 50_000_000)),
        faults=_faults(data.get("faults") or {}),
        processing_seconds=processing,
        clips=_clips(data.get("clips")),
        throttles=_throttles(data.get("throttles") or {}),
    )


def _throttles(raw: Any) -> ThrottleConfig:
    data = _mapping(raw, "throttles")
    _check_keys(data, {"stamp", "import_latency", "exact_waits"}, "throttles")
    stamp = data.get("stamp", "answer")
    if stamp not in STAMPS:
        raise ConfigError(f"throttles.stamp: {stamp!r} is not one of {', '.join(STAMPS)}")
    latency = data.get("import_latency", 0)
    if (
        isinstance(latency, bool)
        or not isinstance(latency, int | float)
        or not 0 <= latency <= 3600
    ):
        raise ConfigError("throttles.import_latency: seconds from 0 to 3600")
    exact = data.get("exact_waits", False)
    if not isinstance(exact, bool):
        raise ConfigError("throttles.exact_waits: true or false")
    return ThrottleConfig(stamp=str(stamp), import_latency=float(latency), exact_waits=exact)


def _clips(raw: Any) -> ClipsConfig:
    try:
        return load_clips(raw)
    except ClipConfigError as exc:
        raise ConfigError(str(exc)) from exc


def _faults(raw: Any) -> dict[str, dict[str, Any]]:
    try:
        return check_spec(_mapping(raw, "faults"))
    except FaultSpecError as exc:
        raise ConfigError(str(exc)) from exc


def _check_unique(accounts: tuple[AccountConfig, ...]) -> None:
    keys = [k for a in accounts for k in a.keys]
    if len(keys) != len(set(keys)):
        raise ConfigError("accounts: the same API key is given to two accounts")
    ids = [p.profile_id for a in accounts for p in a.profiles]
    if len(ids) != len(set(ids)):
        raise ConfigError("accounts: two profiles have the same id")
    names = [a.name for a in accounts]
    if len(names) != len(set(names)):
        raise ConfigError("accounts: two accounts have the same name")


def _account(raw: Any, index: int) -> AccountConfig:
    where = f"accounts[{index}]"
    data = _mapping(raw, where)
    _check_keys(
        data,
        {"name", "keys", "plan", "profiles", "webhook", "media", "max_waiting_scheduled"},
        where,
    )
    name = str(data.get("name") or f"account{index + 1}")
    keys = tuple(str(k) for k in data.get("keys") or [])
    if not keys:
        raise ConfigError(f"{where}.keys: give at least one API key (rl_...)")
    for key in keys:
        if not re.fullmatch(r"rl_[A-Za-z0-9_\-]{1,200}", key):
            raise ConfigError(f"{where}.keys: an API key must look like rl_ followed by letters")
    profiles = tuple(
        _profile(p, name, f"{where}.profiles[{i}]")
        for i, p in enumerate(data.get("profiles") or [])
    )
    if not profiles:
        raise ConfigError(f"{where}.profiles: give at least one profile")
    webhook = None
    if data.get("webhook") is not None:
        hook = _mapping(data["webhook"], f"{where}.webhook")
        _check_keys(hook, {"url", "secret", "events"}, f"{where}.webhook")
        events = tuple(str(e) for e in hook.get("events") or EVENTS)
        for event in events:
            if event not in EVENTS:
                raise ConfigError(f"{where}.webhook.events: unknown event {event!r}")
        webhook = WebhookConfig(
            url=str(hook.get("url") or ""), secret=str(hook.get("secret") or ""), events=events
        )
    media = tuple(_media(m, f"{where}.media[{i}]") for i, m in enumerate(data.get("media") or []))
    return AccountConfig(
        name=name,
        keys=keys,
        plan=_plan(data.get("plan") or {}, f"{where}.plan"),
        profiles=profiles,
        webhook=webhook,
        media=media,
        max_waiting_scheduled=int(data.get("max_waiting_scheduled", 500)),
    )


def _plan(raw: Any, where: str) -> PlanConfig:
    data = _mapping(raw, where)
    _check_keys(data, {"tier", "allowance", "limit", "x_addon", "trial_available"}, where)
    tier = str(data.get("tier", "skilled"))
    allowance = str(data.get("allowance", "monthly" if tier == "free" else "unlimited"))
    if allowance not in ALLOWANCE_KINDS:
        raise ConfigError(f"{where}.allowance: one of {', '.join(ALLOWANCE_KINDS)}")
    limit = data.get("limit")
    if allowance != "unlimited" and not isinstance(limit, int):
        raise ConfigError(f"{where}.limit: a {allowance} allowance needs a whole number")
    return PlanConfig(
        tier=tier,
        allowance=allowance,
        limit=int(limit) if isinstance(limit, int) else None,
        x_addon=bool(data.get("x_addon", tier != "free")),
        trial_available=bool(data.get("trial_available", tier == "free")),
    )


def _profile(raw: Any, account: str, where: str) -> ProfileConfig:
    data = _mapping(raw, where)
    _check_keys(data, {"name", "id", "created_at", "networks"}, where)
    name = str(data.get("name") or "").lstrip("@")
    if not name:
        raise ConfigError(f"{where}.name: required")
    profile_id = str(data.get("id") or profile_uuid(account, name))
    if not is_uuid(profile_id):
        raise ConfigError(f"{where}.id: a lower-case UUID")
    created = _time(data["created_at"], f"{where}.created_at") if "created_at" in data else None
    raw_networks = data.get("networks", "all")
    if raw_networks == "all":
        raw_networks = {p: {} for p in PLATFORMS}
    if isinstance(raw_networks, list):
        raw_networks = {str(p): {} for p in raw_networks}
    networks = []
    for platform, spec in _mapping(raw_networks, f"{where}.networks").items():
        if platform not in PLATFORMS:
            raise ConfigError(f"{where}.networks: unknown network {platform!r}")
        networks.append(_network(platform, spec or {}, name, f"{where}.networks.{platform}"))
    return ProfileConfig(
        profile_id=profile_id,
        name=name,
        created_at=created if created is not None else DEFAULT_CREATED_AT,
        networks=tuple(sorted(networks, key=lambda n: n.platform)),
    )


def _network(platform: str, raw: Any, profile: str, where: str) -> NetworkConfig:
    data = _mapping(raw, where)
    _check_keys(
        data,
        {
            "username",
            "status",
            "health",
            "options",
            "max_image_bytes",
            "max_video_bytes",
            "expires_at",
        },
        where,
    )
    status = str(data.get("status", "connected"))
    if status not in ("connected", "expired"):
        raise ConfigError(f"{where}.status: connected or expired")
    health = str(data.get("health", "ready" if status == "connected" else "reconnect_required"))
    if health not in ("ready", "reconnect_required", "unknown"):
        raise ConfigError(f"{where}.health: ready, reconnect_required or unknown")
    options = default_options(platform, profile)
    options.update(_mapping(data.get("options") or {}, f"{where}.options"))
    image_limit, video_limit = DEFAULT_FILE_LIMITS[platform]
    return NetworkConfig(
        platform=platform,
        username=str(data.get("username", profile)),
        status=status,
        health=health,
        options=options,
        max_image_bytes=data.get("max_image_bytes", image_limit),
        max_video_bytes=data.get("max_video_bytes", video_limit),
        expires_at=_time(data["expires_at"], f"{where}.expires_at")
        if "expires_at" in data
        else None,
    )


def _media(raw: Any, where: str) -> MediaSeed:
    data = _mapping(raw, where)
    _check_keys(data, {"file_id", "type", "size", "url"}, where)
    file_id = str(data.get("file_id") or "")
    if not is_uuid(file_id):
        raise ConfigError(f"{where}.file_id: a lower-case UUID")
    return MediaSeed(
        file_id=file_id,
        type=str(data.get("type") or "image/jpeg"),
        size=int(data.get("size") or 2_048_576),
        url=str(data["url"]) if data.get("url") else None,
    )


def _rule(raw: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    data = _mapping(raw, where)
    _check_keys(data, {"outcome", "platform", "text_contains", "media_type", "message"}, where)
    outcome = str(data.get("outcome", "failed"))
    if outcome not in ("failed", "timeout", "still_publishing"):
        raise ConfigError(f"{where}.outcome: failed, timeout or still_publishing")
    platform = data.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ConfigError(f"{where}.platform: unknown network {platform!r}")
    return Rule(
        outcome=outcome,
        platform=platform,
        text_contains=data.get("text_contains"),
        media_type=data.get("media_type"),
        message=str(data.get("message") or "The network refused the post."),
    )
