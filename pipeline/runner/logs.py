"""Structured log lines for the long-lived runner: one `key=value` line per event.

    ts=2026-10-01T09:00:00.123Z level=INFO job=track entry=launch-teaser platform=x
        outcome=published msg="scheduled -> published"

Why key=value and not prose: a runner under systemd is read through `journalctl | grep`, and a
line that always carries `job`, `entry`, `platform` and `outcome` (when they apply) answers "what
happened to this post" with one grep. Values with spaces or quotes are JSON-quoted, so every line
stays one line (a traceback included). The formatter scrubs the secrets it is given (the API key,
the webhook secret) from the finished line, as a last line of defence: nothing logs them on
purpose.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Final

from pipeline.textsafe import hide_presigned, printable

#: The structured fields, in the order they are written, after ts, level and logger.
FIELDS: Final = (
    "job",
    "entry",
    "platform",
    "account",
    "outcome",
    "identity",
    "event_type",
    "reads",
    "pending",
    "changes",
    "late",
    "flagged",
    "duration_s",
    "detail",
)
_PLAIN: Final = re.compile(r"^[\w.:/@+\-,]+$")
REDACTED: Final = "[redacted]"


def quote(value: object) -> str:
    """A value as is when plain, else JSON-quoted; C1 and bidi controls, which JSON leaves raw,
    shown as escapes too (the log is read on a terminal)."""
    text = value if isinstance(value, str) else str(value)
    if _PLAIN.match(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return printable(quoted, limit=len(quoted))


class KeyValueFormatter(logging.Formatter):
    """`ts=... level=... logger=... <FIELDS present> msg=... [error=... traceback=...]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        forms = {f for s in secrets if s for f in (s, json.dumps(s, ensure_ascii=False)[1:-1])}
        self._secrets = tuple(sorted(forms, key=len, reverse=True))

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        parts = [f"ts={stamp}", f"level={record.levelname}", f"logger={record.name}"]
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                parts.append(f"{name}={quote(value)}")
        parts.append(f"msg={quote(record.getMessage())}")
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            parts.append(f"error={quote(f'{type(exc).__name__}: {exc}')}")
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            parts.append(f"traceback={quote(text)}")
        line = " ".join(parts)
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        return hide_presigned(line)


def configure_logging(
    *, level: str | int = "INFO", secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """One key=value handler on the root logger (replacing an earlier one of ours); APScheduler's
    and httpx's per-run chatter is kept out. Returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(KeyValueFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old.formatter, KeyValueFormatter):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler warns when a run is skipped because the job is still running: with
    # max_instances=1 and coalescing that is the intended behaviour, not news.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is too many
    # boto3's debug lines carry request URLs and headers: the media store logs in its own words.
    for name in ("boto3", "botocore", "s3transfer", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
