"""Escaping and the shared vocabulary of the HTML report's parts.

Every piece of user text (captions, ids, accounts, file names, messages) goes through `esc`
before it reaches the page, in text and in attributes alike; JSON placed in a <script> goes
through `script_json`. Class names built from data go through `token`.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Final

import pandas as pd

from pipeline.model import PLATFORMS

#: One colour per network: brand-like, but far enough apart to tell apart in a stacked bar.
PLATFORM_COLOURS: Final[dict[str, str]] = {
    "tiktok": "#00a3a6",
    "instagram": "#c13584",
    "facebook": "#4267b2",
    "youtube": "#e62117",
    "x": "#14171a",
    "linkedin": "#0a8fd8",
    "pinterest": "#8c1c3b",
    "threads": "#7a7f87",
    "skool": "#c99700",
}
OTHER_COLOUR: Final = "#999999"
_TOKEN = re.compile(r"[^a-z0-9_-]+")


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute: & < > " ' all escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def token(value: object) -> str:
    """A safe class-name fragment: lowercase letters, digits, `_` and `-` only."""
    return _TOKEN.sub("-", str(value).lower()).strip("-") or "none"


def colour(platform: str) -> str:
    return PLATFORM_COLOURS.get(platform, OTHER_COLOUR)


def platform_order(platform: str) -> int:
    return PLATFORMS.index(platform) if platform in PLATFORMS else len(PLATFORMS)


def script_json(data: Any) -> str:
    """JSON that can sit inside <script>: `<`, `>` and `&` become \\u escapes, so no `</script>`
    or `<!--` in the data can end or change the element; U+2028/9 are escaped for old parsers."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def number(value: float | int | None) -> str:
    """A figure as people read it; None is "—" (not reported), never 0."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
