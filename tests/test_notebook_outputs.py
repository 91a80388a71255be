"""What an executed notebook shows: each figure as an image (once), and each loop's progress
bar as its last state rather than every redraw (the end-to-end check on the smoke run's
notebooks is in tests/test_pipeline.py)."""

from __future__ import annotations

import base64
import hashlib
import io

import matplotlib.pyplot as plt
import nbformat
import pytest

from pdd.infra import plots
from pdd.pipeline import notebook
from pdd.pipeline.notebook import STREAM_LIMIT, collapse_streams, shape_problems


def stream(text: str, name: str = "stderr") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def redraws(desc: str, steps: int, leave: bool = True) -> list[dict]:
    """A tqdm bar as the kernel sends it: one output per redraw."""
    outputs = [stream("\r" + f"{desc}: {100 * k // steps:3d}%|" + "#" * k) for k in range(steps)]
    return outputs + [stream("\n" if leave else "\r" + " " * 20 + "\r")]


IMAGE = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "f"}}
FIGURE_AS_TEXT = {
    "output_type": "execute_result",
    "data": {"text/plain": "<Figure size 720x280 with 2 Axes>"},
}


def code(source: str, outputs: list[dict]) -> dict:
    return {"cell_type": "code", "source": source, "outputs": outputs, "metadata": {}}


def published_shape() -> dict:
    """Two cells as the published notebooks held them before figures were shown."""
    return {
        "cells": [
            code("for run in runs:\n    print(run)\n    distil(run)", redraws("mtt", 150)),
            code("fig = figure()\nplots.save(fig, path)\nfig", [FIGURE_AS_TEXT]),
        ]
    }


def test_the_rule_flags_figures_as_text_and_progress_redraws():
    problems = shape_problems(published_shape())
    assert "cell 0: a progress bar kept redraw by redraw" in problems
    assert "cell 1: 0 image(s) for 1 plots.save call(s)" in problems
    assert "cell 1: a figure shown as text" in problems
    assert f"151 stream outputs (at most {STREAM_LIMIT})" in problems


def test_the_rule_passes_cells_that_show_their_figures_and_final_lines():
    shown = published_shape()
    shown["cells"][0]["outputs"] = collapse_streams(shown["cells"][0]["outputs"])
    shown["cells"][1]["outputs"] = [IMAGE]
    assert shape_problems(shown) == []


def test_figure_calls_counts_each_plots_save_call_once():
    source = "# plots.save(x) in a comment\nfor x in xs:\n    plots.save(x, p)\nplots.save(y, q)"
    assert notebook.figure_calls(source) == 2
    assert notebook.figure_calls("torch.save(x, p)\nsave(y)") == 0


def test_collapse_keeps_each_bars_last_state_in_order():
    outputs = [
        stream("run 0\n", "stdout"),
        *redraws("mtt", 5),
        *redraws("mtt", 3),
        IMAGE,
        *redraws("experts", 4, leave=False),  # a bar that clears itself leaves nothing
        stream("done\n", "stdout"),
    ]
    collapsed = collapse_streams([nbformat.from_dict(o) for o in outputs])
    assert [(o["output_type"], o.get("text")) for o in collapsed] == [
        ("stream", "run 0\n"),
        ("stream", "mtt:  80%|####\nmtt:  66%|##\n"),
        ("display_data", None),
        ("stream", "done\n"),
    ]
    assert outputs[1]["text"] == "\rmtt:   0%|"  # the kernel's outputs are not changed


def test_collapse_joins_text_split_across_outputs_and_keeps_a_partial_line():
    outputs = [stream("a\nb"), stream("c\n\rx: 1"), stream("\rx: 2")]
    assert collapse_streams(outputs) == [stream("a\nbc\nx: 2")]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [False, True])
def test_console_gets_whole_lines_and_a_live_bar_only_on_a_terminal(terminal):
    out = Terminal() if terminal else io.StringIO()
    console = notebook._Console(out)
    for output in [stream("run 0\n"), *redraws("mtt", 5), stream("partial")]:
        console.write(output["text"])
    console.close()
    text = out.getvalue()
    lines = ["run 0", "mtt:  80%|####", "partial", ""]
    assert [notebook.visible(line) for line in text.split("\n")] == lines  # as seen
    # a log file holds only the lines; a terminal also saw the bar's redraws
    assert (text == "\n".join(lines)) != terminal
    assert ("mtt:  40%|##" in text) == terminal


def figure(seed: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([1, 2, 3], [3, seed, 2])
    return fig


@pytest.fixture
def kernel_display(monkeypatch) -> list[dict]:
    """What the figures put in a cell's output, as if this process were a notebook kernel."""
    shown = []
    monkeypatch.setattr(plots, "_kernel_shell", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    return shown


def digests(paths) -> list[str]:
    return [hashlib.md5(p.read_bytes()).hexdigest() for p in paths]


def test_outside_a_kernel_nothing_is_shown(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    plots.save(figure(1), tmp_path / "fig")
    plots.show(figure(2))
    assert shown == []


def test_in_a_kernel_each_figure_is_shown_once_as_the_saved_png(tmp_path, kernel_display):
    saved = figure(1)
    written = plots.save(saved, tmp_path / "kernel" / "fig")
    plots.show(saved)  # `fig` as the cell's last value: already shown
    assert len(kernel_display) == 1
    assert base64.b64decode(kernel_display[0]["image/png"]) == written[0].read_bytes()
    assert kernel_display[0]["text/plain"] == "fig.png"  # the file's name, no folder
    plots.show(unsaved := figure(2))  # a figure never saved is rendered for the cell
    plots.show(unsaved)
    assert len(kernel_display) == 2
    assert base64.b64decode(kernel_display[1]["image/png"]).startswith(b"\x89PNG")


def test_showing_leaves_the_saved_files_byte_identical(tmp_path, monkeypatch):
    plain = digests(plots.save(figure(1), tmp_path / "plain" / "fig"))
    monkeypatch.setattr(plots, "_kernel_shell", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda data, raw: None)
    assert digests(plots.save(figure(1), tmp_path / "kernel" / "fig")) == plain
