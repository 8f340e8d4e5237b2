"""One way into files (pipeline/fileaccess.py): what issue #11's fuzzing found, one test each.

A FIFO named cal.yaml hung `validate`; a symlink to /dev/zero was read until 2.9 GB; a calendar
symlinked to a secrets file outside the project was read and echoed; a folder 1,100 levels deep
raised RecursionError; UTF-16 files were called binary. Each is now a diagnostic with a code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import fileaccess
from pipeline.calendar import MAX_YAML_BYTES, discover, load_calendars, read_text
from pipeline.calendar.schema import SchemaContext
from pipeline.fileaccess import FileRefused, read_bytes
from pipeline.validate import probe as media_probe

NOW = "2026-11-28T12:00:00Z"
GOOD = "posts:\n  - {id: a, at: 2026-12-01 09:00, timezone: UTC, platform: x, account: '@b', text: hi}\n"
SECRET = "STATUS200_API_KEY=rl_live_do_not_print_me"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "schedules").mkdir()
    (root / "schedules" / "ok.yaml").write_text(GOOD, encoding="utf-8")
    return root


def validate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUS200_", "GITHUB_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", *args, "--now", NOW],
        cwd=root,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=120,  # a guard against the hang this tests for, not a timing assertion
    )


def _codes(root: Path) -> dict[str, list[str]]:
    loaded = load_calendars([str(root / "schedules")], SchemaContext(str(root)))
    found: dict[str, list[str]] = {}
    for d in loaded.diagnostics:
        found.setdefault(os.path.basename(d.file), []).append(d.code)
    return found


def test_a_fifo_named_like_a_calendar_is_refused_without_opening(project: Path) -> None:
    os.mkfifo(project / "schedules" / "cal.yaml")  # opening it would wait for a writer forever
    proc = validate(project, "schedules")
    assert proc.returncode == 1, proc.stderr
    assert "E120 not-a-regular-file" in proc.stdout
    assert "named pipe (FIFO), not a regular file; it was not opened" in proc.stdout
    assert "schedules/cal.yaml" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_fifo_named_on_the_command_line_is_refused_too(project: Path) -> None:
    os.mkfifo(project / "cal.yaml")
    proc = validate(project, "cal.yaml")
    assert (proc.returncode, "Traceback" in proc.stderr) == (1, False)
    assert "E120" in proc.stdout


def test_a_symlink_to_dev_zero_is_not_read(project: Path) -> None:
    (project / "schedules" / "zero.yaml").symlink_to("/dev/zero")
    proc = validate(project, "schedules")
    assert proc.returncode == 1
    assert "E121 calendar-outside-project" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_device_is_refused_from_its_stat_even_without_a_project() -> None:
    with pytest.raises(FileRefused) as refused:
        read_bytes("/dev/zero", limit=10, root=None)
    assert refused.value.code == "E120"
    assert "a device" in refused.value.message


def test_a_calendar_symlinked_outside_the_project_is_never_read_or_echoed(
    project: Path, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text(SECRET + "\n", encoding="utf-8")
    (project / "schedules" / "leak.yaml").symlink_to(secrets)
    (project / "schedules" / "leak.csv").symlink_to(secrets)
    proc = validate(project, "schedules")
    assert proc.returncode == 1
    assert proc.stdout.count("E121 calendar-outside-project") == 2
    assert "rl_live" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_symlink_that_stays_inside_the_project_is_read(project: Path) -> None:
    (project / "shared").mkdir()
    (project / "shared" / "base.yaml").write_text(GOOD.replace("id: a", "id: s"), "utf-8")
    (project / "schedules" / "linked.yaml").symlink_to(project / "shared" / "base.yaml")
    assert _codes(project) == {}


def test_a_symlinked_folder_outside_the_project_is_not_read_either(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "cal.yaml").write_text(f"# {SECRET}\nposts: [\n", encoding="utf-8")
    (project / "linked").symlink_to(outside)
    proc = validate(project, "linked")  # named on the command line: walked, files refused
    assert proc.returncode == 1
    assert "E121" in proc.stdout and "rl_live" not in proc.stdout


def test_pipeline_yaml_symlinked_outside_the_project_is_not_read(
    project: Path, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"timezone: {SECRET}\n", encoding="utf-8")
    (project / "pipeline.yaml").symlink_to(secrets)
    proc = validate(project, "schedules")
    assert proc.returncode == 2  # pipeline.yaml problems are config errors
    assert "pipeline.yaml: this file is a symlink to a file outside the project" in proc.stderr
    assert "rl_live" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def _chain(top: Path, levels: int) -> None:
    """`levels` folders named d inside each other, built relative to keep each path short."""
    here = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(levels):
            os.mkdir("d")
            os.chdir("d")
        Path("lost.yaml").write_text(GOOD, encoding="utf-8")
    finally:
        os.chdir(here)


def _remove_chain(top: Path) -> None:
    """Undo _chain without recursion: pytest's own clean-up (shutil.rmtree, recursive before
    Python 3.12) would raise RecursionError at the end of a later session."""
    here = os.getcwd()
    try:
        os.chdir(top)
        depth = 0
        while os.path.isdir("d"):
            os.chdir("d")
            depth += 1
        Path("lost.yaml").unlink(missing_ok=True)
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_folder_1100_levels_deep_is_a_diagnostic_not_a_recursion_error(project: Path) -> None:
    deep = project / "schedules" / "deep"
    deep.mkdir()
    try:
        _chain(deep, 1100)
        proc = validate(project, "schedules")
    finally:
        _remove_chain(deep)
    assert proc.returncode == 1, proc.stderr
    assert "E122 folder-too-deep" in proc.stdout
    assert "Traceback" not in proc.stderr
    shown = [line for line in proc.stdout.splitlines() if line.startswith("schedules/deep")]
    depth = fileaccess.MAX_FOLDER_DEPTH
    assert shown == ["schedules/deep" + "/d" * (depth - 1)]  # the last folder searched


def test_calendars_down_to_the_depth_limit_are_found(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(fileaccess.MAX_FOLDER_DEPTH):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "cal.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    assert discover([str(tmp_path)]) == [str(tmp_path / "a.yaml"), str(folder / "cal.yaml")]


def test_walk_order_is_os_walks_top_down_sorted(tmp_path: Path) -> None:
    for name in ("b/z.yaml", "b/c/y.yaml", "a/x.csv", "m.yml", ".hidden/h.yaml", "a/n.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("posts: []\n", encoding="utf-8")
    expected = []
    for root, dirs, files in os.walk(tmp_path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        expected += [
            os.path.join(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml", ".csv"))
        ]
    assert discover([str(tmp_path)]) == expected


@pytest.mark.parametrize(("encoding", "name"), [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_utf16_text_is_named_and_told_to_resave(
    project: Path, encoding: str, name: str, suffix: str
) -> None:
    path = project / "schedules" / f"excel{suffix}"
    path.write_bytes(GOOD.encode(encoding))  # with its byte-order mark, as Excel writes it
    proc = validate(project, "schedules")
    assert proc.returncode == 1
    assert f'this is {name} text (what Excel saves as "Unicode Text"), not UTF-8' in proc.stdout
    assert "binary" not in proc.stdout and "Traceback" not in proc.stderr
    assert "save or export the file as UTF-8" in proc.stdout


def test_at_most_the_documented_size_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as f:
        f.truncate(MAX_YAML_BYTES + 1)  # sparse: no 64 MB written
    text, problem = read_text(str(path), "big.yaml")
    assert text is None and problem is not None
    assert (problem.code, problem.message) == (
        "E100",
        f"{MAX_YAML_BYTES + 1:,} bytes is more than this pipeline reads from one YAML file "
        f"({MAX_YAML_BYTES:,})",
    )


def test_read_bytes_never_reads_past_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 100)
    assert read_bytes(str(path), limit=100, root=str(tmp_path)) == b"x" * 100
    with pytest.raises(FileRefused, match="100 bytes is more than"):
        read_bytes(str(path), limit=99, root=str(tmp_path))


def test_a_nul_in_a_path_is_a_refusal_not_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="NUL"):
        read_bytes(str(tmp_path / "a\0b.yaml"), limit=10, root=str(tmp_path))


def test_open_regular_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused) as refused:
        fileaccess.open_regular(str(fifo))
    assert (refused.value.code, refused.value.message) == (
        "E120",
        "this is a named pipe (FIFO), not a regular file; it was not opened",
    )
    regular = tmp_path / "a.bin"
    regular.write_bytes(b"data")
    with fileaccess.open_regular(str(regular)) as f:
        assert f.read() == b"data"


def test_media_swapped_for_a_fifo_after_its_stat_is_unreadable_not_a_hang(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    # _inspect is what runs after probe()'s stat said "regular file": call it on the FIFO.
    info = media_probe._inspect(str(fifo), str(fifo), 0)
    assert (info.exists, info.kind) == (True, "unknown")
    assert info.error == "this is a named pipe (FIFO), not a regular file; it was not opened"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named_too(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "cal.yaml"
    path.write_bytes(GOOD.encode(encoding))
    text, problem = read_text(str(path), "cal.yaml")
    assert text is None and problem is not None
    assert problem.message.startswith("this is UTF-16 text")


def test_a_binary_file_is_still_called_binary(tmp_path: Path) -> None:
    path = tmp_path / "cal.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    _, problem = read_text(str(path), "cal.yaml")
    assert problem is not None and problem.message == "this is a binary file, not a text calendar"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_pipeline_yaml_that_is_no_regular_file_is_a_config_error_not_ignored(
    project: Path, kind: str
) -> None:
    """Found by the fuzz tests: such a pipeline.yaml was skipped, and the defaults used silently."""
    config = project / "pipeline.yaml"
    if kind == "fifo":
        os.mkfifo(config)
    elif kind == "folder":
        config.mkdir()
    else:
        inside = project / "zero"
        inside.symlink_to("/dev/zero")
        config.symlink_to(inside)
    proc = validate(project, "schedules")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("pipeline validate: pipeline.yaml: ")
    assert "Traceback" not in proc.stderr
