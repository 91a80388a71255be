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
    images: torch.Tensor, *, rows: int, titles: list[str] | None = None, scale: float = 0.9
) -> plt.Figure:
    """Show (N, C, H, W) images in [0, 1] as a grid of `rows` rows, one title per row."""
    images = images.detach().cpu().clamp(0, 1)
    cols = int(np.ceil(len(images) / rows))
    fig, axes = plt.subplots(
        rows, cols, figsize=(cols * scale, rows * scale), squeeze=False, layout="constrained"
    )
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index >= len(images):
            continue
        picture = images[index].permute(1, 2, 0).numpy()
        if picture.shape[2] == 1:
            axis.imshow(picture[:, :, 0], cmap="gray", vmin=0, vmax=1)
        else:
            axis.imshow(picture)
    if titles:
        for row, title in enumerate(titles):
            axes[row, 0].set_axis_on()
            axes[row, 0].set_xticks([])
            axes[row, 0].set_yticks([])
            sns.despine(ax=axes[row, 0], left=True, bottom=True)
            axes[row, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=8)
    return fig
