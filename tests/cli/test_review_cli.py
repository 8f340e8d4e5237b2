"""What a user meets when things go wrong: one clear line and the documented exit code.

Each test reproduces a defect found by running the README's commands on a fresh clone: a wrong
API key, a damaged ledger, an unwritable --output, captions and ids with brackets, a control
character in YAML, spreadsheet times beside ISO dates.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from pipeline.commands.publish import LineProgress
from tests.cli.test_publish_cli import NOW, env_for, pipeline, project
from tests.publish.conftest import SCALE, START, calendar
from tests.sandbox_handle import SandboxHandle, running_sandbox

BRACKETS = """\
defaults: {timezone: UTC, account: '@demo'}
posts:
  - id: "[promo]-1"
    at: 2026-12-01 09:00
    platform: pinterest
    text: "[NEW] winter [/x] collection"
    media: ["https://cdn.example.com/pin.jpg"]
    pinterest: {boardId: "123"}
"""


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


def test_a_refused_api_key_stops_the_run_in_one_line_exit_1(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, calendar(2))
    env = env_for(sandbox, STATUS200_API_KEY="rl_not_a_key_of_this_account")
    proc = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "problem: the run stopped: HTTP 401" in proc.stdout
    assert "STATUS200_API_KEY" in proc.stdout and "FAILED" in proc.stdout
    assert "rl_not_a_key_of_this_account" not in proc.stdout + proc.stderr
    # The ledger tells the same story as the exit code.
    status = pipeline(root, env, "status", "--ledger", "ledger", "--json")
    assert json.loads(status.stdout)["last_run"]["exit_code"] == 1


def test_the_summary_is_printed_as_rendered(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """Brackets in ids stay (rich would read them as markup); table rows are never cut."""
    root = project(tmp_path, BRACKETS)
    proc = pipeline(root, env_for(sandbox), "publish", "schedules", "--yes", "--now", NOW)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "[promo]-1/pinterest: held back" in proc.stdout  # the board is not the profile's
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("│", "┃"))]
    assert rows and all(line.endswith(("│", "┃")) for line in rows), proc.stdout


def _talk(argv: list[str], cwd: Path, env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run on a pseudo-terminal, answer the confirmation prompt, return (exit code, output)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=child, stdout=child, stderr=child)
    os.close(child)
    output, answered = b"", False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"Only 'yes' is accepted" in output:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(main)
    return proc.wait(timeout=10), output.decode("utf-8", "replace")


def test_the_confirmation_shows_captions_with_brackets(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    root = project(tmp_path, BRACKETS)
    env = env_for(sandbox, COLUMNS="200")
    argv = [sys.executable, "-m", "pipeline", "publish", "schedules", "--now", NOW]
    code, output = _talk(argv, root, env, "no")
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)  # a terminal gets colour
    assert "Traceback" not in output
    assert "'[NEW] winter [/x] collection'  [pin.jpg]" in output
    assert code == 1 and "nothing sent" in output
    assert sandbox.counters()["posts_total"] == 0


def test_progress_lines_from_many_lanes_stay_whole(tmp_path: Path) -> None:
    """The lanes report from their own threads; a line and its newline must not be split.

    The real stderr writes through to its file descriptor, one system call per write (and
    print() writes the newline separately), so the stream here is built the same way.
    """
    progress = LineProgress(quiet=False)

    def lane(name: str) -> None:
        for i in range(300):
            progress.advance(f"scheduled {name}-{i}")

    path = tmp_path / "stderr.txt"
    with (
        io.TextIOWrapper(io.FileIO(path, "w"), encoding="utf-8", write_through=True) as stream,
        redirect_stderr(stream),
    ):
        threads = [threading.Thread(target=lane, args=(f"lane{n}",)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    pattern = re.compile(r"^\d\d:\d\d:\d\d scheduled lane\d-\d+$")
    assert [line for line in lines[:-1] if not pattern.match(line)] == []
    assert len(lines) - 1 == 8 * 300


def test_a_damaged_ledger_is_one_line_exit_1(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    (root / "ledger").mkdir()
    good = '{"v":1,"type":"run.finished","at":"2026-11-28T12:00:00.000000Z","run":"r",'
    good += '"counts":{},"exit_code":0}\n'
    (root / "ledger" / "events.jsonl").write_text("<<<<<<< HEAD\n" + good, encoding="utf-8")
    for args in (("status", "--ledger", "ledger"), ("plan", "schedules", "--now", NOW)):
        proc = pipeline(root, env_for(None), *args)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith(f"pipeline {args[0]}: ")
        assert "ledger damaged at ledger/events.jsonl line 1: not a valid" in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_validate_output_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, calendar(1))
    proc = pipeline(
        root, env_for(None), "validate", "schedules", "--now", NOW, "--output", "no/such/r.txt"
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "pipeline validate: --output no/such/r.txt: No such file or directory\n"


def test_a_control_character_in_yaml_is_one_line_with_its_line(tmp_path: Path) -> None:
    text = calendar(2).replace("text: ", "text: \x0b", 1)  # a vertical tab pasted from slides
    root = project(tmp_path, text)
    line = next(n for n, t in enumerate(text.split("\n"), 1) if "\x0b" in t)
    proc = pipeline(root, env_for(None), "validate", "schedules", "--now", NOW, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (found,) = json.loads(proc.stdout)["diagnostics"]
    assert (found["code"], found["line"]) == ("E101", line)
    assert "\n" not in found["message"] and "#x000b" in found["message"]


def test_spreadsheet_times_beside_iso_dates(tmp_path: Path) -> None:
    """docs/calendar.md: `time: 9:00 AM` works, and ISO dates are always understood, even
    where `date_format: us` is declared for a CSV export's numeric dates."""
    root = project(tmp_path, "posts: []\n")
    (root / "pipeline.yaml").write_text("date_format: us\ntimezone: UTC\n", encoding="utf-8")
    (root / "schedules" / "tips.csv").write_text(
        "id,date,time,platforms,account,text\n"
        "a,2026-12-03,8:30 PM,x,@acme,ISO date with a 12-hour time\n"
        "b,12/04/2026,9:00 AM,x,@acme,US date\n"
        "c,2026-12-05,21:15,x,@acme,ISO date under date_format us\n",
        encoding="utf-8",
    )
    proc = pipeline(root, env_for(None), "plan", "schedules", "--now", NOW, "--json")
    assert proc.returncode == 0, proc.stderr
    times = {s["identity"]: s["scheduled_for"] for s in json.loads(proc.stdout)["steps"]}
    assert times == {
        "a/x": "2026-12-03T20:30:00+00:00",
        "b/x": "2026-12-04T09:00:00+00:00",
        "c/x": "2026-12-05T21:15:00+00:00",
    }


def test_an_unknown_clip_post_names_the_command_that_settles_it(tmp_path: Path) -> None:
    clip_post = """\
posts:
  - id: launch-clip
    at: 2026-12-01 09:00
    timezone: UTC
    platforms: [tiktok, youtube]
    account: demo
    clip: {job: 550e8400-e29b-41d4-a716-446655440000, index: 0}
"""
    faults = {"POST /api/social/post": {"script": ["commit_then_drop"]}}
    with running_sandbox(time_scale=SCALE, start_at=START, faults=faults) as sandbox:
        root = project(tmp_path, clip_post)
        assert sandbox.upload_post_key is not None
        env = env_for(
            sandbox, CLIP_SERVER_URL=sandbox.clip_url, UPLOAD_POST_API_KEY=sandbox.upload_post_key
        )
        first = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
        assert first.returncode == 1, first.stderr
        assert "`pipeline resolve launch-clip/tiktok --posted`" in first.stdout
        again = pipeline(root, env, "publish", "schedules", "--yes", "--now", NOW)
        assert again.returncode == 1, again.stderr
        assert "`pipeline resolve launch-clip/youtube --resend`" in again.stdout
        settled = pipeline(root, env, "resolve", "launch-clip/tiktok", "--posted")
        assert (settled.returncode, settled.stderr) == (0, "")


def test_an_interrupted_publish_says_so_and_exits_1(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """Ctrl-C stops after the request in flight: the summary must not read "OK" with posts left."""
    root = project(tmp_path, calendar(4, networks=("x",)))
    env = env_for(sandbox, STATUS200_POST_INTERVAL="30")  # the lane waits long after one post
    argv = [sys.executable, "-m", "pipeline", "publish", "schedules", "--yes", "--now", NOW]
    proc = subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait for the first post to be recorded, then press Ctrl-C
        seen.append(line)
        if " scheduled " in line:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, "".join(seen) + err
    assert "Traceback" not in err
    assert "problem: interrupted" in out and "run it again" in out and "OK in" not in out
    assert "│ created   │     1 │" in out


@pytest.mark.parametrize("start_at", ["yesterday", "2026-11-28", "2026-11-28T12:00:00"])
def test_sandbox_start_at_errors_name_the_flag(tmp_path: Path, start_at: str) -> None:
    proc = pipeline(tmp_path, env_for(None), "sandbox", "--port", "0", "--start-at", start_at)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        f"pipeline sandbox: --start-at {start_at!r}: expected an ISO time with a zone, "
        "e.g. 2026-10-01T08:00:00Z\n"
    )
