"""URLs as twitter-text finds them: a port of its extractor (extract_urls.py, regexp/*.py).

The regex fragments keep twitter-text's names and text, so they can be compared with the
original; the TLD lists come from it too (xtext_data.py). Two changes, for speed only: the TLD
alternations are prefix-factored (same order of trial), and only the space-free runs around a
"URL hint" are searched, from the character before them (see `url_spans`). One deliberate
deviation, for safety: runs with more than MAX_URL_HINTS_PER_WORD hints are not searched.
"""

from __future__ import annotations

import functools
import re

from pipeline.rules import xtext_data

#: A space-free run with more "dot + letter" spots than this is not searched for URLs (its
#: characters count one by one): the extractor's regex is quadratic or worse on long dotted
#: runs ("a.a.a.a…", 10,000 characters of it take twitter-text minutes). No real link has that
#: many spots; junk and attacks do.
MAX_URL_HINTS_PER_WORD = 16
#: Any URL has a domain "label." followed by a TLD starting with a letter of some script; so a
#: dot followed by anything but a space, digit or ASCII punctuation is the only way in.
URL_HINT = re.compile(r"\.[^\s0-9!-/:-@\[-`{-~]")

_PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$/"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_INVALID_CHARS = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_CYRILLIC = r"\u0400-\u04FF"


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.terminal = False


def _trie(words: list[str]) -> _Node:
    root = _Node()
    for word in words:
        node = root
        for ch in word:
            node = node.children.setdefault(ord(ch), _Node())
        node.terminal = True
    return root


def _trie_regex(node: _Node) -> str:
    """The alternation of all words below `node`, factored by prefix so the regex engine tests
    a handful of branches instead of thousands. Greedy optional tails try the longest word
    first, as twitter-text's longest-first alternations do."""
    leaves = [
        re.escape(chr(cp)) for cp, child in sorted(node.children.items()) if not child.children
    ]
    branches = [
        f"{re.escape(chr(cp))}(?:{_trie_regex(child)}){'?' if child.terminal else ''}"
        for cp, child in sorted(node.children.items())
        if child.children
    ]
    if len(leaves) == 1:
        branches.append(leaves[0])
    elif leaves:
        branches.append(f"[{''.join(leaves)}]")
    return "|".join(branches)


_TLD_END = r"(?=[^0-9a-zA-Z@+-]|$)"
# The TLD lists are prefix-factored (each is longest-first, so a trie tries them in the same
# order); a flat case-insensitive alternation of 1,259 names cost ~40 µs per domain.
_GTLD = f"(?:(?:{_trie_regex(_trie(xtext_data.GTLDS.split()))}){_TLD_END})"
_CCTLD = f"(?:(?:{_trie_regex(_trie(xtext_data.CCTLDS.split()))}){_TLD_END})"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL}]"
_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"
_PATH_CHAR = rf"[a-z{_CYRILLIC}0-9!\*';:=\+,\.\$\/%#\[\]\-\u2013_~@\|&{_LATIN_ACCENTS}]"
_BALANCED_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = rf"[\+\-a-z{_CYRILLIC}0-9=_#\/{_LATIN_ACCENTS}]|(?:{_BALANCED_PARENS})"
_PATH = f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY_CHAR = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-z0-9\-_&=#/]"
_PRECEDING = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL}]|^)"


@functools.cache
def _extract() -> re.Pattern[str]:
    """Compiled on first use: Python takes ~0.1 s to compile each regex holding the TLD lists,
    which a run without X links need not pay."""
    return re.compile(
        f"(({_PRECEDING})((https?:\\/\\/)?({_DOMAIN})(?::([0-9]+))?(\\/{_PATH}*)?"
        f"(\\?{_QUERY_CHAR}*{_QUERY_END})?))",
        re.IGNORECASE,
    )


@functools.cache
def _ascii_domain() -> re.Pattern[str]:
    """Only for links written without a scheme: compiled apart from `_extract`, so that
    calendars whose links all start with https:// compile the TLD lists once, not twice."""
    return re.compile(
        f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})",
        re.IGNORECASE,
    )


@functools.cache
def _tco() -> re.Pattern[str]:
    return re.compile(
        f"^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_END})?",
        re.IGNORECASE,
    )


_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40


# A URL holds no space, so only the space-free runs ("words") around a URL hint need the slow
# full regex; each is searched from the character before it, whose role as the URL's preceding
# character is the same as in a whole-text search. Runs are found from each hint outwards (in
# the reversed text for the start), which is cheaper than scanning every word.
_RUN = re.compile(f"[^{_SPACES}]*")


def _run_end(text: str, position: int) -> int:
    match = _RUN.match(text, position)
    return position if match is None else match.end()


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, characters the counter skips) for each URL twitter-text extracts from `text`."""
    found: list[list[int]] = []
    covered = 0
    reverse = ""
    for hint in URL_HINT.finditer(text):
        dot = hint.start()
        if dot < covered:
            continue
        reverse = reverse or text[::-1]
        start = len(text) - _run_end(reverse, len(text) - dot)
        covered = _run_end(text, dot)
        if len(URL_HINT.findall(text, start, covered)) > MAX_URL_HINTS_PER_WORD:
            continue
        for match in _extract().finditer(text, max(start - 1, 0), covered):
            _collect(match, found)
    return [(start, size) for start, size in found]


def _collect(match: re.Match[str], found: list[list[int]]) -> None:
    """Append the URL entities of one extractor match, as twitter-text's loop body does."""
    _, before, url, protocol, domain, _, path, _ = match.groups()
    start = match.end() - len(url)
    if not _is_valid_url(url, protocol or "https://", domain):
        return
    if protocol is not None:
        tco = _tco().search(url)
        if tco is not None:
            if tco.group(1) and len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                return
            url = tco.group(0)
        found.append([start, len(url)])
        return
    if before and before in "-_./":
        return
    # Without a scheme only the ASCII parts of a domain are URLs, each on its own, and the last
    # one takes the path. twitter-text then skips as many characters as its rewritten URL
    # string has (url.replace(domain, last)), which we reproduce.
    last: list[int] | None = None
    last_text = ""
    for ascii_match in _ascii_domain().finditer(domain):
        last_text = ascii_match.group(0)
        last = [start + ascii_match.start(), len(last_text)]
        found.append(last)
    if last is not None and path:
        last[1] = len(url.replace(domain, last_text))


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    """twitter-text's check: the domain converts to IDNA and the whole URL fits in 4,096."""
    if domain.isascii():
        # What the idna codec does for an ASCII name (its fast path), without the codec call.
        labels = domain.split(".")
        if not all(0 < len(label) < 64 for label in labels[:-1]) or len(labels[-1]) >= 64:
            return False
        return len(protocol) + len(url) <= _MAX_URL_LENGTH
    try:
        punycode = domain.encode("idna").decode("ascii")
    except UnicodeError:  # twitter-text treats a domain IDNA refuses as "not a URL"
        return False
    return len(protocol) + len(url) + len(punycode) - len(domain) <= _MAX_URL_LENGTH
