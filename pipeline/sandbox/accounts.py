"""GET /accounts and GET /accounts/{profile_id}/options: profiles, their networks, and what each
network allows (asked "live" in the real service; read from the config here, cached 90 s scaled)."""

from __future__ import annotations

from typing import Any

from pipeline.model import PLATFORMS
from pipeline.sandbox.answers import Answer, read_error, read_ok
from pipeline.sandbox.clock import iso
from pipeline.sandbox.config import AccountConfig, NetworkConfig, ProfileConfig
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.history import BadParameter
from pipeline.sandbox.ids import is_uuid

OPTIONS_CACHE_SECONDS = 90.0
NO_OPTIONS = ("x", "linkedin", "threads")


def list_accounts(sb: Sandbox, account: AccountConfig, query: list[tuple[str, str]]) -> Answer:
    profiles = sorted(account.profiles, key=lambda p: (p.created_at, p.name))[:100]
    body: dict[str, Any] = {"data": [_account(sb, p) for p in profiles]}
    if query:
        body["warnings"] = [
            {
                "code": "unknown_parameter",
                "message": f"GET /accounts takes no parameters: {name} was not used.",
                "field": name,
            }
            for name in sorted({k for k, _ in query})
        ]
    return read_ok(body)


def _account(sb: Sandbox, profile: ProfileConfig) -> dict[str, Any]:
    networks = []
    gone = sb.state.meta.get("disconnected", {})
    for network in sorted(profile.networks, key=lambda n: n.platform):
        current = sb.network(profile, network.platform) or network
        changed = gone.get(f"{profile.profile_id}|{network.platform}")
        networks.append(
            {
                "platform": network.platform,
                "username": network.username,
                "status": current.status,
                "health": current.health,
                "access_expires_at": iso(network.expires_at) if network.expires_at else None,
                "connected_at": iso(profile.created_at),
                "updated_at": iso(changed if changed else profile.created_at),
            }
        )
    return {
        "profile_id": profile.profile_id,
        "profile_name": profile.name,
        "handle": profile.handle,
        "created_at": iso(profile.created_at),
        "networks": networks,
    }


def posting_options(
    sb: Sandbox,
    account: AccountConfig,
    profile_id: str,
    query: list[tuple[str, str]],
) -> Answer:
    params = dict(query)
    try:
        if not is_uuid(profile_id):
            raise BadParameter("id", "The profile id must be a UUID from GET /accounts.")
        wanted = _platforms(params.get("platforms"))
        slug = params.get("skool_group_slug")
        if slug is not None and not 1 <= len(slug) <= 200:
            raise BadParameter("skool_group_slug", "skool_group_slug is 1 to 200 characters.")
    except BadParameter as bad:
        return bad.answer()
    profile = next((p for p in account.profiles if p.profile_id == profile_id), None)
    if profile is None:
        return read_error(404, "account_not_found", "No profile with that id on your account.")
    if wanted is None:
        wanted = [n.platform for n in profile.networks if n.status == "connected"]
    now = sb.clock.now()
    rows = []
    for platform in wanted:
        network = sb.network(profile, platform)
        key = f"{profile.profile_id}|{platform}"
        last = sb.options_asked.get(key)
        cached = last is not None and now - last < sb.clock.scaled(OPTIONS_CACHE_SECONDS)
        if not cached:
            sb.options_asked[key] = last = now
        rows.append(
            _row(sb, profile, platform, network, checked=last or now, cached=cached, slug=slug)
        )
    body = {
        "data": {
            "profile_id": profile.profile_id,
            "profile_name": profile.name,
            "networks": rows,
            "note": None,
            "asked_at": iso(now),
        }
    }
    return read_ok(body)


def _platforms(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names or any(n not in PLATFORMS for n in names):
        raise BadParameter(
            "platforms", f"platforms takes {', '.join(PLATFORMS)} (comma-separated)."
        )
    return list(dict.fromkeys(names))


def _row(
    sb: Sandbox,
    profile: ProfileConfig,
    platform: str,
    network: NetworkConfig | None,
    *,
    checked: float,
    cached: bool,
    slug: str | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "platform": platform,
        "status": "ok",
        "options": None,
        "note": None,
        "checked_at": iso(checked),
        "cached": cached,
        "error_code": None,
    }
    if network is None:
        return {
            **row,
            "status": "not_connected",
            "checked_at": None,
            "note": f"{platform} is not connected to {profile.handle}.",
        }
    if network.status != "connected" or network.health == "reconnect_required":
        return {
            **row,
            "status": "reconnect_required",
            "error_code": "reconnect_required",
            "note": f"Reconnect {platform} on the Connections page.",
        }
    if platform in NO_OPTIONS:
        return {
            **row,
            "status": "no_options",
            "note": f"{platform} has no posting options to read.",
        }
    options = dict(network.options)
    if platform == "instagram":
        window = float(options.get("window_hours") or 24)
        since = sb.clock.now() - window * 3600
        used = sum(
            1
            for p in sb.state.posts.values()
            if p.profile_id == profile.profile_id and p.platform == "instagram" and p.at >= since
        )
        allowed = options.get("posts_allowed")
        options.update(
            posts_used=used, posts_left=(allowed - used) if isinstance(allowed, int) else None
        )
    if platform == "skool":
        groups = options.get("groups") or []
        chosen = slug or (groups[0].get("slug") if len(groups) == 1 else None)
        options["labels_for_group"] = chosen
        if chosen is None:
            options["labels"] = None
    return {**row, "options": options}
