"""Benchmark: publishing 1,000 posts against the sandbox, with 50 ms added latency.

Side by side in one run, each against a fresh sandbox with the same time scale and latency:
- the pipeline (`Publisher`: one lane per network, a media lane, paced from each send);
- a plain sequential loop like the docs page's "Scheduling Posts in Bulk" example, made to
  respect the throttles (it waits before each request until that network's / the media
  throttle allows it), as a careful user would write it.

Printed: wall time, the bound the throttles set (the busiest network's posts × the interval,
or the media imports × the media interval if that is longer), the fraction of the bound reached
(bound / time; the target is at least 85 %), and the 429s each provoked.

    .venv/bin/python bench/publish.py [--posts 1000] [--scale 0.025] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/publish.py`

from pipeline.api import ApiSettings, Secret, Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions
from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.validate.check import validate
from tests.sandbox_handle import SandboxHandle, running_sandbox

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
#: 1,000 posts in one run: the benchmark's account holds more than the API's usual 500 waiting.
WAITING_CAP = 5000


def sandbox_config(waiting_cap: int) -> str:
    """The benchmarks' sandbox account: every network, no allowance, `waiting_cap` waiting."""
    return f"""
accounts:
  - name: bench
    keys: [rl_sandbox_demo]
    plan: {{tier: skilled, allowance: unlimited, x_addon: true}}
    max_waiting_scheduled: {waiting_cap}
    profiles: [{{name: demo, networks: all}}]
"""


SANDBOX = sandbox_config(WAITING_CAP)
NETWORKS = ("x", "linkedin", "threads", "facebook", "instagram")


def make_calendar(
    root: Path, posts: int, media_files: int, *, most_networks: int = 3
) -> list[dict[str, str]]:
    """A realistic mix: entries for 1-3 (`most_networks`) networks sharing one image, over the
    next weeks."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "schedules").mkdir(exist_ok=True)
    lines = ["defaults: {timezone: UTC, account: '@demo'}", "posts:"]
    flat: list[dict[str, str]] = []
    i = entry = 0
    while i < posts:
        count = min(1 + entry % most_networks, posts - i)
        platforms = [NETWORKS[(entry + k) % len(NETWORKS)] for k in range(count)]
        at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=37 * entry)
        media = f"https://cdn.example.com/img{entry % media_files}.jpg"
        lines.append(
            f"  - {{id: e{entry}, at: '{at:%Y-%m-%d %H:%M}', platforms: [{', '.join(platforms)}], "
            f"text: 'Post {entry} #bench', media: ['{media}']}}"
        )
        for platform in platforms:
            flat.append({"platform": platform, "at": f"{at:%Y-%m-%dT%H:%M:00Z}", "media": media})
        i += count
        entry += 1
    (root / "schedules" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return flat


def sandbox_settings(sandbox: SandboxHandle, scale: float) -> ApiSettings:
    return ApiSettings(
        api_key=Secret(sandbox.api_key),
        base_url=sandbox.api_base,
        post_interval=20 * scale,
        media_interval=20 * scale,
        read_window=60 * scale,
        default_retry_after=5 * scale,
        resend_delay=scale,
    )


def run_pipeline(root: Path, sandbox: SandboxHandle, scale: float) -> float:
    paths = [str(root / "schedules")]
    offset = START - datetime.now(UTC)
    result = validate(paths, load_config(paths[0]), START)
    assert not result.errors, result.errors[:3]
    ledger = Ledger(root / "ledger", secrets=[sandbox.api_key])
    options = PublishOptions(
        post_interval=20 * scale, media_interval=20 * scale, waiting_cap=WAITING_CAP
    )
    started = time.perf_counter()
    with ledger.lock("bench"), Status200Client(sandbox_settings(sandbox, scale)) as client:
        summary = Publisher(
            client, ledger, result, options, clock=lambda: datetime.now(UTC) + offset
        ).run()
    elapsed = time.perf_counter() - started
    assert summary.exit_code == 0, summary.failures[:5]
    return elapsed


def run_sequential(posts: list[dict[str, str]], sandbox: SandboxHandle, scale: float) -> float:
    """The docs page's loop, one request at a time, waiting out each throttle before it."""
    interval = 20 * scale
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    last_post: dict[str, float] = {}
    last_media = -1e9
    file_ids: dict[str, str] = {}
    started = time.perf_counter()
    with httpx.Client(base_url=sandbox.api_base, headers=headers, timeout=30) as http:
        for item in sorted(posts, key=lambda p: p["at"]):
            if item["media"] not in file_ids:
                time.sleep(max(0.0, last_media + interval - time.perf_counter()))
                answer = http.post("/media", json={"url": item["media"]})
                last_media = time.perf_counter()
                file_ids[item["media"]] = answer.json()["file_id"]
            wait = last_post.get(item["platform"], -1e9) + interval - time.perf_counter()
            time.sleep(max(0.0, wait))
            body = {
                "post": {
                    "accountId": "@demo",
                    "platform": item["platform"],
                    "scheduledFor": item["at"],
                    "content": {
                        "text": "Check out our latest content!",
                        "mediaID": [file_ids[item["media"]]],
                    },
                }
            }
            answer = http.post("/posts", content=json.dumps(body))
            last_post[item["platform"]] = time.perf_counter()
            if answer.status_code not in (200, 202):
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=0.025, help="sandbox time scale")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--media", type=int, default=40, help="distinct media files")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    posts = make_calendar(root, args.posts, args.media)
    lanes = Counter(p["platform"] for p in posts)
    interval = 20 * args.scale
    busiest, busiest_count = lanes.most_common(1)[0]
    media = len({p["media"] for p in posts})
    bound = max(busiest_count * interval, media * interval)
    faults = {"*": {"latency": args.latency}}
    results = {}
    for name in ("pipeline", "sequential loop"):
        with running_sandbox(
            SANDBOX, time_scale=args.scale, start_at=START, faults=faults
        ) as sandbox:
            elapsed = (
                run_pipeline(root, sandbox, args.scale)
                if name == "pipeline"
                else run_sequential(posts, sandbox, args.scale)
            )
            counters = sandbox.counters()
            created = sum(counters["scheduled_created"].values())
            results[name] = (elapsed, counters["rate_limited_total"], created)
    print(
        f"{len(posts)} posts ({dict(lanes)}), {media} media files; time scale {args.scale:g} "
        f"(interval {interval:g} s), latency {args.latency * 1000:g} ms per request"
    )
    print(
        f"bound set by the throttles: {bound:.1f} s (busiest lane {busiest}: {busiest_count} "
        f"posts × {interval:g} s; media {media} × {interval:g} s)"
    )
    for name, (elapsed, limited, created) in results.items():
        print(
            f"  {name:<16} {elapsed:7.1f} s  {bound / elapsed:6.1%} of the bound  "
            f"429s: {limited}  posts created: {created}"
        )
    pipeline_s, sequential_s = results["pipeline"][0], results["sequential loop"][0]
    print(f"pipeline vs sequential loop: {sequential_s / pipeline_s:.2f}x faster")
    reached = bound / pipeline_s
    print(f"target >= 85% of the bound: {'OK' if reached >= 0.85 else 'MISSED'} ({reached:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
