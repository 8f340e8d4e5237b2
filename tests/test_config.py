"""`pipeline.yaml` read with the calendar loader's protections (issue #11): every problem is one
line naming the file, line and key, exit code 2, and never a traceback, a hang or a value
built from an arbitrary tag."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.config import ConfigError, interval_seconds, load_config
from tests.helpers import REPO, write

NOW = "2026-11-28T12:00:00Z"
GOOD = "posts:\n  - {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
        for p, n in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "timezone: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for env in ("STATUS200_POST_INTERVAL", "STATUS200_MEDIA_INTERVAL"):
        monkeypatch.delenv(env, raising=False)
    write(tmp_path, {"cal.yaml": GOOD})
    return tmp_path


CASES = [
    # (pipeline.yaml, expected line, words the one-line message must contain)
    ("publish: {post_interval: .nan}\n", 1, ["publish.post_interval", "0 to 3600"]),
    ("publish:\n  media_interval: .inf\n", 1, ["publish.media_interval", "0 to 3600"]),
    ("publish: {post_interval: 1e300}\n", 1, ["publish.post_interval", "0 to 3600"]),
    ("publish: {post_interval: -1}\n", 1, ["publish.post_interval", "0 to 3600"]),
    ("publish: {post_interval: true}\n", 1, ["publish.post_interval"]),
    ("timezone: !!python/object/apply:os.system ['echo hi']\n", 1, ["timezone", "!!python"]),
    ("plan: !custom {tier: free}\n", 1, ["plan", "!custom"]),
    ("timezone: !!binary aGVsbG8=\n", 1, ["timezone", "!!binary"]),
    ("plan: {tier: free, monthly: !!int abc}\n", 1, ["plan", "!!int"]),
    ("timezone: UTC\ndate_format: us\ntimezone: Europe/Berlin\n", 3, ["timezone", "twice"]),
    ("timezone: [America/New_York]\n", 1, ["timezone", "one zone name"]),
    ("date_format: us\ntimezone: Mars/Olympus\n", 2, ["timezone", "unknown time zone"]),
    ("date_format: '%d/%d/%Y'\n", 1, ["date_format", "twice"]),
    ("timezone: " + "[" * 10_000 + "\n", 1, ["YAML"]),
    (BOMB, 1, ["aliases"]),
    ('timezone: "\\ud83d\\ude80"\n', 1, ["surrogate", "U0001F680"]),
    ("- timezone: UTC\n", 0, ["mapping"]),
    ("bogus: 1\n", 1, ["unknown key 'bogus'"]),
    ('"\\e]0;pwn\\a": !!binary aGk=\n', 1, ["'\\x1b]0;pwn\\x07'", "!!binary"]),
    ('"\\e[2J": 1\n', 1, ["unknown key '\\x1b[2J'"]),
    ('rules: {"instagram.reel": {"\\e[2J": 1}}\n', 1, ["rules", "\\x1b[2J"]),
]


@pytest.mark.parametrize("command", ["validate", "plan", "report"])
@pytest.mark.parametrize(("config", "line", "words"), CASES)
def test_bad_pipeline_yaml_is_a_one_line_config_error(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    config: str,
    line: int,
    words: list[str],
) -> None:
    (project / "pipeline.yaml").write_text(config, encoding="utf-8")
    extra = ["--output", str(project / "r.html")] if command == "report" else []
    code = main([command, "cal.yaml", "--now", NOW, *extra])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    where = f"pipeline.yaml:{line}: " if line else "pipeline.yaml: "
    assert err.startswith(f"pipeline {command}: {where}"), err
    for word in words:
        assert word in err
    assert len(err) < 400
    assert "\x1b" not in err and "\x07" not in err  # echoed escaped, never raw


def test_subprocess_shows_no_traceback(project: Path) -> None:
    for config in ("timezone: " + "[" * 10_000 + "\n", BOMB, "publish: {post_interval: .nan}\n"):
        (project / "pipeline.yaml").write_text(config, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "plan", "cal.yaml", "--now", NOW],
            capture_output=True,
            text=True,
            cwd=project,
            timeout=120,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("pipeline plan: pipeline.yaml:")


def test_merge_keys_work_in_pipeline_yaml(project: Path) -> None:
    (project / "pipeline.yaml").write_text(
        "x_base: &base {timezone: Asia/Tokyo}\n<<: *base\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="unknown key 'x_base'"):
        load_config(str(project))
    (project / "pipeline.yaml").write_text(
        "defaults: &d {account: '@brand'}\n<<: {timezone: Asia/Tokyo}\n", encoding="utf-8"
    )
    config = load_config(str(project))
    assert (config.timezone, dict(config.defaults)) == ("Asia/Tokyo", {"account": "@brand"})


def test_good_intervals_are_read(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pipeline.yaml").write_text(
        "publish: {post_interval: 0, media_interval: 3600}\n", encoding="utf-8"
    )
    assert main(["plan", "cal.yaml", "--now", NOW, "--json"]) == 0
    assert '"media_interval": 3600' in capsys.readouterr().out


def test_interval_from_the_environment_is_checked_the_same_way(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUS200_POST_INTERVAL", "nan")
    assert main(["plan", "cal.yaml", "--now", NOW]) == 2
    assert "STATUS200_POST_INTERVAL / publish.post_interval" in capsys.readouterr().err


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.text(max_size=20),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=2),
    )
)
def test_interval_seconds_is_a_finite_bounded_float_or_value_error(value: object) -> None:
    try:
        seconds = interval_seconds(value)
    except ValueError as exc:
        assert "0 to 3600" in str(exc) and len(str(exc)) < 200
    else:
        assert 0 <= seconds <= 3600


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(
        ["timezone", "date_format", "plan", "publish", "defaults", "rules", "media_store", "x"]
    ),
    tag=st.sampled_from(["", "!!str ", "!!int ", "!!binary ", "!!python/none ", "!t ", "!!set "]),
    value=st.sampled_from(
        ["UTC", "[1, 2]", "{a: 1}", "{post_interval: .nan}", "{tier: free, monthly: 5}", ".inf"]
    ),
)
def test_any_setting_loads_or_is_a_config_error(
    tmp_path: Path, key: str, tag: str, value: str
) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"{key}: {tag}{value}\n", encoding="utf-8")
    try:
        load_config(str(tmp_path), str(path))
    except ConfigError as exc:
        assert "\n" not in str(exc)
