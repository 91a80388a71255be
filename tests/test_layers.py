"""The package's layers: every package has its own rank, and a module imports only from its
own package or the packages ranked below it, so the algorithm never depends on how the
pipeline runs it; and no two modules import each other, directly or round a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pdd.infra.paths import ROOT
from pdd.pipeline.dvcfile import module_file as module_path

# lowest first: a package may import from its own modules and from packages ranked below
LAYERS = (
    "infra",  # paths, I/O, checkpoints, workers, seeds, plots
    "data",  # datasets, readers, splits
    "core",  # the algorithm's primitives: networks, training, DSA, trajectories, sets
    "methods",  # the base methods behind one Distiller interface
    "progressive",  # the PDD driver: schedules, transitions, conditioned stages
    "config",  # params sections, loading, the stage registry, contexts and distillers
    "experiments",  # what a stage runs: planned runs, the search, variants, scorings
    "analyses",  # tables, statistics and figures from what the stages produced
    "pipeline",  # dvc.yaml, the runner, the notebooks' first cell, publication
)
RANK = {name: rank for rank, name in enumerate(LAYERS)}
PACKAGE = ROOT / "pdd"


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pdd"


def pdd_imports(path: Path) -> set[str]:
    """Every `pdd.*` module the file imports, at any depth (function-level imports and
    type-checking imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pdd.")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pdd"):
            if node.module == "pdd":  # from pdd import x
                found |= {f"pdd.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
                # from pdd.x import y, where y is a module
                found |= {
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if module_path(f"{node.module}.{alias.name}") is not None
                }
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_subpackage_has_its_own_rank():
    packages = {p.relative_to(PACKAGE).parts[0] for p in MODULES}
    assert packages == set(LAYERS)
    assert len(set(RANK.values())) == len(LAYERS)  # strictly ranked: no two share a rank


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_imports_upward_or_sideways(path):
    own = path.relative_to(PACKAGE).parts[0]
    wrong = sorted(
        module
        for module in pdd_imports(path)
        if package_of(module) != own and RANK.get(package_of(module), 99) >= RANK[own]
    )
    assert not wrong, f"{path.relative_to(ROOT)} ({own}) imports upward: {wrong}"


def import_graph() -> dict[str, set[str]]:
    """module -> the pdd modules it imports (its package's __init__ aside)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        graph[name] = {m for m in pdd_imports(path) if module_path(m) is not None} - {name}
    return graph


def find_loop(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop of `graph` as its modules in order, or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        trail.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return trail[trail.index(target) :] + [target]
            if target not in state and (loop := visit(target)):
                return loop
        state[module] = "done"
        trail.pop()
        return None

    for module in sorted(graph):
        if module not in state and (loop := visit(module)):
            return loop
    return None


def test_no_import_loop_anywhere_in_the_package():
    loop = find_loop(import_graph())
    assert loop is None, "import loop: " + " -> ".join(loop)


def test_a_loop_is_found():
    assert find_loop({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_loop({"a": {"b"}, "b": set()}) is None
