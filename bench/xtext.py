"""Benchmark: our X weighted-length counter against twitter-text-parser on realistic captions.

Generates ~12,500 captions like those in a month-long calendar's X column (English prose with
hashtags, some emoji with skin tones and ZWJ, some links with and without scheme, a share in
Japanese, Spanish or German), checks both counters agree on each (newer-than-Emoji-12.0
sequences are left out of the mix, see tests/test_xtext.py), and prints both times and the ratio.

    .venv/bin/python bench/xtext.py [--captions 12500] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import twitter_text

from pipeline.rules.xtext import weighted_length

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
    "20%",
    "off",
]
OTHER = [
    "新しいコレクションが登場しました！今週末だけ20%オフ。",
    "¡Nueva colección de invierno! Envío gratis este fin de semana.",
    "Neue Winterkollektion – nur dieses Wochenende versandkostenfrei.",
    "“Quality you can feel” — our founder, on why we still sew by hand…",
]
EMOJI = ["🎉", "🔥", "✨", "❤️", "👍🏽", "👩🏽‍💻", "🙌🏻", "☕", "🇫🇷", "👨‍👩‍👧"]
LINKS = [
    "https://shop.example.com/p/{n}",
    "shop.example.com/winter?utm_source=x&utm_campaign={n}",
    "www.example.co.uk/blog/{n}",
    "https://t.co/a{n}",
]


def caption(rng: random.Random) -> str:
    if rng.random() < 0.1:
        text = rng.choice(OTHER)
    else:
        text = " ".join(rng.choices(WORDS, k=rng.randint(8, 40))).capitalize() + "."
    if rng.random() < 0.35:
        text += " " + " ".join(rng.choices(EMOJI, k=rng.randint(1, 3)))
    if rng.random() < 0.3:
        text += " " + rng.choice(LINKS).format(n=rng.randint(1000, 9999))
    text += "".join(f" #{rng.choice(WORDS)}" for _ in range(rng.randint(0, 4)))
    return text


def timed(count: Callable[[str], int], captions: list[str]) -> tuple[float, list[int]]:
    start = time.perf_counter()
    results = [count(text) for text in captions]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captions", type=int, default=12_500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    captions = [caption(rng) for _ in range(args.captions)]

    # The URL regexes compile on first use (about 0.2 s, once per process): shown apart.
    setup, _ = timed(weighted_length, ["see example.com"])
    ours, our_counts = timed(weighted_length, captions)
    ref, ref_counts = timed(lambda t: int(twitter_text.parse_tweet(t).weightedLength), captions)
    disagreements = sum(a != b for a, b in zip(our_counts, ref_counts, strict=True))
    over = sum(n > 280 for n in our_counts)

    n = len(captions)
    print(f"captions:            {n:,} ({over:,} over 280)")
    print(f"pipeline.rules.xtext {ours:8.3f} s  {ours / n * 1e6:8.1f} µs/caption")
    print(f"  one-time setup     {setup:8.3f} s  (first URL: compiling the URL regexes)")
    print(f"twitter-text-parser  {ref:8.3f} s  {ref / n * 1e6:8.1f} µs/caption")
    print(f"ratio:               {ref / ours:8.1f}x faster")
    print(f"disagreements:       {disagreements}")


if __name__ == "__main__":
    main()
