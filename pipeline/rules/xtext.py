"""X (Twitter) weighted length, counted as twitter-text v3 does, fast enough for 100,000 posts.

The v3 configuration: text is NFC-normalised; code points 0-4351 and three punctuation ranges
(U+2000-U+200D, U+2010-U+201F, U+2032-U+2037) weigh 1, every other code point 2; each emoji
sequence weighs 2 whatever its length (skin tones, ZWJ sequences, flags, keycaps); each URL
weighs 23 (t.co). Limit: 280.

Why not call the `twitter-text-parser` package: it scans every position with a regex of ~3,800
alternatives (about 0.5 ms a caption). Here most captions take a fast path (one regex search
proves there is no URL, no emoji and no heavy code point, so the length is `len`), and the rest
take an exact path: twitter-text's URL extractor ported in xtext_urls.py (same regexes, TLD
lists and validity checks, so scheme-less URLs count only with a listed TLD), and emoji looked
up, longest first, in the set of sequences of xtext_data.py. Tests check both paths against
the package as a reference oracle.

Where we deliberately differ from that package: it knows emoji only up to Emoji 12.0, so newer
sequences (❤️‍🔥, 🫶🏽, 🐦‍🔥) count as the sum of their parts there; here every RGI sequence up to
Emoji 18.0 counts 2, as the v3 rule says (see xtext_data.py and tests/test_xtext.py). And on
absurd input (over 50,000 code points, or a space-free run with more than 16 "dot + letter"
spots) we skip the URL search that would take the reference minutes (MAX_EXACT_CODE_POINTS,
MAX_URL_HINTS_PER_WORD).
Like the reference, a CRLF or lone CR counts as one newline.

>>> weighted_length("Fresh drop 🔥 https://example.com/shop")
37
"""

from __future__ import annotations

import re
import unicodedata
from itertools import product

from pipeline.rules import xtext_data
from pipeline.rules.xtext_urls import MAX_URL_HINTS_PER_WORD, URL_HINT, url_spans

__all__ = [
    "EMOJI_WEIGHT",
    "MAX_EXACT_CODE_POINTS",
    "MAX_URL_HINTS_PER_WORD",
    "MAX_WEIGHTED_LENGTH",
    "URL_WEIGHT",
    "emoji_sequences",
    "is_valid",
    "weighted_length",
]

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2

# Guards against pathological input (twitter-text's URL regex is quadratic or worse on long
# dotted runs such as "a.a.a.a…": 10,000 characters of that take the reference minutes).
#: Above this many code points a text weighs more than 280 whatever it holds (a URL is at most
#: 4,096 characters for 23 units, so 280 units cover at most ~49,900), and we return the plain
#: per-code-point weight instead of looking for URLs and emoji.
MAX_EXACT_CODE_POINTS = 50_000

#: Code points weighing 1 (twitter-text v3 `ranges`, weight 100 of scale 100); others weigh 2.
LIGHT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
)
_TONES = tuple(range(0x1F3FB, 0x1F400))
_ABBREVIATIONS = {"Z": 0x200D, "V": 0xFE0F}


def _cls(cps: list[int] | tuple[tuple[int, int], ...], negate: bool = False) -> str:
    """A regex character class from code points or (first, last) ranges."""
    spans = cps if isinstance(cps, tuple) else _runs(sorted(set(cps)))
    body = "".join(f"\\U{a:08X}" if a == b else f"\\U{a:08X}-\\U{b:08X}" for a, b in spans)
    return f"[{'^' if negate else ''}{body}]"


def _runs(cps: list[int]) -> tuple[tuple[int, int], ...]:
    runs: list[tuple[int, int]] = []
    for cp in cps:
        if runs and runs[-1][1] == cp - 1:
            runs[-1] = (runs[-1][0], cp)
        else:
            runs.append((cp, cp))
    return tuple(runs)


# --- emoji ----------------------------------------------------------------------------------


def _expand(entry: str) -> list[tuple[int, ...]]:
    """One data entry (see xtext_data) -> the code point sequences it stands for."""
    if ".." in entry:
        first, last = (int(x, 16) for x in entry.split(".."))
        return [(cp,) for cp in range(first, last + 1)]
    slots: list[tuple[int, ...]] = []
    for part in entry.split("."):
        if part == "T":
            slots.append(_TONES)
        else:
            slots.append((_ABBREVIATIONS.get(part) or int(part, 16),))
    return list(product(*slots))


def emoji_sequences(data: str) -> list[str]:
    """The emoji sequences an xtext_data string lists (tests use it to pick their samples)."""
    return ["".join(map(chr, seq)) for entry in data.split() for seq in _expand(entry)]


class _EmojiFinder:
    """Finds emoji sequences left to right, longest first, as twitter-text's regex does.

    A single character class finds candidate positions quickly (Python's regex engine skips
    ahead on a leading class); only there are prefixes looked up in the set of sequences,
    longest first. Astral starts are one range in that class (all emoji live in U+1F000 to
    U+1FAFF, and astral ranges are tested one by one, BMP ones in O(1)); the set decides.
    Starts that are no emoji alone (the keycap bases #*0-9) are found through their second
    code point, so digits and hashtags stay cheap. (A set, not a regex: compiling a regex of
    5,000 sequences took Python ~0.2 s at every start.)
    """

    def __init__(self, sequences: list[str]) -> None:
        self._sequences = frozenset(sequences)
        self._longest: dict[str, int] = {}
        for seq in sequences:
            self._longest[seq[0]] = max(self._longest.get(seq[0], 0), len(seq))
        bmp = [ch for ch in self._longest if ord(ch) <= 0xFFFF]
        astral = [ord(ch) for ch in self._longest if ord(ch) > 0xFFFF]
        alone = [ord(ch) for ch in bmp if ch in self._sequences]
        self._starts = frozenset(ch for ch in bmp if ch not in self._sequences)
        self._seconds = frozenset(s[1] for s in sequences if s[0] in self._starts)
        if self._seconds & self._longest.keys():
            raise ValueError("emoji data: a keycap-like second code point also starts an emoji")
        candidates = _cls(alone + [ord(ch) for ch in self._seconds])[:-1]
        self._candidate = re.compile(f"{candidates}\\U{min(astral):08X}-\\U{max(astral):08X}]")

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        position = 0
        while (hit := self._candidate.search(text, position)) is not None:
            start = hit.start()
            if text[start] in self._seconds:
                if start > position and text[start - 1] in self._starts:
                    start -= 1
                else:
                    position = start + 1
                    continue
            end = self._match(text, start)
            if end is None:
                position = hit.start() + 1
            else:
                found.append((start, end))
                position = end
        return found

    def _match(self, text: str, start: int) -> int | None:
        """End of the longest sequence starting at `start`, if any."""
        for length in range(min(self._longest.get(text[start], 0), len(text) - start), 0, -1):
            if text[start : start + length] in self._sequences:
                return start + length
        return None


_ALL_EMOJI = emoji_sequences(xtext_data.EMOJI_V12 + " " + xtext_data.EMOJI_NEWER)
_EMOJI = _EmojiFinder(_ALL_EMOJI)
_HEAVY = re.compile(_cls(LIGHT_RANGES, negate=True))
_HEAVY_RUN = re.compile(_HEAVY.pattern + "+")
# Emoji made only of weight-1 code points (©, ®): the fast path must not miss them.
_LIGHT_EMOJI = [ord(s) for s in _ALL_EMOJI if len(s) == 1 and not _HEAVY.match(s)]


def _light_code_points() -> list[int]:
    return [cp for first, last in LIGHT_RANGES for cp in range(first, last + 1)]


_HEAVY_OR_LIGHT_EMOJI = re.compile(
    _cls(_runs(sorted(set(_light_code_points()) - set(_LIGHT_EMOJI))), negate=True)
)
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")
_INVALID = re.compile("[\ufffe\ufeff\uffff]")


def weighted_length(text: str) -> int:
    """The length X counts for `text` (twitter-text v3 `weightedLength`)."""
    if text.isascii():
        # No emoji is pure ASCII (keycaps end in U+20E3), and NFC leaves ASCII alone.
        if "\r" in text:
            text = _LINE_ENDINGS.sub("\n", text)
        if "." not in text or URL_HINT.search(text) is None:
            return len(text)
        return _full_length(text, emoji=False)
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        # twitter-text turns every line ending into one \n before counting.
        text = _LINE_ENDINGS.sub("\n", text)
    if _HEAVY_OR_LIGHT_EMOJI.search(text) is None:
        if "." not in text or URL_HINT.search(text) is None:
            return len(text)
        return _full_length(text, emoji=False)
    return _full_length(text, emoji=True)


def is_valid(text: str) -> bool:
    """What twitter-text calls valid: 1-280 weighted units and no U+FFFE, U+FEFF or U+FFFF."""
    return 0 < weighted_length(text) <= MAX_WEIGHTED_LENGTH and _INVALID.search(text) is None


def _base(text: str, start: int, end: int) -> int:
    """Weight of text[start:end] counted code point by code point."""
    return end - start + sum(map(len, _HEAVY_RUN.findall(text, start, end)))


def _full_length(text: str, emoji: bool) -> int:
    if len(text) > MAX_EXACT_CODE_POINTS:
        return _base(text, 0, len(text))
    # Entities as (start, priority, chars consumed, weight): at one position a URL wins over an
    # emoji, and an entity starting inside an earlier one is skipped, as in twitter-text's loop.
    entities = [(start, 0, size, URL_WEIGHT) for start, size in url_spans(text)]
    if emoji:
        entities += [(a, 1, b - a, EMOJI_WEIGHT) for a, b in _EMOJI.spans(text)]
    total = _base(text, 0, len(text))
    position = 0
    for start, _, size, weight in sorted(entities):
        if start < position:
            continue
        total += weight - _base(text, start, min(start + size, len(text)))
        position = start + size
    return total
