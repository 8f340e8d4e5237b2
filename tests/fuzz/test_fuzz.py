"""Generated broken input, through the real commands: never a traceback, a hang or a blow-up.

Each example writes a project (a broken calendar, pipeline.yaml or ledger beside valid parts)
and runs `validate`, `plan`, `report` and `status` on it, each in a bounded child
(tests/fuzz/runner.py: 10 s, 1 GiB). Every run must end with exit code 0, 1 or 2 and no
traceback.

How long: the "ci" profile (the default, in `make test`) draws 30 examples a test; `make fuzz`
sets HYPOTHESIS_PROFILE=fuzz, 600 a test: 2,400 generated projects, 9,600 runs.
FUZZ_COLLECT=FILE records every failing run there (JSON lines) and goes on, instead of
stopping at the first: a survey of the distinct causes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz import strategies as s
from tests.fuzz.runner import commands, run, write_project

# No shrinking: each step re-runs four commands in children, and took minutes; the failing
# project is printed whole instead (its files are short).
_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
settings.register_profile("ci", max_examples=30, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("fuzz", max_examples=600, **_COMMON)  # type: ignore[arg-type]
PROFILE = settings.get_profile("fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "ci")

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(0)]  # each run is bounded by the runner


def check(project: s.Project) -> None:
    """Every command on `project`: exit 0/1/2, no traceback, within the bounds."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-")) / "project"
    try:
        write_project(root, project)
        for argv in commands(project):
            result = run(root, argv)
            if result.problem is None:
                continue
            collect = os.environ.get("FUZZ_COLLECT")
            if not collect:
                raise AssertionError(
                    f"pipeline {' '.join(argv)}: {result.problem}\n{project!r}\n"
                    f"{result.output[-3000:]}"
                )
            with open(collect, "a", encoding="utf-8") as handle:
                record = {
                    "argv": argv,
                    "problem": result.problem,
                    "output": result.output[-3000:],
                    "files": {
                        k: None if v is None else v[:3000].decode("utf-8", "backslashreplace")
                        for k, v in project.files.items()
                    },
                    "special": project.special,
                }
                handle.write(json.dumps(record) + "\n")
    finally:
        _remove(root.parent)


def _remove(top: Path) -> None:
    """rmtree, but without recursion: a 1,100-level folder is deeper than Python's stack."""
    stack, folders = [str(top)], []
    while stack:
        folder = stack.pop()
        folders.append(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


@PROFILE
@given(s.project(calendar="yaml"))
def test_broken_yaml_calendars(project: s.Project) -> None:
    check(project)


@PROFILE
@given(s.project(calendar="csv"))
def test_broken_csv_calendars(project: s.Project) -> None:
    check(project)


@PROFILE
@given(s.project(config=True))
def test_broken_pipeline_yaml(project: s.Project) -> None:
    check(project)


@PROFILE
@given(s.project(events=True))
def test_broken_ledgers(project: s.Project) -> None:
    check(project)


def _odd_id(case: tuple[str, dict[str, bytes | None], dict[str, str]]) -> str:
    """The odd file of a case, and what it is: `cal.yaml=fifo`, `media/v.mp4=file`."""
    _, files, special = case
    odd = {**{k: "file" for k in files}, **special}
    name = next((k for k in reversed(odd) if k != "cal.yaml"), "cal.yaml")
    return f"{name}={odd[name]}"


@pytest.mark.parametrize(
    ("calendar", "files", "special"), s.ODD_FILES, ids=map(_odd_id, s.ODD_FILES)
)
def test_odd_files(calendar: str, files: dict[str, bytes | None], special: dict[str, str]) -> None:
    """Each kind once (a list, not drawn: there are few, and each must run)."""
    check(s.Project(files=dict(files), calendar=calendar, special=dict(special)))
