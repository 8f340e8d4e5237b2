"""`make demo`: the real pipeline on the example calendars, against a local sandbox.

Starts `pipeline sandbox` (with a time scale, its clock at the demo's date) and a static server
for demo/schedules/media, publishes demo/schedules/ twice (the second run sends nothing), shows the
ledger, and stops everything it started, even when a step fails.

With `--store`, the media go through a media store instead of the static server: an S3 server on
127.0.0.1 (moto's, with fake credentials), a bucket, and demo/pipeline.yaml's settings with
`media_store:` in place of `media_base_url` (a copy, passed with --config). The sandbox fetches
each presigned URL as the API would; the second run uploads nothing.

    .venv/bin/python scripts/demo.py [--time-scale 0.01] [--keep-ledger DIR] [--store]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
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


BUCKET = "acme-social"
STORE_DIR = ".demo-store"
#: Fake credentials for the local S3 server (moto accepts any).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def store_settings(endpoint: str, env: dict[str, str]) -> Path:
    """Create the bucket, and a copy of demo/pipeline.yaml with media_store: instead of
    media_base_url (inside the work tree, so that the project's root stays the same)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1])"
            ".create_bucket(Bucket=sys.argv[2])",
            endpoint,
            BUCKET,
        ],
        env=env,
        check=True,
    )
    lines = [
        line
        for line in (DEMO / "pipeline.yaml").read_text(encoding="utf-8").splitlines()
        if not line.startswith(("media_base_url:", "media_root:"))
    ]
    lines += [
        "media_store:",
        f"  url: s3://{BUCKET}/calendar-media/",
        f"  endpoint_url: {endpoint}",
        "  region: us-east-1",
    ]
    folder = ROOT / STORE_DIR
    folder.mkdir(exist_ok=True)
    path = folder / "pipeline.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def step(title: str, command: list[str], env: dict[str, str]) -> int:
    print(f"\n\033[1m$ {' '.join(command)}\033[0m  # {title}", flush=True)
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--keep-ledger", metavar="DIR", help="write the demo ledger here")
    parser.add_argument(
        "--store", action="store_true", help="upload the media to a local S3 server (moto)"
    )
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
        store_config: Path | None = None
        if args.store:
            s3, match, _ = start(
                [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(free_port())],
                r"Running on (http://127\.0\.0\.1:\d+)",
            )
            children.append(s3)
            env.pop("PIPELINE_MEDIA_BASE_URL", None)
            env.update(FAKE_AWS)
            store_config = store_settings(match.group(1), env)
            print(f"media store: s3://{BUCKET}/calendar-media/ at {match.group(1)}")
        else:
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
        if store_config is not None:
            common += ["--config", str(store_config)]
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
        if args.store:
            shutil.rmtree(ROOT / STORE_DIR, ignore_errors=True)
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    raise SystemExit(main())
