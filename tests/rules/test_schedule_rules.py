"""Schedule rules (past, 60 s, 365 days, DST) and the calendar-wide forecasts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pipeline.rules import forecast
from pipeline.rules.context import CheckContext, PlanSettings
from pipeline.rules.forecast import Outlook, Slot
from pipeline.rules.table import RulesTable
from tests.rules.conftest import RuleRunner, codes

MINUTE = timedelta(minutes=1)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)

# NOW is 2026-11-28 12:00 UTC.


def test_past_soon_and_far(rules: RuleRunner) -> None:
    assert codes(rules("at: 2026-11-28 11:59\nplatform: x\ntext: a")) == ["E403"]
    assert codes(rules("at: 2026-11-28 12:00\nplatform: x\ntext: a")) == ["E403"]
    assert codes(rules("at: '2026-11-28 12:00:30'\nplatform: x\ntext: a")) == ["E404"]
    assert codes(rules("at: '2026-11-28 12:01:00'\nplatform: x\ntext: a")) == ["E404"]
    assert codes(rules("at: '2026-11-28 12:01:01'\nplatform: x\ntext: a")) == []
    assert codes(rules("at: 2027-11-28 12:00\nplatform: x\ntext: a")) == []  # exactly 365 days
    assert codes(rules("at: 2027-11-28 12:01\nplatform: x\ntext: a")) == ["E405"]


def test_dst_gap_is_an_error_and_fold_a_warning(rules: RuleRunner) -> None:
    gap = rules("at: 2027-03-28 02:30\ntimezone: Europe/Berlin\nplatform: x\ntext: a")
    assert codes(gap) == ["E406"]
    fold = rules("at: 2027-10-31 02:30\ntimezone: Europe/Berlin\nplatform: x\ntext: a")
    assert codes(fold) == ["W101"]
    (warning,) = fold
    assert "00:30 UTC" in warning.message and "01:30 UTC" in warning.message
    explicit = rules("at: 2027-10-31 02:30+01:00\ntimezone: Europe/Berlin\nplatform: x\ntext: a")
    assert codes(explicit) == []


def test_timezone_problems(rules: RuleRunner) -> None:
    assert codes(rules("at: 2026-12-01 09:00\ntimezone: Mars/Base\nplatform: x\ntext: a")) == [
        "E402"
    ]
    mismatch = rules("at: 2026-12-01 09:00+02:00\ntimezone: Europe/London\nplatform: x\ntext: a")
    assert codes(mismatch) == ["E409"]


def test_missing_timezone_everywhere(tmp_path) -> None:
    from tests.helpers import check, found

    result = check(
        tmp_path,
        {"cal.yaml": "posts:\n  - {at: 2026-12-01 09:00, platform: x, account: '@b', text: a}\n"},
    )
    assert found(result) == {("E408", 2)}
    with_project = check(
        tmp_path / "p",
        {
            "pipeline.yaml": "timezone: Asia/Tokyo\n",
            "cal.yaml": "posts:\n  - {at: 2026-12-01 09:00, platform: x, account: '@b', text: a}\n",
        },
    )
    assert with_project.diagnostics == []
    assert with_project.entries[0].at_utc == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _posts(n: int, day: str = "2026-12-01", platforms: str = "[x]", account: str = "@brand") -> str:
    return "".join(
        f"  - {{id: p{i}, at: '{day} {10 + i // 60:02d}:{i % 60:02d}', platforms: {platforms}, "
        f"account: '{account}', text: t{i}}}\n"
        for i in range(n)
    )


def test_daily_allowance_counts_all_platforms_per_profile(rules: RuleRunner) -> None:
    plan = PlanSettings("beginner", daily=20)
    # The first post has 2 platforms; 19 more single-platform posts make 21 on the day.
    diags = rules(
        "at: '2026-12-01 09:00'\nplatforms: [x, linkedin]\ntext: first",
        plan=plan,
        extra_posts=_posts(19),
    )
    queued = [d for d in diags if d.code == "W401"]
    assert len(queued) == 1 and queued[0].entry == "p18"
    other_profile = rules(
        "at: '2026-12-01 09:00'\nplatforms: [x, linkedin]\ntext: first",
        plan=plan,
        extra_posts=_posts(19, account="@other"),
    )
    assert "W401" not in codes(other_profile)


def test_free_monthly_allowance_is_refused(rules: RuleRunner) -> None:
    plan = PlanSettings("free", monthly=3)
    diags = rules("at: '2026-12-01 09:00'\nplatform: x\ntext: a", plan=plan, extra_posts=_posts(3))
    assert [d.entry for d in diags if d.code == "W402"] == ["p2"]


def test_no_plan_no_allowance_warning(rules: RuleRunner) -> None:
    diags = rules("at: '2026-12-01 09:00'\nplatform: x\ntext: a", extra_posts=_posts(40))
    assert "W401" not in codes(diags)


def test_waiting_cap_names_the_posts_beyond_500(rules: RuleRunner) -> None:
    days = "".join(
        _posts(60, day=f"2026-12-{d:02d}").replace("id: p", f"id: d{d}p") for d in range(1, 10)
    )
    diags = rules("at: '2026-11-30 09:00'\nplatform: x\ntext: a", extra_posts=days)
    (deferred,) = [d for d in diags if d.code == "W403"]
    # 541 posts: the 501st in time order is the 500th of the extra posts (day 9, post 19).
    assert deferred.entry == "d9p19"
    assert "41 posts" in deferred.message and "d9p59" in deferred.message


# -- outlooks: what a part checked in another process sends instead of its slots -------------

SLOT_TIMES = st.integers(0, 72 * 60).map(lambda m: datetime(2026, 12, 1, tzinfo=UTC) + m * MINUTE)
SLOTS = st.lists(
    st.tuples(
        SLOT_TIMES,
        st.sampled_from(["a.csv", "b.yaml"]),
        st.integers(1, 40),
        st.sampled_from(["p1", None]),
        st.sampled_from(["x", "linkedin"]),
        st.sampled_from(["@brand", "@other"]),
    ),
    max_size=40,
)
PLANS = st.sampled_from([None, PlanSettings("skilled", daily=3), PlanSettings("free", monthly=5)])


@given(SLOTS, st.lists(st.integers(0, 3), max_size=40), PLANS, st.integers(0, 6))
def test_outlooks_of_parts_add_up_to_the_whole(
    slots: list[Slot], where: list[int], plan: PlanSettings | None, cap: int
) -> None:
    ctx = CheckContext(table=RulesTable(), now=NOW, plan=plan, waiting_cap=cap)
    # One slot per (time, file, line, platform), as calendars make them (an entry is one line).
    slots = list({forecast.slot_order(s): s for s in slots}.values())
    parts: list[list[Slot]] = [[], [], [], []]
    for i, slot in enumerate(slots):
        parts[where[i] if i < len(where) else 0].append(slot)
    whole = sorted(slots, key=forecast.slot_order)
    days = Counter((s[5], s[0].date()) for s in whole) if plan is not None else Counter()
    expected = Outlook(len(whole), days, whole[: cap + 1], whole[-1] if whole else None)
    outlooks = [Outlook.of(p, ctx) for p in parts]  # each part in any order
    assert forecast.combined(outlooks, ctx) == expected == Outlook.of(slots, ctx)
    over = plan is not None and any(forecast.over_allowance(whole, plan))
    assert plan is None or forecast.within(expected.days, plan) is not over
    fetched: list[bool] = []

    def planned() -> list[Slot]:
        fetched.append(True)
        return whole

    found = forecast.forecasts(forecast.combined(outlooks, ctx), ctx, planned)
    assert bool(fetched) is over  # every slot is asked for only when a post is over
    assert {d.code for d in found} <= {"W401", "W402", "W403"}
    assert ("W403" in {d.code for d in found}) is (len(whole) > cap)
    assert forecast.unpack(forecast.pack(whole)) == whole
