"""The package's shape is enforced, not hoped for (docs/architecture.md).

`lint-imports` (import-linter, in `make lint`) checks the layers and the sandbox's separation;
here: it passes on the tree, it fails when a forbidden import is added (on a copy), and no
module imports itself through others (no cycles, type-checking imports aside).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_layers_hold() -> None:
    ran = _lint_imports(REPO)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Contracts: 3 kept, 0 broken." in ran.stdout


def test_a_forbidden_import_breaks_the_lint(tmp_path: Path) -> None:
    """The plan layer may not reach up into apply: adding such an import must fail the lint."""
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO / "pipeline", copy / "pipeline", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    diff = copy / "pipeline" / "plan" / "diff.py"
    diff.write_text(diff.read_text() + "\nfrom pipeline.apply import publisher  # noqa\n")
    ran = _lint_imports(copy)
    assert ran.returncode != 0
    assert "pipeline.plan is not allowed to import pipeline.apply" in ran.stdout
    assert "pipeline.plan.diff -> pipeline.apply.publisher" in ran.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("pipeline", exclude_type_checking_imports=True)
    assert len(graph.modules) > 100
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b"]]
