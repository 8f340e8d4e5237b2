"""A small living calendar built by hand: series occurrences, a queue post, a pool repeat and a
dated post, with a ledger that has sent some of them, as the schedule stage will hand them on.

Built as Entries (the expansion code is written alongside), seen from NOW (28 Nov 2026).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.config import ProjectConfig
from pipeline.ledger.records import LedgerState
from pipeline.model import Entry, Evergreen, LedgerPost, SourceRef, fingerprint, identity
from pipeline.plan.diff import Plan, PlanOptions, make_plan, planned_posts
from pipeline.validate.check import ValidationResult
from tests.helpers import NOW

BERLIN = ZoneInfo("Europe/Berlin")
FILE = "schedules/calendar.yaml"
#: Would be secret if it reached the feed: a signed URL's token, a password in a link.
SECRETS = ("TOKEN123", "hunter2", "sig=", "utm_source")


def entry(
    id: str,
    line: int,
    at: datetime,
    text: str,
    platform: str = "linkedin",
    **living: Any,
) -> Entry:
    return Entry(
        source=SourceRef(FILE, line),
        id=id,
        platforms=(platform,),
        accounts={platform: "@acme"},
        text=text,
        at_local=at,
        tz="Europe/Berlin",
        at_utc=at.replace(tzinfo=BERLIN).astimezone(UTC),
        **living,
    )


ENTRIES = [
    entry(
        "weekly-tip@2026-12-01",
        3,
        datetime(2026, 12, 1, 9, 0),
        "Tip of the week: layer up",
        series="weekly-tip",
        occurrence="2026-12-01",
    ),
    entry(
        "weekly-tip@2026-12-03",
        3,
        datetime(2026, 12, 3, 9, 0),
        "Tip of the week: layer up",
        series="weekly-tip",
        occurrence="2026-12-03",
    ),
    entry(
        "launch-teaser",
        12,
        datetime(2026, 12, 2, 8, 30),
        "Something new is coming",
        platform="x",
        queue="weekdays",
    ),
    entry(
        "best-tip@r3",
        20,
        datetime(2026, 12, 2, 17, 0),
        "Our best tip, again",
        platform="x",
        queue="weekdays",
        evergreen=Evergreen(pool="tips", cooldown_days=45),
        series="best-tip",
        occurrence="r3",
    ),
    entry(
        "winter",
        30,
        datetime(2026, 12, 4, 12, 0),
        "Shop now https://shop.example/winter?sig=TOKEN123&utm_source=feed#top, "
        "team https://bob:hunter2@intranet.example:8443/x; done",
        platform="x",
    ),
]


def record(post_identity: str, entry_id: str, at: datetime, status: Any, **more: Any) -> LedgerPost:
    return LedgerPost(
        identity=post_identity,
        entry_id=entry_id,
        source=f"{FILE}:3",
        platform=post_identity.rsplit("/", 1)[1],
        account="@acme",
        scheduled_for=at,
        status=status,
        fingerprint=more.pop("fingerprint", "fp-old"),
        **more,
    )


def ledger() -> dict[str, LedgerPost]:
    """A past occurrence published (a link with a query string), the next one scheduled as the
    calendar has it, an occurrence edited out of the series still waiting, one cancelled."""
    first = ENTRIES[0]
    assert first.at_utc is not None
    records = [
        record(
            "weekly-tip@2026-11-26/linkedin",
            "weekly-tip@2026-11-26",
            datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
            "published",
            permalink="https://linkedin.example/posts/1?trk=TOKEN123#comments",
            post_id="p-1",
        ),
        record(
            identity(first, "linkedin"),
            "weekly-tip@2026-12-01",
            first.at_utc,
            "scheduled",
            fingerprint=fingerprint(first, "linkedin", {}),
            scheduled_post_id="sp-2",
        ),
        record(
            "weekly-tip@2026-12-08/linkedin",
            "weekly-tip@2026-12-08",
            datetime(2026, 12, 8, 8, 0, tzinfo=UTC),
            "scheduled",
            scheduled_post_id="sp-3",
        ),
        record(
            "old-promo/x",
            "old-promo",
            datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
            "cancelled",
        ),
    ]
    return {r.identity: r for r in records}


def plan(records: dict[str, LedgerPost] | None = None) -> Plan:
    return make_plan(planned_posts(ENTRIES, {}), records or {}, PlanOptions(now=NOW))


@dataclass(frozen=True, slots=True)
class SlotsConfig(ProjectConfig):
    """A config with `slots:`, as the queue work adds it (only its presence matters here)."""

    slots: dict[str, Any] = field(default_factory=dict)


def result(root: Path, *, slots: bool = False) -> ValidationResult:
    config = (
        SlotsConfig(root=str(root), slots={"weekdays": {}}) if slots else ProjectConfig(str(root))
    )
    return ValidationResult(
        entries=list(ENTRIES), diagnostics=[], files=[FILE], config=config, now=NOW
    )


def weekday_slots(name: str, start: datetime, end: datetime) -> list[datetime]:
    """A stand-in slot generator: weekdays 08:30 and 17:00 Berlin, for the `weekdays` name."""
    assert name == "weekdays"
    found: list[datetime] = []
    day = start.astimezone(BERLIN).date()
    while True:
        for hour, minute in ((8, 30), (17, 0)):
            at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
            if at >= end:
                return found
            if at >= start and at.weekday() < 5:
                found.append(at)
        day = day.fromordinal(day.toordinal() + 1)


def state() -> LedgerState:
    """The ledger() posts as a ledger state (no events, figures or media)."""
    return LedgerState(
        posts=ledger(),
        details={},
        media={},
        applied_webhooks=set(),
        figures={},
        disconnected={},
        runs={},
    )
