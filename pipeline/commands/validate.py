"""`pipeline validate`: check calendars, print a report, exit 0/1 (2 for usage errors)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable

from pipeline.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    UsageError,
    append_step_summary,
    color,
    load,
    media_store,
)
from pipeline.mediastore import StoreError
from pipeline.model import Diagnostic
from pipeline.report import render_github, render_json, render_markdown, render_text
from pipeline.rules.codes import make
from pipeline.validate.check import ValidationResult


def _store_problems(result: ValidationResult) -> list[Diagnostic]:
    """`--online` with a media store: one HeadBucket says the credentials work and the bucket
    is there (E150 on pipeline.yaml when not). boto3 is imported only here."""
    store = media_store(result.config)
    if store is None:
        return []
    from pipeline.mediastore.store import MediaStore

    try:
        MediaStore(store).check()
    except StoreError as exc:
        config = result.config
        where = os.path.relpath(config.path) if config.path else "pipeline.yaml"
        return [make("E150", where, 1 if config.path else 0, str(exc))]
    return []


def _online(result: ValidationResult) -> ValidationResult:
    """`--online`: what only the services can tell: the media store's credentials and bucket,
    the clip server's profiles, jobs, clips and AI captions. The clip client (and httpx) is
    imported here: an offline validate does not wait for them."""
    from pipeline.backends.clips.client import ClipClient
    from pipeline.backends.clips.errors import ClipConfigError
    from pipeline.backends.clips.rules import online_problems
    from pipeline.backends.clips.settings import ClipSettings

    found_store = _store_problems(result)
    if found_store:
        diagnostics = sorted([*result.diagnostics, *found_store], key=Diagnostic.sort_key)
        result = dataclasses.replace(result, diagnostics=diagnostics)
    clip_entries = [e for e in result.entries if e.clip is not None]
    if not clip_entries:
        return result
    try:
        settings = ClipSettings.from_env(os.environ)
    except ClipConfigError as exc:
        raise UsageError(str(exc)) from None
    with ClipClient(settings) as client:
        found = online_problems(client, clip_entries)
    diagnostics = sorted([*result.diagnostics, *found], key=Diagnostic.sort_key)
    return dataclasses.replace(result, diagnostics=diagnostics)


def validate_command(args: argparse.Namespace) -> int:
    result = load(args, keep_entries=args.online)  # reporting alone needs no entries
    if args.online:
        result = _online(result)
    summary = result.summary()
    fmt = args.format
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    renderers: dict[str, Callable[..., str]] = {
        "text": lambda d, s: render_text(
            d, s, color=args.output is None and color(sys.stdout), verbose=args.verbose
        ),
        "json": render_json,
        "markdown": render_markdown,
        "github": render_github,
    }
    report = renderers[fmt](result.diagnostics, summary)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(report)
        except OSError as exc:  # a folder that does not exist, no permission: as report does
            raise UsageError(f"--output {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(report)
    append_step_summary(render_markdown(result.diagnostics, summary))
    failed = summary["errors"] > 0 or (args.strict and summary["warnings"] > 0)
    return EXIT_PROBLEMS if failed else EXIT_OK
