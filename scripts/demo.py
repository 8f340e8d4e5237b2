"""`make demo`: the real pipeline on the example calendars, against a local sandbox.

Starts `pipeline sandbox` (with a time scale, its clock at the demo's date) and a static server
for demo/schedules/media, publishes demo/schedules/ twice (the second run sends nothing), shows the
ledger, and stops everything it started, even when a step fails.

    .venv/bin/python scripts/demo.py [--time-scale 0.01] [--keep-ledger DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"
BIN = Path(sys.executable).parent
#: The demo calendars are for December 2026; the demo's clock is pinned to the end of November,
#: so it runs the same on any date (both the sandbox's clock and the pipeline's `--now`).
DEMO_NOW = "2026-11-28T12:00:00Z"


def start(
    command: list[str], pattern: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], re.Match[str], list[str]]:
    """Start a server and read its output until `pattern` appears (its address)."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line.rstrip())
        match = re.search(pattern, line)
        if match:
            return proc, match, seen
    raise RuntimeError("server did not start:\n" + "\n".join(seen))


def step(title: str, command: list[str], env: dict[str, str]) -> int:
    print(f"\n\033[1m$ {' '.join(command)}\033[0m  # {title}", flush=True)
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--keep-ledger", metavar="DIR", help="write the demo ledger here")
    args = parser.parse_args()
    ledger = (
        Path(args.keep_ledger)
        if args.keep_ledger
        else Path(tempfile.mkdtemp(prefix="demo-ledger-"))
    )
    if ledger.exists():
        shutil.rmtree(ledger)
    pipeline = str(BIN / "pipeline")
    children: list[subprocess.Popen[str]] = []
    try:
        sandbox, _, lines = start(
            [
                pipeline,
                "sandbox",
                "--port",
                "0",
                "--config",
                "demo/sandbox.yaml",
                "--time-scale",
                str(args.time_scale),
                "--start-at",
                DEMO_NOW,
            ],
            r"Ctrl-C stops it",
        )
        children.append(sandbox)
        print("\n".join(lines))
        env = dict(os.environ)
        for line in lines:
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                env[name] = value
        media, match, _ = start(
            [
                sys.executable,
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
                str(DEMO / "schedules" / "media"),
            ],
            r"port (\d+)",
        )
        children.append(media)
        env["PIPELINE_MEDIA_BASE_URL"] = f"http://127.0.0.1:{match.group(1)}/"
        env["NO_COLOR"] = "1"
        common = ["demo/schedules/", "--ledger", str(ledger), "--now", DEMO_NOW]
        codes = [
            step("what would happen", [pipeline, "plan", *common], env),
            step(
                "publish: media once, every post scheduled",
                [pipeline, "publish", *common, "--yes"],
                env,
            ),
            step(
                "publish again: nothing is sent twice", [pipeline, "publish", *common, "--yes"], env
            ),
            step("the ledger", [pipeline, "status", "--ledger", str(ledger)], env),
        ]
        print(f"\n$ head -5 {ledger / 'results.csv'}")
        with open(ledger / "results.csv", encoding="utf-8") as handle:
            for _, line in zip(range(5), handle, strict=False):
                print(line.rstrip())
        print(f"\nledger: {ledger} (events.jsonl, results.csv)")
        return 0 if codes == [0, 0, 0, 0] else 1
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    raise SystemExit(main())
