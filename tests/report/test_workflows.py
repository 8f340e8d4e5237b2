"""The example GitHub workflows: valid against GitHub's workflow schema (check-jsonschema's vendored
copy, offline), saying what they must say, and a ledger commit step that really works in git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import REPO

WORKFLOWS = REPO / "examples" / "github-actions"
CHECKER = REPO / ".venv" / "bin" / "check-jsonschema"
KEY = "${{ secrets.STATUS200_API_KEY }}"


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    found = job["steps"]
    assert isinstance(found, list)
    return found


def step(workflow: dict[Any, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in steps(workflow) if s.get("name") == name]
    return found


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECKER), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["validate.yml", "publish.yml", "plan-on-pr.yml", "apply-on-merge.yml"]
)
def test_workflow_matches_githubs_schema(name: str) -> None:
    ran = schema_check(WORKFLOWS / name)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = (WORKFLOWS / "publish.yml").read_text(encoding="utf-8")
    broken = broken.replace("cancel-in-progress: false", "cancel-in-progress: [no]")
    (tmp_path / "broken.yml").write_text(broken, encoding="utf-8")
    assert schema_check(tmp_path / "broken.yml").returncode != 0


def test_validate_runs_on_pull_requests_touching_schedules() -> None:
    workflow = load("validate.yml")
    assert "schedules/**" in workflow["on"]["pull_request"]["paths"]
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    (python,) = [
        s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python@")
    ]
    assert python["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in steps(workflow)]
    assert "make install" in runs
    assert ".venv/bin/pipeline validate schedules/ --format github" in runs
    assert workflow["permissions"] == {"contents": "read"}
    assert "secrets." not in (WORKFLOWS / "validate.yml").read_text(encoding="utf-8")


def test_publish_runs_on_a_schedule_and_on_pushes_to_main() -> None:
    workflow = load("publish.yml")
    triggers = workflow["on"]
    assert triggers["schedule"][0]["cron"]
    assert triggers["push"]["branches"] == ["main"]
    assert "schedules/**" in triggers["push"]["paths"]
    assert workflow["concurrency"] == {"group": "publish-calendar", "cancel-in-progress": False}
    assert workflow["permissions"] == {"contents": "write"}


def test_publish_takes_the_key_from_secrets_only_where_it_is_needed() -> None:
    workflow = load("publish.yml")
    publish = step(workflow, "Publish")
    assert publish["run"] == "make publish"
    assert publish["env"] == {"STATUS200_API_KEY": KEY}
    text = (WORKFLOWS / "publish.yml").read_text(encoding="utf-8")
    assert text.count("STATUS200_API_KEY:") == 1 and text.count("secrets.") == 1


def test_publish_commits_the_ledger_back_even_after_a_failure() -> None:
    workflow = load("publish.yml")
    commit = step(workflow, "Commit the ledger")
    assert commit["if"] == "always()"
    script = commit["run"]
    assert 'git commit --quiet -m "ledger: publish run ${{ github.run_id }}"' in script
    assert "git diff --cached --quiet" in script and "git push" in script
    names = [s.get("name") for s in steps(workflow)]
    assert names.index("Publish") < names.index("Commit the ledger")


# --- the commit step, run for real against a local "origin" -------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A shallow clone of a repo whose .gitignore ignores /ledger/ (as this project's does)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    origin, seed, work = tmp_path / "origin.git", tmp_path / "seed", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(seed))
    (seed / ".gitignore").write_text("/ledger/\n", encoding="utf-8")
    (seed / "schedules").mkdir()
    (seed / "schedules" / "a.yaml").write_text("posts: []\n", encoding="utf-8")
    git(seed, "add", ".")
    git(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "seed")
    git(seed, "push", "--quiet", str(origin), "main")
    git(tmp_path, "clone", "--quiet", "--depth=1", f"file://{origin}", str(work))
    return work


def run_commit_step(work: Path, run_id: str) -> subprocess.CompletedProcess[str]:
    script = step(load("publish.yml"), "Commit the ledger")["run"]
    script = script.replace("${{ github.run_id }}", run_id).replace("sleep $((attempt * 5))", ":")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["bash", "-e", "-c", script],  # GitHub's default shell for `run` on Linux: bash -e
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_ledger(work: Path, events: str) -> None:
    ledger = work / "ledger"
    ledger.mkdir(exist_ok=True)
    (ledger / "events.jsonl").write_text(events, encoding="utf-8")
    (ledger / "results.csv").write_text("entry_id,status\n", encoding="utf-8")
    (ledger / ".lock").write_text("", encoding="utf-8")
    (ledger / ".lock.holder").write_text('{"pid": 1}', encoding="utf-8")


def test_commit_step_pushes_the_ledger_but_not_the_lock(checkout: Path) -> None:
    write_ledger(checkout, '{"v": 1}\n')
    ran = run_commit_step(checkout, "101")
    assert ran.returncode == 0, ran.stderr
    origin_files = git(checkout, "ls-tree", "-r", "--name-only", "origin/main").splitlines()
    assert "ledger/events.jsonl" in origin_files and "ledger/results.csv" in origin_files
    assert not [f for f in origin_files if ".lock" in f]
    assert git(checkout, "log", "-1", "--format=%s", "origin/main") == "ledger: publish run 101"


def test_commit_step_does_nothing_when_the_ledger_did_not_change(checkout: Path) -> None:
    write_ledger(checkout, '{"v": 1}\n')
    assert run_commit_step(checkout, "101").returncode == 0
    before = git(checkout, "rev-parse", "origin/main")
    ran = run_commit_step(checkout, "102")
    assert ran.returncode == 0 and "did not change" in ran.stdout
    assert git(checkout, "rev-parse", "origin/main") == before


def test_commit_step_lands_on_top_of_a_push_made_meanwhile(checkout: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    origin = git(checkout, "remote", "get-url", "origin")
    git(tmp_path, "clone", "--quiet", origin, str(other))
    (other / "schedules" / "b.yaml").write_text("posts: []\n", encoding="utf-8")
    git(other, "add", ".")
    git(other, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "calendar")
    git(other, "push", "--quiet")
    write_ledger(checkout, '{"v": 1}\n{"v": 1}\n')
    ran = run_commit_step(checkout, "103")
    assert ran.returncode == 0, ran.stderr
    subjects = git(checkout, "log", "--format=%s", "origin/main").splitlines()
    assert subjects[:2] == ["ledger: publish run 103", "calendar"]


def test_the_reviewed_plan_pair_saves_the_plan_and_applies_that_file() -> None:
    """plan-on-pr keeps plan.json as an artifact; apply-on-merge fetches it and applies it, with
    the publish workflow's concurrency group and the key given to the apply step only."""
    plan = load("plan-on-pr.yml")
    assert plan["on"]["pull_request"]["paths"] == ["schedules/**", "pipeline.yaml"]
    assert "--out plan.json" in step(plan, "Plan")["run"]
    assert "GITHUB_STEP_SUMMARY" in step(plan, "Plan")["run"]
    assert step(plan, "Keep the plan for the merge")["with"]["name"] == "calendar-plan"
    assert KEY not in (WORKFLOWS / "plan-on-pr.yml").read_text(encoding="utf-8")
    apply = load("apply-on-merge.yml")
    assert apply["concurrency"] == load("publish.yml")["concurrency"]
    assert "--name calendar-plan" in step(apply, "Fetch the reviewed plan")["run"]
    applied = step(apply, "Apply the plan")
    assert "--plan plan.json" in applied["run"] and applied["env"]["STATUS200_API_KEY"] == KEY
    assert step(apply, "Commit the ledger")["if"] == "always()"
