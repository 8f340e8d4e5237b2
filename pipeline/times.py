"""Local date-times as people write them -> instants, without guessing.

A calendar says "2026-12-01 09:00" in some zone. ISO dates are read as they are; numeric dates
such as 12/01/2026 are read only when the calendar declares `date_format` (no silent choice
between day-first and month-first). A local time in a daylight-saving gap does not exist (an
error); one in a fold exists twice (the first is used, with a warning).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.model import DstState
from pipeline.textsafe import shorten

#: Named date formats; anything containing "%" is taken as a strftime pattern.
DATE_FORMATS: dict[str, str] = {
    "iso": "%Y-%m-%d",
    "us": "%m/%d/%Y",
    "mm/dd/yyyy": "%m/%d/%Y",
    "eu": "%d/%m/%Y",
    "dd/mm/yyyy": "%d/%m/%Y",
    "dd.mm.yyyy": "%d.%m.%Y",
}

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?))?"  # spreadsheets export "8:30 PM" beside an ISO date
    r"\s*(?P<off>Z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION = re.compile(r"(:\d{2})\.\d+")
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$"
)
_NUMERIC_DATE = re.compile(r"^\d{1,4}[/.]\d{1,2}[/.]\d{1,4}")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")


#: Years read in calendars and --now: every zone, offset and planning step stays inside what
#: `datetime` holds (year 1 or 9999 with an offset overflows), and the API takes 365 days ahead.
MIN_YEAR, MAX_YEAR = 1900, 9000


def year_problem(year: int) -> str | None:
    """Why a year cannot be used, or None."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"the year {year} is outside {MIN_YEAR}-{MAX_YEAR}"


class TimeProblem(Exception):
    """A time that cannot be read; `code` is a diagnostic code (E401, E402, E407)."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class LocalWhen:
    """A wall-clock time and, when the text carried one, its explicit UTC offset."""

    local: datetime  # naive
    offset: timedelta | None = None


def resolve_date_format(name: str | None) -> str | None:
    """The strftime pattern for a declared `date_format` (None: only ISO dates are read)."""
    if name is None:
        return None
    pattern = DATE_FORMATS.get(name.strip().lower())
    if pattern:
        return pattern
    if "%" in name:
        _check_pattern(name.strip())
        return name.strip()
    raise TimeProblem(
        "E105",
        f"unknown date_format {shorten(name)}",
        "use iso, us (MM/DD/YYYY), eu (DD/MM/YYYY), dd.mm.yyyy, or a strftime pattern",
    )


def _check_pattern(pattern: str) -> None:
    """A strftime pattern strptime can use: no field twice (`%d/%d`), no unknown directive."""
    try:
        datetime.strptime("", pattern)
    except re.error:
        raise TimeProblem(
            "E105",
            f"date_format {shorten(pattern)} names a field twice",
            "each of %d, %m, %Y ... may appear once, e.g. %d/%m/%Y",
        ) from None
    except ValueError as exc:
        if "does not match format" not in str(exc):
            raise TimeProblem(
                "E105", f"date_format {shorten(pattern)}: {exc}", "e.g. %d/%m/%Y"
            ) from None


def parse_time_of_day(text: str) -> tuple[int, int, int]:
    match = _TIME.match(text.strip())
    if not match:
        raise TimeProblem(
            "E401", f"cannot read the time {shorten(text)}", "write it as 09:30 or 9:30 AM"
        )
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise TimeProblem("E401", f"{text!r}: with AM/PM the hour must be 1-12")
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeProblem("E401", f"{text!r} is not a time of day", "hours 0-23, minutes 0-59")
    return hour, minute, second


def _parse_offset(text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


@functools.lru_cache(maxsize=65536)
def parse_when(
    text: str, date_format: str | None = None, time_text: str | None = None
) -> LocalWhen:
    """Read `at` (or `date` + `time`) as written in a calendar.

    >>> parse_when("2026-12-01 09:00").local
    datetime.datetime(2026, 12, 1, 9, 0)
    """
    text = text.strip()
    if time_text is not None:
        text = f"{text} {time_text.strip()}"
    match = _ISO.match(text)
    # ISO dates cannot be misread, so a format declared for numeric dates (`us`, `eu`, ...) does
    # not stop them; only a declared pattern that itself starts with the year takes over.
    reads_iso = date_format is None or not date_format.startswith("%Y")
    if match and (reads_iso or date_format == DATE_FORMATS["iso"]):
        if not match["time"]:
            raise TimeProblem(
                "E401", f"{shorten(text)} has a date but no time", "add one: 2026-12-01 09:00"
            )
        hour, minute, second = parse_time_of_day(_FRACTION.sub(r"\1", match["time"]))
        year, month, mday = match["date"].split("-")
        try:  # faster than strptime, and this runs once per post
            local = datetime(int(year), int(month), int(mday), hour, minute, second)
        except ValueError as exc:
            raise TimeProblem("E401", f"{shorten(text)} is not a real date ({exc})") from None
        offset = _parse_offset(match["off"]) if match["off"] else None
        return _in_range(text, LocalWhen(local, offset))
    if date_format is None:
        if _NUMERIC_DATE.match(text):
            raise TimeProblem(
                "E407",
                f"{shorten(text)} could be day-first or month-first",
                "declare date_format (us = MM/DD/YYYY, eu = DD/MM/YYYY) in the calendar or "
                "pipeline.yaml, or write ISO dates such as 2026-12-01 09:00",
            )
        raise TimeProblem(
            "E401", f"cannot read {shorten(text)} as a date and time", "write 2026-12-01 09:00"
        )
    return _in_range(text, _parse_with_format(text, date_format))


def parse_date(text: str, date_format: str | None = None) -> date | None:
    """A date alone (a series' `until:` or `skip:`), ISO or in the declared `date_format`;
    None when it cannot be read."""
    text = text.strip()
    try:
        if _ISO_DATE.match(text):
            day = date.fromisoformat(text)
        elif date_format is not None:
            day = datetime.strptime(text, date_format).date()
        else:
            return None
    except (ValueError, re.error):
        return None
    return day if year_problem(day.year) is None else None


def _in_range(text: str, when: LocalWhen) -> LocalWhen:
    problem = year_problem(when.local.year)
    if problem:
        raise TimeProblem("E401", f"{shorten(text)}: {problem}", "check the year")
    return when


def _parse_with_format(text: str, pattern: str) -> LocalWhen:
    if any(d in pattern for d in ("%H", "%I", "%M")):
        try:
            return LocalWhen(datetime.strptime(text, pattern))
        except re.error:  # a pattern naming a field twice (checked earlier; kept as a guard)
            raise TimeProblem(
                "E105", f"date_format {shorten(pattern)} names a field twice"
            ) from None
        except ValueError:
            raise TimeProblem(
                "E401", f"{shorten(text)} does not match date_format {shorten(pattern)}"
            ) from None
    date_part, _, time_part = text.partition(" ")
    try:
        day = datetime.strptime(date_part, pattern)
    except re.error:
        raise TimeProblem("E105", f"date_format {shorten(pattern)} names a field twice") from None
    except ValueError:
        raise TimeProblem(
            "E401", f"{shorten(date_part)} does not match date_format {shorten(pattern)}"
        ) from None
    if not time_part.strip():
        raise TimeProblem(
            "E401", f"{shorten(text)} has a date but no time", "add one, e.g. 9:00 AM"
        )
    hour, minute, second = parse_time_of_day(time_part)
    return LocalWhen(day.replace(hour=hour, minute=minute, second=second))


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """An IANA zone ("Europe/Berlin"), "UTC", or a fixed offset ("+02:00", "UTC-5")."""
    name = name.strip()
    match = _OFFSET.match(name)
    if match:
        sign = -1 if match["sign"] == "-" else 1
        delta = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
        if delta > timedelta(hours=14):
            raise TimeProblem("E402", f"{shorten(name)} is not a real UTC offset (at most ±14:00)")
        return timezone(sign * delta)
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        if not name or name.startswith(("/", ".")) or ".." in name or len(name) > 255:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise TimeProblem(
            "E402",
            f"unknown time zone {shorten(name)}",
            "use an IANA name such as Europe/Berlin or America/New_York, or an offset like +02:00",
        ) from None


@dataclass(frozen=True, slots=True)
class Resolved:
    utc: datetime | None  # None when the local time does not exist
    dst: DstState
    offset: timedelta | None


@functools.lru_cache(maxsize=65536)
def resolve(local: datetime, tz_name: str) -> Resolved:
    """The instant a wall-clock time means in a zone, noticing DST gaps and folds."""
    tz = zone(tz_name)
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    off_first, off_second = first.utcoffset(), second.utcoffset()
    if off_first == off_second:
        return Resolved(first.astimezone(UTC), "ok", off_first)
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != local:
        return Resolved(None, "gap", None)
    return Resolved(first.astimezone(UTC), "fold", off_first)


def fold_alternative(local: datetime, tz_name: str) -> datetime:
    """For a fold warning: the second occurrence, in UTC."""
    return local.replace(tzinfo=zone(tz_name), fold=1).astimezone(UTC)


def format_offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
