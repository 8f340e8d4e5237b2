"""How the text reports reach a terminal: plain strings, coloured by `paint`, with every user
value passed through `printable` (pipeline.textsafe) first.

The diagnostics and the plan are built as plain text, not through rich: rich parses markup and
emoji codes (so a user's `[bold]` or `:smile:` would be obeyed unless escaped at every call
site), and it costs about half a millisecond a line, which a 50,000-row calendar turns into
half a minute. `text_console` (rich) remains for the publish summary's table, where user values
go in through `markup_safe`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pipeline.textsafe import printable

if TYPE_CHECKING:  # rich is imported where it is used: `pipeline validate` never needs it
    from rich.console import Console

#: The styles the reports use, as ANSI SGR parameters (what rich writes for them).
_SGR = {
    "bold": "1",
    "dim": "2",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
}


def paint(text: str, style: str, *, color: bool) -> str:
    """`text` in `style` (e.g. "bold underline") when colour is on, else `text` unchanged.
    `text` must already be printable: this adds the only escape sequences in the output."""
    if not color or not style or not text:
        return text
    return f"\x1b[{';'.join(_SGR[s] for s in style.split())}m{text}\x1b[0m"


def markup_safe(text: object) -> str:
    """A user value to put inside rich markup: `printable` (no control or bidi characters), and
    `[bold]` shown, not obeyed."""
    from rich.markup import escape

    return escape(printable(text))


def text_console(buffer: io.StringIO, *, color: bool, width: int) -> Console:
    """Colour only when asked (a terminal); long lines wrap softly instead of being cut; emoji
    codes are never expanded (`:smile:` in an id stays those seven characters)."""
    from rich.console import Console

    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )
