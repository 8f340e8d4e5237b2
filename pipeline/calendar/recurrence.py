"""A `repeat:` rule (RFC 5545 RRULE text) -> a python-dateutil rule, or why it cannot be one.

The rule says only how the posts repeat. Where the series starts, ends and what it leaves out
have their own calendar keys (`at:`, `until:`/`count:`, `skip:`), so DTSTART, UNTIL and COUNT
inside the rule text are refused (E161) rather than weighed against those keys. dateutil
expands the rule; this module only checks it first, because dateutil accepts some rules it
then cannot use: INTERVAL=-1 fails while iterating, and a rule that never occurs (February 30)
makes it scan every day up to the year 9999.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dateutil.rrule import rrule

from pipeline.textsafe import printable, shorten

#: Posts more often than this are refused: a social account is not a cron job.
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
#: A series making more occurrences than this within the API's horizon is refused (E166).
MAX_OCCURRENCES = 10_000
#: Parts the calendar says with its own keys: the part -> the key to use instead.
BOUNDS = {"DTSTART": "at:", "UNTIL": "until:", "COUNT": "count:"}
_WEEKDAY = r"(?:MO|TU|WE|TH|FR|SA|SU)"
_NUMBERS = {
    # part -> (lowest, highest, zero allowed)
    "INTERVAL": (1, 1000, False),
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (-31, 31, False),
    "BYYEARDAY": (-366, 366, False),
    "BYWEEKNO": (-53, 53, False),
    "BYSETPOS": (-366, 366, False),
    "BYHOUR": (0, 23, True),
    "BYMINUTE": (0, 59, True),
    "BYSECOND": (0, 59, True),
}
_BYDAY = re.compile(rf"^(?:[+-]?(?P<n>\d{{1,2}}))?{_WEEKDAY}$")
#: Rules are checked on wall times (naive), as they are expanded.
_PROBE_START = datetime(2000, 1, 1)  # noqa: DTZ001
_EXAMPLE = 'e.g. repeat: "FREQ=WEEKLY;BYDAY=TU,TH"'


class RuleProblem(Exception):
    """Why a rule cannot be used; `code` is E160, E161 or E166."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


@functools.lru_cache(maxsize=1024)
def _rrulestr(text: str, dtstart: datetime) -> Any:
    """dateutil's parser, imported on first use: a calendar without a series, and every
    command that reads none, starts ~20 ms sooner."""
    from dateutil.rrule import rrulestr

    return rrulestr(text, dtstart=dtstart)


def check_rule(text: str) -> str:
    """The rule in the form dateutil reads (upper case, no `RRULE:`), or RuleProblem."""
    rule = " ".join(text.split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :].strip()
    for name, key in BOUNDS.items():
        if re.search(rf"(^|[;\s:]){name}[=:;]", rule):
            raise RuleProblem(
                "E161",
                f"repeat: {shorten(text)} has {name} inside the rule",
                f"write the rule alone and use {key} beside it ({_EXAMPLE})",
            )
    parts: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in rule.split(";"))):
        name, equals, value = pair.partition("=")
        if not equals or not value or not re.fullmatch(r"[A-Z]+", name):
            raise RuleProblem(
                "E160",
                f"repeat: {shorten(pair)} is not NAME=VALUE",
                f"an RRULE is NAME=VALUE parts separated by ';' ({_EXAMPLE})",
            )
        if name in parts:
            raise RuleProblem("E160", f"repeat: {name} is given twice")
        parts[name] = value
    _check_values(parts)
    normal = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        _rrulestr(normal, dtstart=_PROBE_START)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise RuleProblem(
            "E160", f"repeat: {shorten(text)}: {exc}", f"see RFC 5545 RRULE ({_EXAMPLE})"
        ) from None
    if not _ever_occurs(parts):
        raise RuleProblem(
            "E160",
            f"repeat: {shorten(text)} never occurs (no date has that month, day and weekday)",
            "check BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO and BYDAY together",
        )
    return normal


def _check_values(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleProblem("E160", "repeat: the rule has no FREQ", _EXAMPLE)
    if freq in ("MINUTELY", "SECONDLY"):
        raise RuleProblem(
            "E166",
            f"repeat: FREQ={freq}: posts repeat at most hourly",
            "use FREQ=HOURLY or DAILY with BYHOUR/BYMINUTE for several posts a day",
        )
    if freq not in FREQUENCIES:
        raise RuleProblem(
            "E160",
            f"repeat: FREQ={printable(freq, 20)} is unknown",
            "FREQ is " + ", ".join(FREQUENCIES),
        )
    for name, value in parts.items():
        if name in _NUMBERS:
            low, high, zero = _NUMBERS[name]
            for item in value.split(","):
                number = _int(item)
                if number is None or not low <= number <= high or (number == 0 and not zero):
                    allowed = f"{low}..{high}" + ("" if zero else ", not 0")
                    raise RuleProblem(
                        "E160", f"repeat: {printable(f'{name}={value}', 60)}: {allowed}"
                    )
        elif name == "BYDAY":
            for item in value.split(","):
                match = _BYDAY.match(item)
                if match is None or (match["n"] is not None and not 1 <= int(match["n"]) <= 53):
                    raise RuleProblem(
                        "E160",
                        f"repeat: BYDAY={printable(value, 60)}: {printable(item, 20)} is not "
                        "a weekday",
                        "weekdays are MO TU WE TH FR SA SU, optionally numbered: 1MO, -1FR",
                    )
        elif name == "WKST":
            if not re.fullmatch(_WEEKDAY, value):
                raise RuleProblem("E160", f"repeat: WKST={printable(value, 20)} is not a weekday")
        elif name != "FREQ":
            raise RuleProblem(
                "E160",
                f"repeat: {shorten(name)} is not an RRULE part",
                "known: FREQ, INTERVAL, BYDAY, BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, "
                "BYSETPOS, BYHOUR, BYMINUTE, BYSECOND, WKST",
            )


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?\d{1,4}", text) else None


def _ever_occurs(parts: dict[str, str]) -> bool:
    """Whether any date passes the rule's date filters, asked of a yearly rule with the same
    filters (weekdays without their numbers, so a superset): dateutil scans a rule that never
    occurs up to the year 9999, day by day for a daily one (seconds), year by year here."""
    filters = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
    if not any(f in parts for f in filters):
        return True  # months and weekdays alone always occur
    probe = ["FREQ=YEARLY"] + [f"{f}={parts[f]}" for f in ("BYMONTH", *filters) if f in parts]
    if "BYDAY" in parts:
        probe.append("BYDAY=" + re.sub(r"[^A-Z,]", "", parts["BYDAY"]))
    found = _rrulestr(";".join(probe), dtstart=_PROBE_START).after(_PROBE_START, inc=True)
    return found is not None


def build_rule(
    text: str, start: datetime, until: date | None = None, count: int | None = None
) -> Any:
    """A checked rule as dateutil's `rrule`, from the local wall time `start` (naive); `until`
    is a local date, inclusive. Raises RuleProblem for a rule `check_rule` refuses."""
    rule: rrule = _rrulestr(check_rule(text), dtstart=start)
    if until is not None:
        return rule.replace(until=datetime.combine(until, time.max))
    if count is not None:
        return rule.replace(count=count)
    return rule
