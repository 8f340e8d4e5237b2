"""Benchmark: `pipeline validate` on a generated 100,000-post CSV calendar.

Prints the time and peak memory of the real CLI (a subprocess, as users run it), posts per
second, and beside it the time pandas alone takes to read the same file, so the ratio is
measured side by side in one run. The target is under 5 s and 1 GiB on a 2-core machine.

    .venv/bin/python bench/validate.py [--posts 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--keep", help="generate into this directory and keep it")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-validate-"))
    path = generate(root, args.posts)
    size_mb = path.stat().st_size / 1e6

    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    pandas_s = time.perf_counter() - start

    pipeline = Path(sys.executable).with_name("pipeline")
    start = time.perf_counter()
    proc = subprocess.run(
        [
            str(pipeline),
            "validate",
            str(root),
            "--format",
            "json",
            "--output",
            str(root / "out.json"),
            "--now",
            "2026-11-25T00:00:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    validate_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = (
        pd.read_json(root / "out.json", typ="series")["summary"] if proc.returncode < 2 else {}
    )
    print(f"calendar: {len(frame):,} rows, {size_mb:.1f} MB ({path})")
    print(f"pandas.read_csv alone:   {pandas_s:6.2f} s")
    print(f"pipeline validate:       {validate_s:6.2f} s   ({validate_s / pandas_s:.1f}x pandas)")
    print(f"posts per second:        {summary.get('posts', 0) / validate_s:,.0f}")
    print(f"peak memory:             {peak_mb:,.0f} MB")
    print(
        f"exit code {proc.returncode}; {summary.get('errors')} errors, "
        f"{summary.get('warnings')} warnings"
    )
    print(
        f"target: < 5 s and < 1024 MB -> {'OK' if validate_s < 5 and peak_mb < 1024 else 'MISSED'}"
    )
    if proc.returncode >= 2:
        print(proc.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
