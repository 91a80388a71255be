"""Execute a jupytext percent-format notebook with papermill, injecting validated params."""

from __future__ import annotations

import ast
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import jupytext
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from tqdm.auto import tqdm
from traitlets import default

from pdd.infra import machine, phases
from pdd.infra.paths import ROOT

KERNEL = "python3"


def read_notebook(source: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(source)
    # jupytext sources carry no kernel metadata; papermill needs both kernel and language.
    notebook.metadata["kernelspec"] = {
        "name": KERNEL,
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def declared_parameters(notebook: nbformat.NotebookNode) -> list[str]:
    """Names assigned at top level of the cell tagged `parameters`."""
    cells = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"expected exactly one cell tagged 'parameters', found {len(cells)}")
    names = []
    for node in ast.parse(cells[0].source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return names


def check_parameters(source: Path, parameters: dict[str, Any]) -> None:
    """Fail unless the notebook declares exactly the keys we inject (papermill only warns)."""
    declared = set(declared_parameters(read_notebook(source)))
    unknown = sorted(set(parameters) - declared)
    undeclared = sorted(declared - set(parameters))
    if unknown:
        raise ValueError(f"{source.name}: parameters cell lacks {unknown}")
    if undeclared:
        raise ValueError(f"{source.name}: parameters {undeclared} are not set by params.yaml")


class _AboveTheBar(io.TextIOBase):
    """The notebook's own printed output, written above papermill's progress bar."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        tqdm.write(text.rstrip("\n"), file=self.stream)
        return len(text)


def _kernel_manager_class(folder: Path) -> type[AsyncKernelManager]:
    """Local kernels over IPC sockets in `folder` where the system has them: over TCP
    without encryption the kernel warns on every start."""
    if os.name != "posix":
        return AsyncKernelManager

    class LocalSocketKernelManager(AsyncKernelManager):
        @default("transport")
        def _ipc(self) -> str:
            return "ipc"

        @default("ip")
        def _socket_prefix(self) -> str:
            return str(folder / "kernel")

    return LocalSocketKernelManager


def execute(
    source: Path, output: Path, parameters: dict[str, Any], record: dict[str, Any] | None = None
) -> None:
    """Run `source` top to bottom into `output`, with one progress bar and the notebook's
    printed output on the console; a failing cell raises PapermillExecutionError and leaves
    the partly executed notebook at `output` for debugging. The notebook's metadata `pdd`
    keeps the machine, `record` (the runner's stage, threads and workers) and the seconds
    per phase the kernel reported (pdd/infra/phases.py)."""
    check_parameters(source, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    os.environ["MPLBACKEND"] = "Agg"
    # Queued DVC experiments run in a temporary copy; the kernel must import that copy's pdd.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    notebook = read_notebook(source)
    # papermill keeps notebook metadata: the published run names the machine it timed.
    notebook.metadata["pdd"] = {
        "machine": machine.describe(),
        "code": machine.code_version(ROOT),
        **(record or {}),
    }
    with tempfile.TemporaryDirectory(prefix="pdd-kernel-") as sockets:
        reported = Path(sockets) / "phases.json"
        os.environ[phases.ENVIRONMENT] = str(reported)  # the kernel inherits it
        try:
            papermill.execute_notebook(
                notebook,
                str(output),
                parameters=parameters,
                kernel_name=KERNEL,
                language="python",
                progress_bar={"desc": source.stem, "unit": "cell", "leave": True},
                stdout_file=_AboveTheBar(sys.stdout),
                stderr_file=_AboveTheBar(sys.stderr),
                kernel_manager_class=_kernel_manager_class(Path(sockets)),
                cwd=str(ROOT),
            )
        finally:
            os.environ.pop(phases.ENVIRONMENT, None)
        if reported.is_file():
            keep_phases(output, json.loads(reported.read_text()))


def keep_phases(executed: Path, seconds: dict[str, float]) -> None:
    """Add the kernel's seconds per phase to the executed notebook's metadata."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata.setdefault("pdd", {})["phases"] = seconds
    nbformat.write(notebook, executed)
