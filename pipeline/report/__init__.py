"""Renderers of one validation result: text, json, markdown, github (and html, later).

Each takes data and returns a string; the caller decides where it goes (stdout, --output,
$GITHUB_STEP_SUMMARY). Nothing here reads files or the environment.
"""

from __future__ import annotations

from pipeline.report.console import text_console
from pipeline.report.diagnostics import render_github, render_json, render_markdown, render_text

FORMATS = ("text", "json", "markdown", "github")

__all__ = [
    "FORMATS",
    "render_github",
    "render_json",
    "render_markdown",
    "render_text",
    "text_console",
]
