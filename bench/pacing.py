"""Benchmark: lane pacing against the throttle bound, the old pacing and the new side by side.

Each case runs twice against a fresh sandbox (same time scale, latency and calendar): once with
the old pacing (each lane waits the interval after the previous *answer*) and once with the new
one (the interval after the previous *send*, plus what the lane learns from 429s). The old pacing
is selectable only here (`Publisher(pace_from_answer=True)`), not in any config.

(a) 0.5 s interval, 200 ms latency on every request, 126 posts over 5 networks and the media
    lane (42 distinct images), in each of the sandbox's stamping modes;
(b) 40 distinct files whose imports answer after 0.8 × the interval (75 posts), the throttle
    stamped when the import arrives (the case of a real import taking up to ~22 s).

Printed per case: wall time, the bound the throttles set (the busiest lane's requests × the
interval), the fraction of the bound reached (bound / time) and the 429s per lane. Targets: (a)
>= 97 % with <= 1 429 per lane, (b) >= 95 %.

    .venv/bin/python bench/pacing.py [--case a|b|all]   (about 2.5 minutes)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/pacing.py`

from bench.publish import START, WAITING_CAP, make_calendar, sandbox_settings
from pipeline.api import Status200Client
from pipeline.apply.publisher import Publisher, PublishOptions
from pipeline.config import load_config
from pipeline.ledger import Ledger
from pipeline.validate.check import validate
from tests.sandbox_handle import running_sandbox

INTERVAL = 0.5
SCALE = INTERVAL / 20


def sandbox_text(stamp: str, import_latency: float = 0.0) -> str:
    """The bench account; retry_after_seconds to the millisecond (a whole second would be two
    intervals at this time scale: docs/sandbox.md)."""
    return f"""
accounts:
  - name: bench
    keys: [rl_sandbox_demo]
    plan: {{tier: skilled, allowance: unlimited, x_addon: true}}
    max_waiting_scheduled: {WAITING_CAP}
    profiles: [{{name: demo, networks: all}}]
throttles: {{stamp: {stamp}, import_latency: {import_latency}, exact_waits: true}}
"""


@dataclass(frozen=True)
class Case:
    name: str
    posts: int
    media: int
    latency: float  # seconds added to every request (real)
    stamp: str
    import_latency: float = 0.0  # service seconds (scaled)
    most_networks: int = 3  # networks per calendar entry (one file per entry)


CASES = {
    "a": [
        Case("(a) 200 ms latency, stamp before answering", 126, 42, 0.2, "answer"),
        Case("(a) 200 ms latency, stamp on arrival", 126, 42, 0.2, "arrival"),
    ],
    "b": [Case("(b) imports answer after 0.8 x interval", 75, 40, 0.0, "arrival", 16.0, 2)],
}


@dataclass(frozen=True)
class Result:
    seconds: float
    limited: dict[str, int]
    created: int


def run_once(case: Case, *, from_answer: bool) -> Result:
    root = Path(tempfile.mkdtemp(prefix="bench-pacing-"))
    make_calendar(root, case.posts, case.media, most_networks=case.most_networks)
    faults = {"*": {"latency": case.latency}} if case.latency else None
    text = sandbox_text(case.stamp, case.import_latency)
    with running_sandbox(text, time_scale=SCALE, start_at=START, faults=faults) as sandbox:
        paths = [str(root / "schedules")]
        offset = START - datetime.now(UTC)
        result = validate(paths, load_config(paths[0]), START)
        assert not result.errors, result.errors[:3]
        ledger = Ledger(root / "ledger", secrets=[sandbox.api_key])
        options = PublishOptions(
            post_interval=INTERVAL, media_interval=INTERVAL, waiting_cap=WAITING_CAP
        )
        with ledger.lock("bench"), Status200Client(sandbox_settings(sandbox, SCALE)) as client:
            publisher = Publisher(
                client,
                ledger,
                result,
                options,
                clock=lambda: datetime.now(UTC) + offset,
                pace_from_answer=from_answer,
            )
            started = time.perf_counter()
            summary = publisher.run()
            elapsed = time.perf_counter() - started
        assert summary.exit_code == 0, summary.failures[:5]
        counters = sandbox.counters()
    return Result(
        elapsed,
        dict(counters["throttled"].get("bench", {})),
        sum(counters["scheduled_created"].values()),
    )


def bound_of(case: Case) -> tuple[float, str]:
    root = Path(tempfile.mkdtemp(prefix="bench-pacing-"))
    posts = make_calendar(root, case.posts, case.media, most_networks=case.most_networks)
    lanes = Counter(p["platform"] for p in posts)
    lanes["media"] = len({p["media"] for p in posts})
    lane, count = lanes.most_common(1)[0]
    return count * INTERVAL, f"{lane}: {count} x {INTERVAL:g} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("a", "b", "all"), default="all")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; interval {INTERVAL:g} s (time scale {SCALE:g})")
    for key in ("a", "b") if args.case == "all" else (args.case,):
        for case in CASES[key]:
            bound, busiest = bound_of(case)
            print(f"{case.name}: {case.posts} posts, {case.media} files; bound {bound:.1f} s")
            print(f"  (busiest lane {busiest})", flush=True)
            for label, from_answer in (("before", True), ("after", False)):
                result = run_once(case, from_answer=from_answer)
                limited = sum(result.limited.values())
                worst = max(result.limited.values(), default=0)
                print(
                    f"  {label:<7} {result.seconds:6.1f} s  {bound / result.seconds:6.1%} of "
                    f"the bound  429s: {limited} (at most {worst} per lane)  "
                    f"created: {result.created}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
