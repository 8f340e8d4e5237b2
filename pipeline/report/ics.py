"""The calendar feed: one iCalendar VEVENT per planned or recorded post, for Google Calendar
and Outlook subscriptions (`pipeline report … --format ics`).

Pure: the plan and the ledger in, RFC 5545 bytes out (icalendar escapes, folds and ends lines
with CRLF). Subscribed calendars re-read the whole file now and then, so everything in it is
stable across runs: a UID per post identity (a moved post is updated in place, never doubled),
DTSTAMP from the run's `now`, events in time order. Nothing secret goes in: no media URLs, no
errors, and links (permalinks, URLs in captions) lose their query string, fragment and user
info, where signed URLs keep their tokens.

    feed = render_ics(feed_events(plan, ledger_state.posts), now=result.now)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal
from urllib.parse import urlsplit, urlunsplit

from icalendar import Calendar, Event, vDuration

from pipeline.model import Entry, LedgerPost, PlannedPost
from pipeline.plan.diff import GONE_OUT, WAITING, Plan, Step
from pipeline.report.origin import Origin, origin_of, origin_of_id
from pipeline.report.plan import preview
from pipeline.textsafe import printable

#: The UID's domain part: `<identity>@content-calendar`.
UID_DOMAIN: Final = "content-calendar"
PRODID: Final = "-//content-calendar-pipeline//calendar feed//EN"
CALENDAR_NAME: Final = "Content calendar"
#: How long an event lasts in a calendar view: a post is an instant, this makes it visible.
DURATION: Final = timedelta(minutes=15)
#: How often subscribers are asked to fetch the feed again (RFC 7986, and Outlook's own key).
REFRESH: Final = timedelta(hours=1)
SUMMARY_PREVIEW: Final = 60
DESCRIPTION_CAPTION: Final = 500

#: Plan actions whose post the feed shows at the calendar's time (planned or kept as it is).
PLANNED: Final = frozenset({"create", "replace", "unchanged", "defer"})

EventStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]

#: A link in a caption, without the punctuation that ends its sentence.
_URL = re.compile(r"https?://\S+?(?=[.,;:!?)\]]*(?:\s|$))", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One post as the feed shows it. `state`: the ledger's status, or "planned"."""

    identity: str
    platform: str
    account: str
    start: datetime  # UTC
    status: EventStatus
    state: str
    entry_id: str | None
    source: str  # "file:line"
    caption: str = ""
    permalink: str | None = None
    origin: Origin | None = None
    note: str = ""  # what the plan does with it, when that is news


def safe_url(url: str) -> str | None:
    """An http(s) link without what may be secret in it (query, fragment, user:password@)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, "", ""))


def _clean(text: str, limit: int) -> str:
    """One line of shown text: URLs made safe, whitespace flattened, then terminal-safe."""
    text = _URL.sub(lambda m: safe_url(m.group()) or "(link)", text)
    return printable(preview(text, limit), limit + 1)


def _status(state: str) -> EventStatus:
    if state in WAITING or state in GONE_OUT:
        return "CONFIRMED"
    if state in ("cancelled", "failed", "deferred"):
        return "CANCELLED"
    return "TENTATIVE"  # unknown: the service may or may not hold it


def _planned(step: Step, post: PlannedPost, record: LedgerPost | None) -> FeedEvent:
    state: str
    status: EventStatus
    if step.action == "unchanged" and record is not None:
        state, status, note = record.status, _status(record.status), ""
    elif step.action == "defer":
        state, status, note = "planned", "TENTATIVE", "deferred: " + step.reason
    else:
        state, status = "planned", "TENTATIVE"
        note = f"to {step.action}" + (f": {step.reason}" if step.reason else "")
    permalink = record.permalink if record is not None else None
    return _event(
        post.entry,
        record,
        post.identity,
        post.platform,
        post.account,
        post.scheduled_for,
        status,
        state,
        permalink,
        note,
    )


def _event(
    entry: Entry | None,
    record: LedgerPost | None,
    identity: str,
    platform: str,
    account: str,
    start: datetime,
    status: EventStatus,
    state: str,
    permalink: str | None,
    note: str,
) -> FeedEvent:
    if entry is not None:
        caption = entry.caption_for(platform) or entry.title or ""
        entry_id, source, origin = entry.id, str(entry.source), origin_of(entry)
    else:  # only the ledger knows it
        entry_id = record.entry_id if record is not None else None
        caption, source = "", record.source if record is not None else ""
        origin = origin_of_id(entry_id)
    return FeedEvent(
        identity=identity,
        platform=platform,
        account=account,
        start=start.astimezone(UTC),
        status=status,
        state=state,
        entry_id=entry_id,
        source=source,
        caption=caption,
        permalink=safe_url(permalink) if permalink else None,
        origin=origin,
        note=note,
    )


def _recorded(record: LedgerPost, step: Step | None) -> FeedEvent | None:
    """A post the ledger knows and the plan does not show at a calendar time."""
    if record.scheduled_for is None:
        return None
    status, note = _status(record.status), ""
    if step is not None and step.action == "cancel":
        status, note = "CANCELLED", f"to cancel: {step.reason}"
    elif step is not None and step.action in ("orphan", "locked"):
        note = step.reason  # (a failed step's reason quotes the service's error: left out)
    # A locked post went out with what the ledger recorded, not the calendar's edited text.
    post = step.post if step is not None and step.action != "locked" else None
    entry = post.entry if post is not None else None
    return _event(
        entry,
        record,
        record.identity,
        record.platform,
        record.account,
        record.scheduled_for,
        status,
        record.status,
        record.permalink,
        note,
    )


def feed_events(plan: Plan | None, ledger: Mapping[str, LedgerPost]) -> list[FeedEvent]:
    """One event per identity: the plan's create, replace, unchanged and defer steps at the
    calendar's time, then every other post the ledger has placed (sent, cancelled, failed), by
    time. A locked post shows the time it went out, not the calendar's new one."""
    steps = {s.identity: s for s in plan.steps} if plan is not None else {}
    events: dict[str, FeedEvent] = {}
    for identity, step in steps.items():
        if step.action in PLANNED and step.post is not None:
            events[identity] = _planned(step, step.post, ledger.get(identity))
    for identity, record in ledger.items():
        if identity not in events:
            event = _recorded(record, steps.get(identity))
            if event is not None:
                events[identity] = event
    return sorted(events.values(), key=lambda e: (e.start, e.identity))


def _summary(event: FeedEvent) -> str:
    head = f"{event.platform} · {event.account}" if event.account else event.platform
    caption = _clean(event.caption, SUMMARY_PREVIEW)
    return printable(head, 200) + (f": {caption}" if caption else "")


def _description(event: FeedEvent) -> str:
    lines = [f"status: {event.state}" + (f" ({_clean(event.note, 300)})" if event.note else "")]
    lines.append(f"entry: {printable(event.entry_id or '(no id)', 200)} on {event.platform}")
    lines.append(f"source: {printable(event.source, 300)}")
    if event.origin is not None:
        lines.append(f"from: {printable(event.origin.label, 300)}")
    if event.permalink:
        lines.append(f"permalink: {printable(event.permalink, 500)}")
    if event.caption:
        lines.append(f"caption: {_clean(event.caption, DESCRIPTION_CAPTION)}")
    return "\n".join(lines)


def _vevent(event: FeedEvent, now: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", f"{printable(event.identity, len(event.identity))}@{UID_DOMAIN}")
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.start)
    vevent.add("duration", DURATION)
    vevent.add("summary", _summary(event))
    vevent.add("description", _description(event))
    vevent.add("status", event.status)
    vevent.add("categories", [event.platform])
    if event.permalink:
        vevent.add("url", event.permalink)
    return vevent


def render_ics(events: Iterable[FeedEvent], *, now: datetime, name: str = CALENDAR_NAME) -> bytes:
    """The feed. `now` (the run's clock, `--now`) is every event's DTSTAMP, so the same
    calendar and ledger give the same bytes."""
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", printable(name, 200))
    feed.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", vDuration(REFRESH))
    for event in events:
        feed.add_component(_vevent(event, now))
    data: bytes = feed.to_ical()
    return data
