"""The clip checks: offline on calendars loaded from YAML and CSV, online against the sandbox's
clip server (one profiles read per run, one status read per job)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from pipeline.api.settings import Secret
from pipeline.backends.clips import ClipClient, ClipSettings
from pipeline.backends.clips.rules import online_problems
from pipeline.model import Diagnostic, Entry
from pipeline.rules.clips import check_entry
from pipeline.rules.codes import CODES
from tests.clips.conftest import DEMO_JOB, DEMO_PROCESSING_JOB, client_of, entry, load
from tests.sandbox_handle import SandboxHandle, running_sandbox


def _found(diagnostics: list[Diagnostic]) -> set[tuple[str, str | None, str | None]]:
    """(code, entry id, platform): what the tests assert (wording may change)."""
    return {(d.code, d.entry, d.platform) for d in diagnostics}


def _offline(entries: list[Entry]) -> list[Diagnostic]:
    return [d for e in entries for d in check_entry(e)]


YAML = f"""
defaults: {{timezone: Europe/Berlin, account: '@acme'}}
posts:
  - {{id: ok, at: '2026-12-01 09:00', platforms: [tiktok, instagram, youtube], clip: {{job: {DEMO_JOB}, index: 0}}}}
  - {{id: to-x, at: '2026-12-01 10:00', platforms: [tiktok, x, linkedin], text: hi, clip: {{job: {DEMO_JOB}, index: 1}}}}
  - {{id: both, at: '2026-12-01 11:00', platforms: [instagram], media: 'https://cdn.example.com/a.mp4', clip: {{job: {DEMO_JOB}, index: 2}}}}
  - id: opts
    at: '2026-12-01 12:00'
    platforms: [tiktok]
    tiktok: {{privacyLevel: PUBLIC_TO_EVERYONE}}
    clip: {{job: {DEMO_JOB}, index: 0}}
  - {{id: plain, at: '2026-12-01 13:00', platforms: [x], text: not a clip}}
"""


def test_offline_checks_on_a_yaml_calendar(tmp_path: Path) -> None:
    entries = load(tmp_path, {"cal.yaml": YAML})
    found = _offline(entries)
    assert _found(found) == {
        ("E501", "to-x", "x"),
        ("E501", "to-x", "linkedin"),
        ("E502", "both", None),
        ("W502", "opts", "tiktok"),
    }
    by_code = {d.code: d for d in found}
    assert "tiktok, instagram, youtube" in by_code["E501"].message
    assert by_code["E502"].line == 5 and by_code["W502"].line == 6
    assert CODES["W502"].severity.value == "warning" and by_code["E501"].is_error


def test_calendar_text_limits_at_the_boundary_from_csv(tmp_path: Path) -> None:
    rows = [
        ("fits", "tiktok;instagram", "a" * 2200, "t" * 100),
        ("long", "tiktok;instagram", "a" * 2201, "t" * 100),
        ("yt-long", "youtube", "short", "t" * 101),
    ]
    body = "id,date,time,timezone,platforms,account,text,title,clip_job,clip_index\n" + "".join(
        f"{i},2026-12-01,09:00,UTC,{p},acme,{text},{title},{DEMO_JOB},0\n"
        for i, p, text, title in rows
    )
    entries = load(tmp_path, {"cal.csv": body})
    assert [e.clip.index if e.clip else None for e in entries] == [0, 0, 0]
    assert _found(_offline(entries)) == {
        ("E508", "long", "tiktok"),
        ("E508", "long", "instagram"),
        ("E509", "yt-long", "youtube"),
    }


def test_entries_without_a_clip_are_not_looked_at() -> None:
    plain = dataclasses.replace(entry(platforms=("x",), text="x" * 5000), clip=None)
    assert list(check_entry(plain)) == []


def test_online_checks_against_the_sandbox(sandbox: SandboxHandle) -> None:
    entries = [
        entry(id="ok"),
        entry(id="no-job", job="no-such-job"),
        entry(id="busy", job=DEMO_PROCESSING_JOB),
        entry(id="index", index=3),
        entry(id="who", account="@nobody"),
        entry(id="brand", account="mybrand", platforms=("instagram", "youtube")),
        entry(id="fine-2", index=2, account="@demo"),
    ]
    with client_of(sandbox) as client:
        found = online_problems(client, entries)
    assert _found(found) == {
        ("E503", "no-job", None),
        ("E504", "busy", None),
        ("E505", "index", None),
        ("E506", "who", None),
        ("E507", "brand", "youtube"),
    }
    # One profiles read for the run, one status read per distinct job.
    assert sandbox.counters()["requests"] == {
        "GET /api/social/user": 1,
        "GET /api/status/{job_id}": 3,
    }


def test_fallback_captions_are_checked_online() -> None:
    config = {
        "accounts": [{"name": "a", "keys": ["rl_a"], "profiles": [{"name": "a"}]}],
        "clips": {
            "keys": ["up_sandbox_demo"],
            "profiles": [{"username": "acme", "connected": ["tiktok", "instagram", "youtube"]}],
            "jobs": [
                {
                    "id": "long",
                    "status": "completed",
                    "clips": [
                        {
                            "video_description_for_tiktok": "a" * 2200,
                            "instagram_title": "b" * 2201,
                            "video_title_for_youtube_short": "c" * 101,
                        },
                        {"title": "d" * 100, "description": "ok"},
                        {},
                    ],
                }
            ],
        },
    }
    with running_sandbox(yaml.safe_dump(config)) as other, client_of(other) as client:
        found = online_problems(
            client,
            [
                entry(id="fallbacks", job="long", index=0),
                entry(id="at-limit", job="long", index=1),
                entry(id="calendar", job="long", index=0, text="short", title="Short title"),
                entry(id="nothing", job="long", index=2),
            ],
        )
    assert _found(found) == {
        ("E508", "fallbacks", "instagram"),  # tiktok's 2,200 fit exactly
        ("E509", "fallbacks", "youtube"),
        ("W503", "nothing", "tiktok"),
        ("W503", "nothing", "instagram"),
        ("W503", "nothing", "youtube"),
    }
    message = next(d.message for d in found if d.code == "E508")
    assert "clip.instagram_title" in message and "2,201" in message


def test_a_refused_or_missing_key_and_an_unreachable_server(sandbox: SandboxHandle) -> None:
    entries = [entry(id="a"), entry(id="b", line=9)]
    with client_of(sandbox, key="up_wrong") as client:
        refused = online_problems(client, entries)
    assert _found(refused) == {("E510", "a", None)}  # once per run, on the first clip entry
    with client_of(sandbox, key=None) as client:
        missing = online_problems(client, entries)
    assert _found(missing) == {("E510", "a", None)}
    assert "UPLOAD_POST_API_KEY" in missing[0].message
    dead = ClipSettings(base_url="http://127.0.0.1:9", api_key=Secret("up_x"), attempts=1)
    with ClipClient(dead, sleep=lambda s: None) as client:
        unreachable = online_problems(client, entries)
    assert {d.code for d in unreachable} == {"W501"}
    assert all(not d.is_error for d in unreachable)


def test_the_pure_checks_load_no_http_client() -> None:
    """The rules engine (pure core) may register them without importing the I/O layer."""
    import subprocess
    import sys

    code = (
        "import sys, pipeline.backends.clips.rules, pipeline.rules.clip_captions\n"
        "print(sorted(m for m in ('httpx', 'pipeline.api', 'pipeline.backends.clips.client') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
