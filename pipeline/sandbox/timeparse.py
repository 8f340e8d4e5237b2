"""post.scheduledFor as the API reads it: an instant with a zone, a Unix time, or "now".

Outcomes (OpenAPI `Post.scheduledFor`): now (absent, null, "", "now", a past time, or 60 s or
less ahead), scheduled (more than 60 s and at most 365 days ahead), or 400 scheduled_for_invalid
with reason no_time_zone, unreadable or too_far_ahead. These bounds are calendar facts, so the
time scale never shrinks them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

NOW_WITHIN_SECONDS = 60.0
MAX_AHEAD_SECONDS = 365 * 86400.0
MILLIS_FROM = 1e11

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_WORD = re.compile(r"[A-Za-z]{3}")


@dataclass(frozen=True)
class When:
    """None for "now", else the due time in epoch seconds."""

    due: float | None


class ScheduleError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _instant(value: Any) -> float:
    if isinstance(value, bool):
        raise ScheduleError("unreadable")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ScheduleError("unreadable")
        return float(value) / 1000.0 if abs(value) >= MILLIS_FROM else float(value)
    if not isinstance(value, str):
        raise ScheduleError("unreadable")
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _instant(float(text))
    match = _ISO.match(text)
    if match:
        if match.group("zone") is None:
            raise ScheduleError("no_time_zone")
        try:
            return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise ScheduleError("unreadable") from None
    if _ISO_DATE_ONLY.match(text):
        raise ScheduleError("no_time_zone")
    if _MONTH_WORD.search(text):
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ScheduleError("unreadable") from None
        # email.utils reads "-0000" and a missing zone alike as naive: no zone given.
        if moment.tzinfo is None:
            raise ScheduleError("no_time_zone")
        return moment.timestamp()
    raise ScheduleError("unreadable")


def read_scheduled_for(value: Any, now: float) -> When:
    """Raises ScheduleError(reason) for a 400 scheduled_for_invalid."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "now")):
        return When(None)
    due = _instant(value)
    ahead = due - now
    if ahead <= NOW_WITHIN_SECONDS:
        return When(None)
    if ahead > MAX_AHEAD_SECONDS:
        raise ScheduleError("too_far_ahead")
    return When(due)
