"""Benchmark: `pipeline validate` on a generated 100,000-post CSV calendar.

Prints, side by side in one run, the time and peak memory of the real CLI (a subprocess, as
users run it, with JSON output) for up to three packages: `before` (another commit's `pipeline`
package, `git archive <commit> pipeline` into a temporary folder, run with this environment),
`rows` (this checkout with PIPELINE_VALIDATE_PATH=rows, the row-by-row path) and `columns` (this
checkout's default, the columnar path: on 2+ cores the file is read and checked in two pieces,
one per process), beside the time pandas alone takes to read the same file. Runs are
interleaved and each is repeated (`--repeat`), medians shown, so a busy machine slows all of
them alike. The target: at most 10x pandas' parse and 400 MB (peak: the largest process).

    .venv/bin/python bench/validate.py [--posts 100000] [--keep DIR] [--before REV] [--repeat 3]
        [--columns-only]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image

#: The benchmark pretends it is 2026-11-25 (--now), so the calendar covers the next 360 days.
FIRST_DAY = date(2026, 11, 26)
PLATFORMS = ["x", "linkedin", "instagram", "facebook", "threads", "tiktok", "pinterest"]
WORDS = [
    "launch",
    "new",
    "winter",
    "collection",
    "today",
    "limited",
    "edition",
    "sale",
    "shop",
    "now",
    "link",
    "in",
    "bio",
    "our",
    "team",
    "behind",
    "the",
    "scenes",
    "customer",
    "story",
    "thank",
    "you",
    "community",
    "free",
    "shipping",
    "weekend",
    "only",
    "don't",
    "miss",
    "it",
    "coffee",
    "morning",
    "design",
    "craft",
    "handmade",
    "sustainable",
    "quality",
    "fresh",
    "drop",
]


def caption(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 45))
    tags = [f"#{rng.choice(WORDS)}" for _ in range(rng.randint(0, 6))]
    text = " ".join(words + tags).capitalize()
    if rng.random() < 0.1:
        text += " https://shop.example.com/p/" + str(rng.randint(1000, 9999))
    if rng.random() < 0.05:
        text += " 🎉🔥"
    if rng.random() < 0.05:
        text = text.replace(" ", "\n", 2)  # quoted newlines, as spreadsheets export them
    return text


def generate(directory: Path, posts: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    media_dir = directory / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for i in range(20):  # shared media: 20 images used by every image post
        Image.new("RGB", (1080, 1080 + 10 * i), (i * 10, 100, 150)).save(media_dir / f"img{i}.jpg")
    (directory / ".git").mkdir(exist_ok=True)
    (directory / "pipeline.yaml").write_text(
        "timezone: Europe/Berlin\ndefaults:\n  account: '@brand'\n"
        "  tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}\n  pinterest: {boardId: '123'}\n"
        "plan: {tier: skilled, daily: 100000}\n",
        encoding="utf-8",
    )
    path = directory / "calendar.csv"
    rows = []
    for i in range(posts):
        date = (FIRST_DAY + timedelta(days=(i * 360) // posts)).isoformat()
        platforms = rng.sample(PLATFORMS, k=rng.choice([1, 1, 2, 3]))
        if "tiktok" in platforms:
            platforms.remove("tiktok")  # TikTok needs a video; keep the benchmark image-only
            platforms = platforms or ["x"]
        media = f"media/img{rng.randrange(20)}.jpg" if rng.random() < 0.8 else ""
        if not media:
            platforms = [p for p in platforms if p not in ("instagram", "pinterest")] or ["x"]
        rows.append(
            {
                "id": f"post-{i}",
                "date": date,
                "time": f"{rng.randrange(8, 21):02d}:{rng.choice(['00', '15', '30', '45'])}",
                "platforms": ";".join(platforms),
                "text": caption(rng)[:270] if "x" in platforms else caption(rng),
                "media": media,
                "title": "",
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


REPO = Path(__file__).resolve().parents[1]
#: Where `--before` defaults to: the commit this branch started from.
BASE = "86a2020"
TARGET_RATIO, TARGET_MB = 10.0, 400


def checkout(rev: str) -> str:
    """The `pipeline` package of `rev`, unpacked in a temporary folder (the repository's
    worktrees are left alone)."""
    folder = tempfile.mkdtemp(prefix="bench-validate-before-")
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "pipeline"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return folder


def run_cli(root: Path, env: dict[str, str]) -> tuple[float, float, int, dict[str, Any]]:
    """Seconds, peak MB (of the process and any child it waited for), exit code, summary."""
    out = root / "out.json"
    argv = [sys.executable, "-m", "pipeline", "validate", str(root), "--format", "json"]
    argv += ["--output", str(out), "--now", "2026-11-25T00:00:00Z"]
    start = time.perf_counter()
    # Started from elsewhere: `python -m` puts the current folder first on the path.
    proc = subprocess.Popen(argv, env=env, cwd=tempfile.gettempdir(), stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code >= 2:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else f"exit {code}")
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    return seconds, usage.ru_maxrss / 1024, code, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--keep", help="generate into this directory and keep it")
    parser.add_argument("--before", default=BASE, help="commit to compare with ('' for none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, medians shown")
    parser.add_argument(
        "--columns-only",
        action="store_true",
        help="skip the slow before and rows runs (for iterating; report the full run)",
    )
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-validate-"))
    path = generate(root, args.posts)
    size_mb = path.stat().st_size / 1e6

    # Bytecode cached, as a user has it (as in bench/startup.py): with PYTHONDONTWRITEBYTECODE
    # every run would compile every module again and measure that instead.
    skipped = ("PIPELINE_VALIDATE_PATH", "PYTHONDONTWRITEBYTECODE")
    base = {k: v for k, v in os.environ.items() if k not in skipped}
    base["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-validate-pycache-")
    variants: dict[str, dict[str, str]] = {}
    if args.before and not args.columns_only:
        variants[f"before ({args.before})"] = {**base, "PYTHONPATH": checkout(args.before)}
    if not args.columns_only:
        variants["rows (PIPELINE_VALIDATE_PATH=rows)"] = {**base, "PIPELINE_VALIDATE_PATH": "rows"}
    variants["columns (default)"] = base
    for env in variants.values():  # one run each not counted: fills the bytecode cache
        run_cli(root, env)
    pandas_s: list[float] = []
    results: dict[str, list[tuple[float, float, int, dict[str, Any]]]] = {
        name: [] for name in variants
    }
    for _ in range(args.repeat):
        start = time.perf_counter()
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        pandas_s.append(time.perf_counter() - start)
        for name, env in variants.items():
            results[name].append(run_cli(root, env))
    parse = statistics.median(pandas_s)
    print(f"calendar: {len(frame):,} rows, {size_mb:.1f} MB ({path})")
    print(f"{os.cpu_count()} cores; median of {args.repeat} interleaved runs (and the fastest)")
    print(f"  {'pandas.read_csv alone':<38} {parse:6.2f} s  (fastest {min(pandas_s):5.2f} s)")
    answers = set()
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        fastest = min(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        summary = runs[-1][3]
        answers.add(json.dumps(summary, sort_keys=True))
        ok = seconds / parse <= TARGET_RATIO and peak <= TARGET_MB
        print(
            f"  {'pipeline validate, ' + name:<38} {seconds:6.2f} s  {seconds / parse:5.1f}x pandas"
            f"  (fastest {fastest:5.2f} s, {fastest / min(pandas_s):4.1f}x the fastest parse)"
            f"  {peak:5.0f} MB  {summary.get('posts', 0) / seconds:8,.0f} posts/s"
            f"  {'OK' if ok else 'MISSED'}"
        )
    print(f"summary: {runs[-1][3]}")
    print(f"target: <= {TARGET_RATIO:g}x pandas and <= {TARGET_MB} MB")
    if len(answers) > 1:
        print("the variants' summaries differ:", *sorted(answers), sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
