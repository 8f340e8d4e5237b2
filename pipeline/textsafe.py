"""User values made safe to show: printable on a terminal, and short.

Ids, captions, file names and ledger values come from people (and from files anyone can
commit). Printed raw, an ESC or OSC sequence in them could recolour, retitle or rewrite the
terminal, and a bidi override could make a line read differently than it is. A value of
10 MB quoted whole in a message buries the message. Every text renderer goes through
`printable`; every message is capped by `clip` where diagnostics are made.
"""

from __future__ import annotations

import re

#: C0 controls (tab and newline too: one value, one line), DEL, C1 controls, and the Unicode
#: bidi controls (embeddings, overrides, isolates, marks) and line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

#: A quoted value longer than this is shown as its start and its length.
SHORT = 80

#: A message or value longer than this is cut (a last line of defence, far above any real one).
LONG = 1000


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clip(text: str, limit: int = LONG) -> str:
    """`text`, or its first `limit` characters, an ellipsis and its whole length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def printable(text: object, limit: int = LONG) -> str:
    """`text` clipped, with every control, bidi and separator character shown as its escape
    (`\\x1b`, `\\u202e`, `\\n`): it prints as what it is and changes nothing on the terminal.
    A presigned URL's query string is hidden too (`hide_presigned`)."""
    shown = str(text)
    if "=" in shown:  # no query string without one: most text costs no further call
        shown = hide_presigned(shown)
    return _UNSAFE.sub(_visible, clip(shown, limit))


#: A URL whose query string signs it (S3 SigV4 or SigV2): the query string is a credential.
_PRESIGNED = re.compile(
    r"(?P<base>https?://[^\s\"'<>?]*)\?(?P<query>[^\s\"'<>]*"
    r"(?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)="
    r"[^\s\"'<>]*)",
    re.IGNORECASE,
)
_PRESIGN_MARK = re.compile(
    r"(?:Signature|X-Amz-Credential|AWSAccessKeyId|X-Amz-Security-Token)=", re.IGNORECASE
)
PRESIGNED_HIDDEN = "?[presigned]"


def hide_presigned(text: str) -> str:
    """`text` with each presigned URL's query string replaced by `?[presigned]`: the URL says
    which object it was, and nobody can fetch it with what is left. Cheap when there is none."""
    if "=" not in text or _PRESIGN_MARK.search(text) is None:
        return text
    return _PRESIGNED.sub(lambda m: m.group("base") + PRESIGNED_HIDDEN, text)


def shorten(value: object, limit: int = SHORT) -> str:
    """A found value to quote in a message: its repr when short, else its start and its length,
    e.g. `'aaaa…' (10,000,000 characters)`, so a pasted file never floods a terminal or an
    annotation. Non-text values are shown by their repr, cut the same way."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(value)
    return f"{text[:limit] + '…'!r} ({len(text):,} characters)"


def key_name(key: str) -> str:
    """A key as a message names it (`text: ...`): as written when it is short printable text,
    else quoted and cut like any found value."""
    return key if key.isprintable() and len(key) <= SHORT else shorten(key)


def megabytes(size: int) -> str:
    """A size as plans and progress lines show it: `41 MB`, `2.5 MB`, `340 kB`."""
    mb = size / 1_000_000
    if mb < 1:
        return f"{max(1, round(size / 1000))} kB"
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"
