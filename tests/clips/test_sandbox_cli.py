"""`pipeline sandbox` also points the pipeline at its clip server: the printed exports work as
they are, with the client built from the environment they describe."""

from __future__ import annotations

import signal
import subprocess
import sys

from pipeline.backends.clips import ClipClient, ClipSettings
from tests.clips.conftest import DEMO_JOB
from tests.sandbox.test_cli import HARNESS


def test_the_exports_reach_the_clip_server() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", HARNESS, "sandbox", "--port", "0", "--time-scale", "0.01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        with ClipClient(ClipSettings.from_env(exports)) as client:
            usernames = client.profiles().usernames
            clips = len(client.job(DEMO_JOB).clips)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0
    assert exports["UPLOAD_POST_API_KEY"] == "up_sandbox_demo"
    assert exports["CLIP_SERVER_URL"] == exports["STATUS200_BASE_URL"].removesuffix("/api/v2")
    assert usernames == ("acme", "demo", "mybrand") and clips == 3
    assert any(line.startswith("  clip server: jobs: 3") for line in lines)
