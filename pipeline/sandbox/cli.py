"""`pipeline sandbox`: run the local emulator of the Status 200 Uploads API.

The lead wires `add_parser` and `run` into pipeline/cli.py; nothing here exits the process.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from pipeline.sandbox.config import SandboxConfig

# The server's modules (starlette, uvicorn, the engine) are imported by `run`, not here: every
# `pipeline` command builds this parser, and `pipeline validate` should not pay for a server.

DEFAULT_PORT = 8200

EPILOG = """\
With no --config, one demo account exists: key rl_sandbox_demo, profile @demo connected to all
nine networks; the clip server's endpoints (/api/social/post, /api/social/user, /api/status/{id})
are served too, with Upload-Post key up_sandbox_demo and demo job
550e8400-e29b-41d4-a716-446655440000. On start the sandbox prints `export ...` lines that point
the pipeline at it. --time-scale shrinks the service's durations (throttles, Retry-After, retention,
processing, webhook retries) but not calendar meaning: "60 s ahead is now" and "at most 365 days
ahead" stay real seconds of the sandbox clock. Admin endpoints live under /_sandbox/ (move the
clock, inject faults, read counters). Full reference: docs/sandbox.md.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local emulator of the Status 200 Uploads API",
        description="Run a local emulator of the Status 200 Uploads API (OpenAPI 2026-09-28) to "
        "rehearse calendars without touching real accounts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="accounts, profiles, plans, rules and faults (YAML); default: the "
        "built-in demo account",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: only this machine)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply every service duration by F: throttle windows, Retry-After, "
        "retention, processing times, webhook retry delays (default 1; 0.01 runs "
        "a 20-second throttle in 0.2 s)",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep the state in this SQLite file, so a restart keeps posts, "
        "imports, keys and the clock (default: in memory)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of ids and fault injection: the same seed and requests replay "
        "the same run (default 0)",
    )
    parser.add_argument(
        "--start-at",
        metavar="ISO",
        help="sandbox time at start, e.g. 2026-09-28T10:00:00Z (default: now; "
        "ignored when --state already holds a clock)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default warning)",
    )


def _exports(
    url: str, api_key: str, time_scale: float, upload_post_key: str | None = None
) -> list[str]:
    """The lines that point the pipeline at this sandbox, with the intervals it should pace to,
    and at the clip server it serves too."""
    # Here, not at the top: the parser is built for every command, the server's modules are not.
    from pipeline.sandbox.throttles import MEDIA_SECONDS, POST_SECONDS, READ_WINDOW_SECONDS

    lines = [
        f"export STATUS200_BASE_URL={url}/api/v2",
        f"export STATUS200_API_KEY={api_key}",
        f"export STATUS200_POST_INTERVAL={POST_SECONDS * time_scale:g}",
        f"export STATUS200_MEDIA_INTERVAL={MEDIA_SECONDS * time_scale:g}",
        f"export STATUS200_READ_WINDOW={READ_WINDOW_SECONDS * time_scale:g}",
        f"export CLIP_SERVER_URL={url}",
    ]
    if upload_post_key:
        lines.append(f"export UPLOAD_POST_API_KEY={upload_post_key}")
    return lines


def _config(path: str | None) -> SandboxConfig:
    from pipeline.sandbox.config import demo_config, load_config

    return load_config(path) if path else demo_config()


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from pipeline.sandbox.app import create_app
    from pipeline.sandbox.clock import parse_iso
    from pipeline.sandbox.config import DEMO_KEY, ConfigError
    from pipeline.sandbox.engine import Sandbox
    from pipeline.sandbox.faults import FaultSpecError
    from pipeline.sandbox.server import bind, serve, url_of

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        config = _config(args.config)
        try:
            start = parse_iso(args.start_at) if args.start_at else None
        except ValueError:  # name the flag and show the form ("has no time zone", "Invalid ...")
            raise ValueError(
                f"--start-at {args.start_at!r}: expected an ISO time with a zone, "
                "e.g. 2026-10-01T08:00:00Z"
            ) from None
        if args.time_scale <= 0:
            raise ValueError("--time-scale must be more than 0")
        sb = Sandbox(
            config,
            time_scale=args.time_scale,
            seed=args.seed,
            start_at=start,
            state_path=args.state,
        )
    except (ConfigError, FaultSpecError, OSError, ValueError) as exc:
        print(f"pipeline sandbox: {exc}", file=err)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"pipeline sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=err)
        sb.close()
        return 1
    url = url_of(sock)
    key = DEMO_KEY if config.account_for_key(DEMO_KEY) else config.accounts[0].keys[0]
    profiles = ", ".join(p.handle for a in config.accounts for p in a.profiles)
    print(
        f"Status 200 sandbox on {url} (time scale {args.time_scale:g}, seed {args.seed}, "
        f"sandbox time {sb.now_iso()})",
        file=out,
    )
    print(f"  accounts: {len(config.accounts)}; profiles: {profiles}", file=out)
    clips = config.clips
    print(
        f"  clip server: jobs: {len(clips.jobs)}; Upload-Post profiles: "
        + (", ".join(p.username for p in clips.profiles) or "none"),
        file=out,
    )
    print(f"  admin: {url}/_sandbox/ ; state: {args.state or 'in memory'}", file=out)
    print("Point the pipeline at it:", file=out)
    for line in _exports(url, key, args.time_scale, clips.keys[0] if clips.keys else None):
        print(line, file=out)
    print("Ctrl-C stops it.", file=out, flush=True)
    try:
        serve(create_app(sb), sock, log_level=args.log_level)
    except KeyboardInterrupt:
        pass  # uvicorn already stopped; a second Ctrl-C while stopping lands here
    finally:
        sock.close()
        sb.close()
    print("Sandbox stopped.", file=err)
    return 0
