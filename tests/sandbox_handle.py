"""Run a sandbox in-process for a test, on 127.0.0.1 and a free port.

    from tests.sandbox_handle import running_sandbox

    with running_sandbox(time_scale=0.01, seed=7) as sandbox:
        client = httpx.Client(base_url=sandbox.api_base,
                              headers={"Authorization": f"Bearer {sandbox.api_key}"})
        ...
        sandbox.advance(3600)                     # sandbox time moves an hour forward
        sandbox.set_faults({"POST /api/v2/posts": {"script": ["commit_then_drop"]}})
        assert sandbox.counters()["posts_created"] == {"demo": 1}
        assert sandbox.counters()["clip_posts"] == {"tiktok": 1}   # clip server uploads

Startup takes a few tens of milliseconds, so every test can have its own sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from pipeline.sandbox.app import create_app
from pipeline.sandbox.clients import client
from pipeline.sandbox.clock import parse_iso
from pipeline.sandbox.config import (
    DEMO_KEY,
    SandboxConfig,
    demo_config,
    load_config,
    load_config_text,
)
from pipeline.sandbox.engine import Sandbox
from pipeline.sandbox.server import BackgroundServer


@dataclass
class SandboxHandle:
    """A running sandbox: its addresses, a key of its first account, and the admin helpers."""

    url: str
    api_key: str
    sandbox: Sandbox
    _admin: httpx.Client
    #: The first Upload-Post key of the clip server (`up_sandbox_demo` by default).
    upload_post_key: str | None = None

    @property
    def clip_url(self) -> str:
        """CLIP_SERVER_URL: the clip server's endpoints are on the same server."""
        return self.url

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def older_base(self) -> str:
        return f"{self.url}/functions/v1"

    @property
    def admin_base(self) -> str:
        return f"{self.url}/_sandbox"

    def __repr__(self) -> str:  # never show the key
        return f"SandboxHandle(url={self.url!r})"

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self._admin.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> str:
        """Moves sandbox time forward and runs what became due; returns the new time (ISO)."""
        return str(self._call("POST", "/clock/advance", {"seconds": seconds})["now"])

    def now(self) -> str:
        return str(self._call("GET", "/clock")["now"])

    def set_faults(self, faults: Mapping[str, Any], *, replace: bool = True) -> dict[str, Any]:
        """{endpoint: spec} (see pipeline.sandbox.faults); replace=False merges."""
        return dict(self._call("PUT" if replace else "PATCH", "/faults", dict(faults)))

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def counters(self) -> dict[str, Any]:
        return dict(self._call("GET", "/counters"))

    def posts(self, account: str | None = None) -> dict[str, Any]:
        """Every post and scheduled post (of one account by its config name)."""
        path = "/posts" + (f"?account={account}" if account else "")
        return dict(self._call("GET", path))

    def webhooks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/webhooks")["deliveries"])

    def clip_posts(self) -> list[dict[str, Any]]:
        """Every upload the clip server accepted (job, clip, profile, platforms, title...)."""
        return list(self._call("GET", "/clips")["uploads"])

    def disconnect(self, profile: str, platform: str) -> bool:
        return bool(
            self._call("POST", "/disconnect", {"profile": profile, "platform": platform})[
                "disconnected"
            ]
        )

    def reset(self) -> None:
        self._call("POST", "/reset")


def _as_time(value: str | float | datetime | None) -> float | None:
    if value is None or isinstance(value, float | int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("start_at needs a time zone")
        return value.timestamp()
    return parse_iso(value)


@contextmanager
def running_sandbox(
    config: SandboxConfig | str | Path | None = None,
    *,
    time_scale: float = 1.0,
    seed: int = 0,
    start_at: str | float | datetime | None = None,
    state_path: str | Path | None = None,
    faults: Mapping[str, Any] | None = None,
) -> Iterator[SandboxHandle]:
    """A sandbox on 127.0.0.1:<free port> for the `with` block. `config` is a SandboxConfig, the
    text of a config YAML, a Path to one, or None for the demo account (key rl_sandbox_demo,
    profile @demo)."""
    if isinstance(config, Path):
        config = load_config(config)
    elif isinstance(config, str):
        config = load_config_text(config)
    config = config or demo_config()
    sb = Sandbox(
        config, time_scale=time_scale, seed=seed, start_at=_as_time(start_at), state_path=state_path
    )
    if faults:
        sb.faults.set(faults)
    server = BackgroundServer(create_app(sb))
    server.start()
    key = DEMO_KEY if config.account_for_key(DEMO_KEY) else config.accounts[0].keys[0]
    admin = client(f"{server.url}/_sandbox", timeout=30.0)
    try:
        clip_keys = config.clips.keys
        yield SandboxHandle(
            url=server.url,
            api_key=key,
            sandbox=sb,
            _admin=admin,
            upload_post_key=clip_keys[0] if clip_keys else None,
        )
    finally:
        admin.close()
        server.stop()
        sb.close()
