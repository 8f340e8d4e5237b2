"""The README's quick start on a fresh clone: `make demo`, then `make validate` and `make plan`.

The clone installs its own `.venv` through `make install` exactly as a newcomer's would, but
offline: uv (from this virtualenv) takes every wheel from its cache, which this suite's own
install filled, so the test never reaches the internet. The browser and `make test` itself are
left out (this test runs inside `make test`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _make(clone: Path, target: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", target],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=540,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_the_quick_start_works_on_a_fresh_clone(tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    assert uv.exists(), "uv is in requirements.lock, so make install puts it in .venv/bin"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STATUS200_", "UPLOAD_POST_", "GITHUB_", "VIRTUAL_ENV", "PYTEST"))
    }
    env.update(
        PATH=f"{uv.parent}{os.pathsep}{env.get('PATH', '')}",
        UV_OFFLINE="1",  # every wheel from uv's cache: a test never reaches the internet
        NO_COLOR="1",
    )

    demo = _make(clone, "demo", env)
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    assert (clone / ".venv" / "bin" / "pipeline").exists()
    out = demo.stdout
    assert "Plan: 50 to create, 0 to replace, 0 to cancel, 0 unchanged." in out
    runs = re.findall(r"OK in [\d.]+ s \(exit code 0\)", out)
    assert len(runs) == 2, out  # the first publish and the second, which sends nothing
    second = out.rsplit("publish again", 1)[1]
    assert re.search(r"│ created\s+│\s+0 │", second) and re.search(
        r"│ unchanged\s+│\s+50 │", second
    )
    assert re.search(r"scheduled\s+47", out) and re.search(r"processing\s+3", out)

    validate = _make(clone, "validate", env)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "✔ 0 errors, 0 warnings in 1 file" in validate.stdout
    plan = _make(clone, "plan", env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    # The starter's monthly series (11 or 12 months ahead) and queue post, on two platforms.
    assert re.search(
        r"Plan: 2[46] to create, 0 to replace, 0 to cancel, 0 unchanged\.", plan.stdout
    )
    assert "monthly-roundup × 1" in plan.stdout and "(slot weekdays " in plan.stdout
