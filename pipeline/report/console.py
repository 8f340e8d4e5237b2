"""A rich console that renders into a string (the text reports are data in, text out), and the
one way a user's value goes into its markup."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape

from pipeline.textsafe import printable


def markup_safe(text: object) -> str:
    """A user value to put inside rich markup: `printable` (no control or bidi characters), and
    `[bold]` shown, not obeyed."""
    return escape(printable(text))


def text_console(buffer: io.StringIO, *, color: bool, width: int) -> Console:
    """Colour only when asked (a terminal); long lines wrap softly instead of being cut; emoji
    codes are never expanded (`:smile:` in an id stays those seven characters)."""
    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )
