"""Figures: one seaborn theme, and saving that gives the same bytes for the same data."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on the pipeline machines; must precede pyplot

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


def save(fig: plt.Figure, path: str | os.PathLike) -> list[Path]:
    """Write `path` as PNG and an SVG beside it, metadata stripped, then close the figure."""
    png = Path(path).with_suffix(".png")
    written = []
    for target, metadata in ((png, {"Software": None}), (png.with_suffix(".svg"), {"Date": None})):
        # The saving settings apply here too, not only after apply_theme(): a figure saved
        # before the theme is set (a stage's image grid) would get random SVG ids.
        with atomic_path(target) as tmp, matplotlib.rc_context(SAVE_RC):
            fig.savefig(tmp, format=target.suffix[1:], metadata=metadata, bbox_inches="tight")
        written.append(target)
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
