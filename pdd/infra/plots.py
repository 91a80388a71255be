"""Figures: one seaborn theme, and saving that gives the same bytes for the same data."""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import sys
import weakref
from pathlib import Path

import matplotlib

# No display on the pipeline machines; must precede pyplot. In a notebook kernel too: the
# kernel shows each figure as the PNG it saved (show()), not through a display backend.
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
import torch  # noqa: E402

from pdd.infra.io import atomic_path  # noqa: E402

RC = {
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "pdd",  # fixed ids inside SVGs, so reruns are byte-identical
    "savefig.dpi": 150,
    "figure.dpi": 100,
}
SAVE_RC = {
    key: value for key, value in RC.items() if key.split(".")[0] in ("svg", "pdf", "savefig")
}


def apply_theme() -> None:
    sns.set_theme(context="paper", style="ticks", palette="colorblind", rc=RC)


def save(fig: plt.Figure, path: str | os.PathLike, *, shown: bool = True) -> list[Path]:
    """Write `path` as PNG and an SVG beside it, metadata stripped, then close the figure.
    In a notebook kernel the figure is shown, once, as the PNG just written (`shown=False`:
    a file that goes with saved data, such as a distilled set's image grid, only)."""
    png = Path(path).with_suffix(".png")
    written = []
    for target, metadata in ((png, {"Software": None}), (png.with_suffix(".svg"), {"Date": None})):
        # The saving settings apply here too, not only after apply_theme(): a figure saved
        # before the theme is set (a stage's image grid) would get random SVG ids.
        with atomic_path(target) as tmp, matplotlib.rc_context(SAVE_RC):
            fig.savefig(tmp, format=target.suffix[1:], metadata=metadata, bbox_inches="tight")
        written.append(target)
    if shown:
        show(fig, png)
    plt.close(fig)
    return written


def image_grid(
    images: torch.Tensor,
    *,
    rows: int,
    titles: list[str] | None = None,
    scale: float = 0.9,
    gap: int = 2,
) -> plt.Figure:
    """Show (N, C, H, W) images in [0, 1] as a grid of `rows` rows, one title per row.

    The grid is one picture (images `gap` white pixels apart) on one axes: a figure of a
    few hundred images draws in a fraction of a second, where an axes per image took
    tens of seconds."""
    images = images.detach().cpu().float().clamp(0, 1)
    count, channels, height, width = images.shape
    cols = int(np.ceil(count / rows))
    cells = torch.ones(rows * cols, channels, height + gap, width + gap)
    cells[:count, :, :height, :width] = images
    picture = (
        cells.view(rows, cols, channels, height + gap, width + gap)
        .permute(0, 3, 1, 4, 2)
        .reshape(rows * (height + gap), cols * (width + gap), channels)[:-gap, :-gap]
        .numpy()
    )
    fig, ax = plt.subplots(figsize=(cols * scale, rows * scale), layout="constrained")
    if channels == 1:
        ax.imshow(picture[:, :, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(picture, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([row * (height + gap) + (height - 1) / 2 for row in range(rows)])
    ax.set_yticklabels(titles or [], fontsize=8)
    ax.tick_params(length=0)
    sns.despine(ax=ax, left=True, bottom=True)
    return fig


_shown: weakref.WeakSet[plt.Figure] = weakref.WeakSet()


def show(fig: plt.Figure, saved: Path | None = None) -> None:
    """In a notebook kernel, put `fig` in the cell's output as an image (the PNG `saved`,
    else rendered as save() would), unless it is there already; elsewhere do nothing."""
    if fig in _shown or _kernel_shell() is None:
        return
    _shown.add(fig)
    if saved is not None:
        png = saved.read_bytes()
    else:
        buffer = io.BytesIO()
        with matplotlib.rc_context(SAVE_RC):
            fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
        png = buffer.getvalue()
    from IPython.display import display

    # raw: the image with the file's name as its text, not the repr of an Image object
    name = saved.name if saved is not None else "figure"
    display({"image/png": base64.b64encode(png).decode(), "text/plain": name}, raw=True)


def _kernel_shell():
    """The IPython shell of the notebook kernel this process is, else None (plain scripts,
    and worker processes forked from a kernel, which must not write to its sockets)."""
    if "ipykernel" not in sys.modules or multiprocessing.parent_process() is not None:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


if (_shell := _kernel_shell()) is not None:
    # A figure as a cell's last value (`fig` after save(fig, ...)) goes through show() too:
    # a saved figure is not shown twice, nor as its text repr `<Figure size ...>`.
    _shell.display_formatter.ipython_display_formatter.for_type(plt.Figure, show)
