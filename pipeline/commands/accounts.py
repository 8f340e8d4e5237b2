"""`pipeline accounts`: the profiles this API key reaches, their networks, and the choices that
calendars name (Pinterest board ids, Skool group ids, TikTok privacy levels)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from pipeline.api import ApiSettings, ConfigError, Status200Client, Status200Error
from pipeline.commands.common import EXIT_OK, EXIT_PROBLEMS, UsageError
from pipeline.textsafe import printable

#: What each network's options say that a calendar needs.
_CHOICES = {
    "pinterest": ("boards", "boardId"),
    "skool": ("groups", "group"),
    "tiktok": ("privacy_level_options", "privacyLevel"),
    "youtube": ("privacy_status_options", "privacyStatus"),
}


def _describe(platform: str, options: Any) -> str:
    key, option = _CHOICES.get(platform, (None, None))
    if key is None or not hasattr(options, "get"):
        return ""
    values = options.get(key) or []
    shown = [f"{v.get('id')} ({v.get('name')})" if hasattr(v, "get") else str(v) for v in values]
    return f"{option}: " + (", ".join(shown) if shown else "none")


def accounts_command(args: argparse.Namespace) -> int:
    try:
        settings = ApiSettings.from_env(os.environ)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    data: list[dict[str, Any]] = []
    try:
        with Status200Client(settings) as client:
            for account in client.list_accounts().accounts:
                row: dict[str, Any] = {
                    "handle": account.handle,
                    "profile_id": account.profile_id,
                    "networks": {},
                }
                options = None
                if args.options:
                    options = client.posting_options(account.profile_id)
                for network in account.networks:
                    found = options.network(network.platform) if options else None
                    row["networks"][network.platform] = {
                        "status": network.status,
                        "health": network.health,
                        "choices": _describe(network.platform, found.options) if found else "",
                    }
                data.append(row)
    except Status200Error as exc:
        print(f"pipeline accounts: {printable(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    for row in data:
        print(printable(f"{row['handle']}  ({row['profile_id']})"))  # the API's values
        for platform, info in row["networks"].items():
            flag = "" if info["health"] == "ready" else "  <- reconnect in the dashboard"
            choices = f"  {info['choices']}" if info["choices"] else ""
            print(
                printable(
                    f"  {platform:<10} {info['status']:<10} {info['health']:<19}{choices}{flag}"
                )
            )
    return EXIT_OK
