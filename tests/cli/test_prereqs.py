"""scripts/test-prereqs.sh: what `make test` makes sure of before the tests start.

Where it cannot install (not root), it stops with one message naming the exact command; where all
is there, it says nothing. The installing path itself is what `make test` runs on every fresh
machine (CI included), so it is exercised there, not here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test-prereqs.sh"


def _run(env: dict[str, str], *, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    argv = ["bash", str(SCRIPT)]
    if as_nobody:
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return subprocess.run(
        argv, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_everything_there_says_nothing_and_passes(tmp_path: Path) -> None:
    for name in ("chromium", "chromedriver"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    proc = _run(
        {"CHROMIUM": str(tmp_path / "chromium"), "CHROMEDRIVER": str(tmp_path / "chromedriver")}
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_without_root_it_stops_with_the_command_to_run(tmp_path: Path) -> None:
    """Run as an ordinary user (as root, the test drops to nobody), one package missing."""
    true = shutil.which("true")
    assert true is not None
    env = {"CHROMIUM": str(tmp_path / "no-chromium"), "CHROMEDRIVER": true}
    proc = _run(env, as_nobody=os.geteuid() == 0)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (
        "make test: the browser test needs packages that are not installed (chromium); run: "
        "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'\n"
    )
