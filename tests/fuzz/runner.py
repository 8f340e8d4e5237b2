"""Run one pipeline command on a generated project, bounded, and say how it ended.

Each run is `pipeline.cli.main(argv)` in a forked child of the test process: the package is
already imported, so a run costs milliseconds, yet a crash, a hang or a memory blow-up stays in
the child. The bounds, as the issue sets them:

- wall time: the parent kills the child (SIGKILL) after `WALL_S` seconds: a hang;
- memory: the child's address space is capped (RLIMIT_AS) at what it inherited plus `MEMORY`,
  so a runaway allocation fails there instead of taking the machine; the peak resident size
  the kernel reports for the child (wait4) must stay under `MEMORY` too.

What counts as a failure: an exit code outside {0, 1, 2}, "Traceback" in the output, an
exception escaping `main` (printed by the child, exit code 99), a kill by a signal, either
bound exceeded, or the canary secret of a file outside the project in the output (or the HTML
report).
"""

from __future__ import annotations

import importlib
import os
import resource
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from pipeline.cli import COMMANDS, main
from tests.fuzz.strategies import SECRET, Project

# Imported once here, not in every child: a run then costs about 0.1 s instead of 0.4 s.
for _module, _ in COMMANDS.values():
    importlib.import_module(f"pipeline.commands.{_module}")

WALL_S = 10.0
MEMORY = 1 << 30  # 1 GiB
CRASHED = 99  # the child's exit code when an exception escaped main()


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    code: int | None  # None: killed
    output: str
    seconds: float
    peak_bytes: int
    timed_out: bool

    @property
    def problem(self) -> str | None:
        """What went wrong, in one line; None for a clean run."""
        if self.timed_out:
            return f"hung: killed after {WALL_S:g} s"
        if self.code is None:
            return "killed by a signal"
        if self.peak_bytes > MEMORY:
            return f"used {self.peak_bytes / 2**20:.0f} MiB"
        if self.code == CRASHED or "Traceback" in self.output:
            return "traceback: " + _last_line(self.output)
        if self.code not in (0, 1, 2):
            return f"exit code {self.code}"
        if SECRET in self.output:
            return "echoed a secret from a file outside the project"
        return None


def _last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def write_project(root: Path, project: Project) -> None:
    """The project's files under `root` (a name may climb one level out: `../secrets.env`)."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, data in project.files.items():
        path = root / name
        if data is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name, kind in project.special.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "fifo":
            os.mkfifo(path)
        elif kind.startswith("->"):
            path.symlink_to(kind[2:])
        elif kind == "deep":  # relative steps: a 1,100-level path is longer than PATH_MAX
            path.mkdir()
            fd = os.open(path, os.O_RDONLY)
            try:
                for _ in range(1100):
                    os.mkdir("d", dir_fd=fd)
                    inner = os.open("d", os.O_RDONLY, dir_fd=fd)
                    os.close(fd)
                    fd = inner
                with open(
                    os.open("cal.yaml", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "wb"
                ) as f:
                    f.write(b"posts: []\n")
            finally:
                os.close(fd)


def commands(project: Project) -> list[list[str]]:
    """validate, plan, report (into the project) and status, as a user would type them."""
    cal, now = project.calendar, project.now
    return [
        ["validate", cal, "--now", now],
        ["plan", cal, "--now", now],
        ["report", cal, "--now", now, "--output", "report.html"],
        ["status", "--ledger", "ledger"],
    ]


def _vsize() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(root: Path, argv: list[str], out_path: Path) -> None:  # pragma: no cover (forked)
    code = CRASHED
    try:
        fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stderr = sys.stdout
        for sig in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        limit = _vsize() + MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.chdir(root)
        for name in list(os.environ):
            if name.startswith(("GITHUB_", "STATUS200_", "PIPELINE_")):
                del os.environ[name]
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        traceback.print_exc()
        code = CRASHED
    finally:
        try:
            sys.stdout.flush()
        finally:
            os._exit(code)


def run(root: Path, argv: list[str]) -> Run:
    """`pipeline <argv>` in `root`, in a forked child with the bounds above."""
    out_path = root.parent / f"{root.name}.out"
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        _child(root, argv, out_path)
    timed_out = False
    delay = 0.002
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > WALL_S:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            timed_out = True
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    seconds = time.monotonic() - started
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    output = out_path.read_text(encoding="utf-8", errors="replace") if out_path.exists() else ""
    report = root / "report.html"
    if argv[0] == "report" and report.is_file():  # what it wrote counts as output too
        output += report.read_text(encoding="utf-8", errors="replace")[-200_000:]
    return Run(tuple(argv), code, output, seconds, usage.ru_maxrss * 1024, timed_out)
