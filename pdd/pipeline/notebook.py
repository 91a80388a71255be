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


def visible(line: str) -> str:
    """What a terminal finally shows of a line rewritten with carriage returns (a progress
    bar redraws its line so, padded to full length): its last part."""
    parts = [part for part in line.split("\r") if part]
    return parts[-1] if parts else ""


def _kept(line: str) -> bool:
    """False for a line a progress bar cleared as it closed (blank once rewritten)."""
    return "\r" not in line or bool(visible(line).strip())


def collapse_streams(outputs: list) -> list:
    """A cell's outputs as a notebook front end shows them: consecutive text on one stream
    is one output, and each line a progress bar rewrote keeps only its last state (the
    kernel sends every redraw of a bar as its own output: thousands for one loop)."""
    collapsed: list = []
    for output in outputs:
        if output.get("output_type") != "stream":
            collapsed.append(output)
            continue
        text = "".join(output["text"])
        last = collapsed[-1] if collapsed else {}
        if last.get("output_type") == "stream" and last["name"] == output["name"]:
            last["text"] += text
        else:
            collapsed.append(nbformat.NotebookNode({**output, "text": text}))
    for output in collapsed:
        if output.get("output_type") == "stream":
            *lines, partial = output["text"].split("\n")
            text = "".join(visible(line) + "\n" for line in lines if _kept(line))
            output["text"] = text + (visible(partial) if _kept(partial) else "")
    return [o for o in collapsed if o.get("output_type") != "stream" or o["text"]]


def _collapse_cell(cell: nbformat.NotebookNode, **_: Any) -> None:
    cell.outputs = collapse_streams(cell.outputs)


# Stream outputs an executed notebook may hold: a few per cell that prints, a few dozen
# where a cell prints between many loops (resumed stages). One loop's progress bar, kept
# redraw by redraw, once made thousands.
STREAM_LIMIT = 100


def figure_calls(source: str) -> int:
    """The `plots.save(...)` calls in a cell's source (a call in a loop counts once): each
    makes a figure the cell must show. A figure library code saves and shows adds to the
    cell's images beyond this count (a distilled set's stage grids are saved, not shown)."""
    return sum(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "plots"
        for node in ast.walk(ast.parse(source))
    )


def shape_problems(notebook: dict) -> list[str]:
    """Why an executed notebook (its JSON) does not show its results: a cell with fewer
    images than `plots.save` calls, a figure shown as its text `<Figure size ...>`, a line
    a progress bar rewrote kept with every redraw (a carriage return in a stream), or more
    than STREAM_LIMIT stream outputs."""
    problems, streams = [], 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        outputs = cell.get("outputs", [])
        images = sum("image/png" in output.get("data", {}) for output in outputs)
        calls = figure_calls("".join(cell["source"]))
        if images < calls:
            problems.append(f"cell {index}: {images} image(s) for {calls} plots.save call(s)")
        if any(
            "image/png" not in output.get("data", {})
            and "".join(output.get("data", {}).get("text/plain", "")).startswith("<Figure")
            for output in outputs
        ):
            problems.append(f"cell {index}: a figure shown as text")
        texts = ["".join(o["text"]) for o in outputs if o["output_type"] == "stream"]
        streams += len(texts)
        if any("\r" in text for text in texts):
            problems.append(f"cell {index}: a progress bar kept redraw by redraw")
    if streams > STREAM_LIMIT:
        problems.append(f"{streams} stream outputs (at most {STREAM_LIMIT})")
    return problems


class _Console(io.TextIOBase):
    """The notebook's printed output on the console, line by line above papermill's progress
    bar. A line still being rewritten (a loop's progress bar) is shown live on a line of its
    own below, where the console is a terminal; a log file gets the line it ends as."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.partial = ""  # the text after the last newline
        self.live: tqdm | None = None

    def write(self, text: str) -> int:
        *lines, self.partial = (self.partial + text).split("\n")
        shown = visible(self.partial)
        if lines or not shown.strip():
            self._end_live()
        for line in filter(_kept, lines):
            tqdm.write(visible(line), file=self.stream)
        if shown.strip() and getattr(self.stream, "isatty", lambda: False)():
            if self.live is None:
                self.live = tqdm(
                    file=self.stream, bar_format="{desc}", leave=False, dynamic_ncols=True
                )
            self.live.set_description_str(shown)
        return len(text)

    def close(self) -> None:
        """Write what is left of an unfinished line."""
        self._end_live()
        if self.partial and _kept(self.partial):
            tqdm.write(visible(self.partial), file=self.stream)
        self.partial = ""
        super().close()

    def _end_live(self) -> None:
        if self.live is not None:
            self.live.close()
            self.live = None


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
    printed output on the console (a loop's progress bar live there, its last state only in
    the notebook); a failing cell raises PapermillExecutionError and leaves the partly
    executed notebook at `output` for debugging. The notebook's metadata `pdd`
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
    consoles = _Console(sys.stdout), _Console(sys.stderr)
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
                stdout_file=consoles[0],
                stderr_file=consoles[1],
                kernel_manager_class=_kernel_manager_class(Path(sockets)),
                cwd=str(ROOT),
                on_cell_executed=_collapse_cell,  # also when the cell fails
            )
        finally:
            os.environ.pop(phases.ENVIRONMENT, None)
            for console in consoles:
                console.close()
        if reported.is_file():
            keep_phases(output, json.loads(reported.read_text()))


def keep_phases(executed: Path, seconds: dict[str, float]) -> None:
    """Add the kernel's seconds per phase to the executed notebook's metadata."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata.setdefault("pdd", {})["phases"] = seconds
    nbformat.write(notebook, executed)
