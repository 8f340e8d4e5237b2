"""The sandbox's pure parts: reading scheduledFor, the clock and its scale, the config file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import PLATFORMS
from pipeline.sandbox.clock import SandboxClock, iso, parse_iso
from pipeline.sandbox.config import ConfigError, ThrottleConfig, demo_config, load_config_text
from pipeline.sandbox.timeparse import MAX_AHEAD_SECONDS, ScheduleError, read_scheduled_for

NOW = parse_iso("2026-09-28T10:00:00Z")


@given(st.floats(min_value=-1e8, max_value=60))
def test_sixty_seconds_or_less_ahead_is_now(ahead: float) -> None:
    assert read_scheduled_for(NOW + ahead, NOW).due is None


@given(st.floats(min_value=60.5, max_value=MAX_AHEAD_SECONDS))
def test_more_than_sixty_seconds_is_scheduled(ahead: float) -> None:
    due = read_scheduled_for(iso(NOW + ahead).replace(".000Z", "Z"), NOW).due
    assert due is not None and abs(due - (NOW + ahead)) < 0.001


@given(st.floats(min_value=MAX_AHEAD_SECONDS + 1, max_value=MAX_AHEAD_SECONDS * 3))
def test_more_than_365_days_is_too_far(ahead: float) -> None:
    with pytest.raises(ScheduleError) as caught:
        read_scheduled_for(NOW + ahead, NOW)
    assert caught.value.reason == "too_far_ahead"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("now", None),
        ("NOW", None),
        ("2020-01-01T00:00:00Z", None),
        ("2026-09-30T10:00:00Z", "2026-09-30T10:00:00.000Z"),
        ("2026-09-30T12:00:00+02:00", "2026-09-30T10:00:00.000Z"),
        ("Wed, 30 Sep 2026 10:00:00 GMT", "2026-09-30T10:00:00.000Z"),
        (1790000000 + 10**7, "2027-01-15T08:00:00.000Z"),
        ((1790000000 + 10**7) * 1000, "2027-01-15T08:00:00.000Z"),
        ("1800000000", "2027-01-15T08:00:00.000Z"),
    ],
)
def test_accepted_forms(value: object, expected: str | None) -> None:
    due = read_scheduled_for(value, NOW).due
    assert (None if due is None else iso(due)) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-09-30T10:00:00", "no_time_zone"),
        ("2020-01-01T00:00:00", "no_time_zone"),
        ("2026-09-30", "no_time_zone"),
        ("01/10/2026", "unreadable"),
        ("next tuesday", "unreadable"),
        (True, "unreadable"),
        ({"at": 1}, "unreadable"),
        ("Wed, 30 Sep 2026 10:00:00", "no_time_zone"),
    ],
)
def test_refused_forms(value: object, reason: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        read_scheduled_for(value, NOW)
    assert caught.value.reason == reason


def test_clock_advances_scales_durations_and_rounds_waits_up() -> None:
    real = [1000.0]
    clock = SandboxClock.starting_at(NOW, time_scale=0.01, real_time=lambda: real[0])
    assert clock.now() == NOW
    real[0] += 5
    assert clock.now() == NOW + 5
    clock.advance(3600)
    assert clock.now() == NOW + 3605
    assert clock.scaled(20) == pytest.approx(0.2)
    assert [clock.wait_header(s) for s in (0, 0.2, 1.0, 1.01, 19.5)] == [0, 1, 1, 2, 20]
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SandboxClock(time_scale=0)


def test_iso_round_trips() -> None:
    moment = datetime(2026, 10, 1, 9, 0, 0, 123000, tzinfo=UTC).timestamp()
    assert iso(moment) == "2026-10-01T09:00:00.123Z" and parse_iso(iso(moment)) == moment


def test_demo_config_has_every_network() -> None:
    config = demo_config()
    (account,) = config.accounts
    (profile,) = account.profiles
    assert account.keys == ("rl_sandbox_demo",) and profile.handle == "@demo"
    assert [n.platform for n in profile.networks] == sorted(PLATFORMS)
    assert account.webhook is not None and account.webhook.secret


def test_config_file_is_read_and_checked() -> None:
    config = load_config_text("""
accounts:
  - name: shop
    keys: [rl_shop_1, rl_shop_2]
    plan: {tier: beginner, allowance: daily, limit: 20}
    webhook: {url: "http://127.0.0.1:9000/hook", secret: s3cret, events: [post.failed]}
    profiles:
      - name: Shop
        id: 11111111-2222-4333-8444-555555555555
        networks:
          pinterest: {options: {boards: [{id: "1", name: Main}]}}
          facebook: {status: expired}
rules:
  - {platform: x, text_contains: "#nope", outcome: failed, message: "X says no"}
stand_in_size: {image: 1000, video: 2000}
""")
    account = config.accounts[0]
    assert config.account_for_key("rl_shop_2") is account
    profile = account.profiles[0]
    assert profile.network("pinterest").options["boards"] == [{"id": "1", "name": "Main"}]  # type: ignore[union-attr]
    assert profile.network("facebook").health == "reconnect_required"  # type: ignore[union-attr]
    assert config.rules[-1].message == "X says no" and config.stand_in_image_bytes == 1000
    assert account.webhook is not None and account.webhook.events == ("post.failed",)


ONE_ACCOUNT = "accounts: [{keys: [rl_a], profiles: [{name: a}]}]"


def test_throttle_settings_default_to_stamping_before_the_answer_in_whole_seconds() -> None:
    assert demo_config().throttles == ThrottleConfig("answer", 0.0, False)
    text = f"{ONE_ACCOUNT}\nthrottles: {{stamp: arrival, import_latency: 16, exact_waits: true}}"
    assert load_config_text(text).throttles == ThrottleConfig("arrival", 16.0, True)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("accounts: []", "at least one account"),
        ("accounts: [{keys: [rl_a], profiles: [{name: a}], colour: red}]", "colour"),
        ("accounts: [{keys: [not_a_key], profiles: [{name: a}]}]", "rl_"),
        ("accounts: [{keys: [rl_a], profiles: [{name: a, networks: {myspace: {}}}]}]", "myspace"),
        ("accounts: [{keys: [rl_a], plan: {allowance: daily}, profiles: [{name: a}]}]", "limit"),
        (
            "accounts: [{keys: [rl_a], profiles: [{name: a}]}, {keys: [rl_a], profiles: [{name: b}]}]",
            "same API key",
        ),
        ("accounts: [{keys: [rl_a], profiles: [{name: a}]}]\nfaults: {'*': {drop: 2}}", "rate"),
        ("[1, 2", "YAML"),
        (f"{ONE_ACCOUNT}\nthrottles: {{stamp: later}}", "throttles.stamp"),
        (f"{ONE_ACCOUNT}\nthrottles: {{import_latency: -1}}", "throttles.import_latency"),
        (f"{ONE_ACCOUNT}\nthrottles: {{import_latency: true}}", "throttles.import_latency"),
        (f"{ONE_ACCOUNT}\nthrottles: {{exact_waits: 1}}", "throttles.exact_waits"),
        (f"{ONE_ACCOUNT}\nthrottles: {{stamps: arrival}}", "stamps"),
        (f"{ONE_ACCOUNT}\nthrottles: [arrival]", "throttles"),
    ],
)
def test_config_errors_name_the_place(text: str, complaint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    assert complaint in str(caught.value)


def test_keys_and_secrets_stay_out_of_reprs() -> None:
    from tests.sandbox_handle import running_sandbox

    config = demo_config()
    with running_sandbox(config) as sandbox:
        shown = repr(config) + repr(sandbox)
    assert "rl_sandbox_demo" not in shown and "whsec_" not in shown
