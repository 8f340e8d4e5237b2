"""A rich console that renders into a string: the text reports are data in, text out."""

from __future__ import annotations

import io

from rich.console import Console


def text_console(buffer: io.StringIO, *, color: bool, width: int) -> Console:
    """Colour only when asked (a terminal); long lines wrap softly instead of being cut."""
    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=True,
    )
