"""Benchmark: how fast the CLI answers when there is little or nothing to do.

Measured in one run, each as the median wall time of a few fresh `pipeline` processes:
- `pipeline --help`;
- a no-op `publish` re-run (every post already scheduled) on a calendar of ~460 posts, and on
  one of 10,000 posts. Each calendar is first published in-process against the sandbox; then
  `pipeline publish --yes` runs again as a separate process against the same sandbox, which
  must see no request at all. About 40 % of the posts are for TikTok without a privacy level,
  so the re-run also prints a warning (W201) for each of them, as a real calendar might.

Printed: each figure beside its target (issue 13), and the machine's core count. Python's
bytecode cache is on for the measured processes (in a temporary PYTHONPYCACHEPREFIX, after one
run not counted), as for a user: with PYTHONDONTWRITEBYTECODE set, every run would compile every
module again and measure that instead. `--checkout DIR` measures another checkout's `pipeline`
package (e.g. `git archive <commit> pipeline | tar -x -C DIR`) with this one's environment, for
a before/after side by side.

    .venv/bin/python bench/startup.py [--repeat 5] [--small 460] [--large 10000] [--checkout DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/startup.py`

from bench.publish import START, sandbox_config, sandbox_settings
from pipeline.api import Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions
from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.validate.check import validate
from tests.sandbox_handle import SandboxHandle, running_sandbox

PIPELINE = [sys.executable, "-m", "pipeline"]
NETWORKS = ("x", "linkedin", "threads", "facebook", "instagram")
#: More than the 10,000 posts: the first run sends them all in one go.
WAITING_CAP = 50_000
SANDBOX = sandbox_config(WAITING_CAP)
#: Sandbox time scale for the first (real) publish: 20 s intervals become 2 ms.
SCALE = 0.0001
TARGETS = {"help": 0.25, "small": 0.6, "large": 2.0}
#: The measured processes' bytecode cache (see the module's docstring).
PYCACHE = tempfile.mkdtemp(prefix="bench-startup-pycache-")


def make_calendar(root: Path, posts: int, media_files: int = 40) -> int:
    """Entries for 1-3 networks over the next weeks; most include TikTok without a privacy level
    (warning W201). Returns how many TikTok posts (warnings) there are."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "schedules").mkdir(exist_ok=True)
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    i = entry = tiktok = 0
    while i < posts:
        count = min(1 + entry % 3, posts - i)
        platforms = [NETWORKS[(entry + k) % len(NETWORKS)] for k in range(count)]
        if entry % 5 != 4:
            platforms[-1] = "tiktok"
            tiktok += 1
        at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=7 * entry)
        media = f"https://cdn.example.com/img{entry % media_files}.jpg"
        lines.append(
            f"  - {{id: e{entry}, at: '{at:%Y-%m-%d %H:%M}', platforms: [{', '.join(platforms)}], "
            f"text: 'Post {entry} #bench', media: ['{media}']}}"
        )
        i += count
        entry += 1
    (root / "schedules" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tiktok


def first_publish(root: Path, sandbox: SandboxHandle) -> int:
    """Publish the whole calendar in-process (fast pacing); returns the posts created."""
    paths = [str(root / "schedules")]
    offset = START - datetime.now(UTC)
    result = validate(paths, load_config(paths[0]), START)
    assert not result.errors, result.errors[:3]
    ledger = Ledger(root / "ledger", secrets=[sandbox.api_key])
    interval = 20 * SCALE
    options = PublishOptions(
        post_interval=interval, media_interval=interval, waiting_cap=WAITING_CAP
    )
    with ledger.lock("bench"), Status200Client(sandbox_settings(sandbox, SCALE)) as client:
        summary = Publisher(
            client, ledger, result, options, clock=lambda: datetime.now(UTC) + offset
        ).run()
    assert summary.exit_code == 0, summary.failures[:5]
    return sum(sandbox.counters()["scheduled_created"].values())


def requests_seen(sandbox: SandboxHandle) -> int:
    return int(sum(sandbox.counters().get("requests", {}).values()))


def environment(checkout: str | None, **extra: str) -> dict[str, str]:
    """The measured processes' environment: bytecode cached (as a user has it), and the
    `pipeline` package of `checkout` when given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    if checkout:
        env["PYTHONPATH"] = checkout
    env.update(extra)
    return env


def timed(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, str]:
    """The median wall time of `repeat` runs after one not counted (it fills the bytecode
    cache); the last run's stdout + stderr (for checks)."""
    # Run from elsewhere: `python -m` puts the current folder first on the path.
    subprocess.run(argv, env=env, capture_output=True, check=False, cwd=PYCACHE)
    times, output = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        ran = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False, cwd=PYCACHE
        )
        times.append(time.perf_counter() - started)
        if ran.returncode != 0:
            raise SystemExit(f"{' '.join(argv)}: exit {ran.returncode}\n{ran.stderr[-2000:]}")
        output = ran.stdout + ran.stderr
    return statistics.median(times), output


def noop_rerun(posts: int, repeat: int, checkout: str | None) -> tuple[float, int, int]:
    """Median time of the no-op re-run on `posts` posts; the warnings printed; posts created."""
    root = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    warnings = make_calendar(root, posts)
    with running_sandbox(SANDBOX, time_scale=SCALE, start_at=START) as sandbox:
        created = first_publish(root, sandbox)
        counters = sandbox.counters()
        env = environment(
            checkout, STATUS200_API_KEY=sandbox.api_key, STATUS200_BASE_URL=sandbox.api_base
        )
        argv = [*PIPELINE, "publish", str(root / "schedules"), "--yes"]
        argv += ["--ledger", str(root / "ledger"), "--now", START.isoformat()]
        seconds, output = timed(argv, env, repeat)
        if sandbox.counters() != counters:
            raise SystemExit("the re-run sent requests: it was not a no-op")
    if "W201" not in output:
        raise SystemExit(f"the re-run printed no warnings:\n{output[-1500:]}")
    return seconds, warnings, created


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (median)")
    parser.add_argument("--small", type=int, default=460, help="posts in the small calendar")
    parser.add_argument("--large", type=int, default=10_000, help="posts in the large calendar")
    parser.add_argument("--checkout", help="measure the pipeline package in this folder")
    args = parser.parse_args()
    help_s, _ = timed([*PIPELINE, "--help"], environment(args.checkout), args.repeat)
    small_s, small_w, small_n = noop_rerun(args.small, args.repeat, args.checkout)
    large_s, large_w, large_n = noop_rerun(args.large, max(1, args.repeat // 2), args.checkout)
    what = f"the pipeline package in {args.checkout}" if args.checkout else "this checkout"
    print(f"{what}; {os.cpu_count()} cores; median of {args.repeat} runs (the large: fewer)")
    print(f"  {'measure':<52} {'time':>8} {'target':>8}")
    rows = [
        ("pipeline --help", help_s, TARGETS["help"]),
        (f"no-op publish re-run, {small_n} posts ({small_w} warnings)", small_s, TARGETS["small"]),
        (f"no-op publish re-run, {large_n} posts ({large_w} warnings)", large_s, TARGETS["large"]),
    ]
    for name, seconds, target in rows:
        verdict = "OK" if seconds <= target else "MISSED"
        print(f"  {name:<52} {seconds:7.2f}s {target:7.2f}s  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
