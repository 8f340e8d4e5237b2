"""The `pipeline` command: parse arguments, call one function per command, return the exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipeline import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="Validate, plan and publish content calendars to the Status 200 Uploads API.",
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0
