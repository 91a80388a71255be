"""The package's layers: a module imports only from its own layer or the ones below, so the
algorithm never depends on how the pipeline runs it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pdd.infra.paths import ROOT

# lowest first; a package may import from its own rank and below
LAYERS = {
    "infra": 0,
    "data": 1,
    "core": 2,
    "methods": 2,
    "config": 3,
    "analyses": 4,
    "pipeline": 5,
}
PACKAGE = ROOT / "pdd"


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pdd"


def pdd_imports(path: Path) -> set[str]:
    """Every `pdd.*` module the file imports, at any depth (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pdd.")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pdd"):
            if node.module == "pdd":  # from pdd import x
                found |= {f"pdd.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_subpackage_has_a_layer():
    assert {p.parent.name for p in MODULES} == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_imports_upward(path):
    own = path.parent.name
    upward = sorted(
        module for module in pdd_imports(path) if LAYERS.get(layer_of(module), 99) > LAYERS[own]
    )
    assert not upward, f"{path.relative_to(ROOT)} ({own}) imports upward: {upward}"
