"""`pipeline resolve`: settle a clip post whose outcome is unknown, after looking it up.

The clip server has no idempotency key and no listing, so the pipeline never resends such a
post by itself: a person checks the Upload-Post dashboard and says what they found.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.backends.clips.unknown import resolve_unknown, unknown_clip_posts
from pipeline.commands.common import EXIT_OK, UsageError, existing_ledger
from pipeline.ledger import Ledger, LedgerLocked


def resolve_command(args: argparse.Namespace) -> int:
    directory = existing_ledger(args)  # never creates one for a mistyped --ledger
    ledger = Ledger(directory)
    try:
        with ledger.lock(f"pipeline resolve {args.identity}"):
            unknown = {u.identity: u for u in unknown_clip_posts(ledger.state())}
            if args.identity not in unknown:
                known = ", ".join(sorted(unknown)) or "none"
                raise UsageError(
                    f"{args.identity}: not an unknown clip post in {directory} (unknown: {known})"
                )
            resolve_unknown(
                ledger, "resolve", args.identity, posted=args.posted, upload_id=args.upload_id
            )
    except LedgerLocked as exc:
        print(f"pipeline resolve: {exc}", file=sys.stderr)
        return 1
    if args.posted:
        print(f"{args.identity}: recorded as posted; it will not be sent again")
    else:
        print(f"{args.identity}: recorded as not posted; the next publish sends it once")
    return EXIT_OK
