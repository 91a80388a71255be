"""Figures several stages draw: synthetic stages as rows of images, accuracy per stage."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch
from torch import Tensor

from pdd.core.synthetic import SyntheticStage, grid_order
from pdd.data.registry import DatasetSpec
from pdd.data.tensors import denormalize
from pdd.data.zca import ZCA
from pdd.infra import plots


def padded_rows(rows: Sequence[Tensor]) -> Tensor:
    """Rows of (N_i, C, H, W) images stacked into one batch, each row zero-padded (black) to
    the longest, so `image_grid` with `rows=len(rows)` shows one input row per grid row."""
    width = max(len(row) for row in rows)
    return torch.cat([torch.cat([r, torch.zeros(width - len(r), *r.shape[1:])]) for r in rows])


def stage_image_rows(
    stages: Sequence[SyntheticStage],
    spec: DatasetSpec,
    zca: ZCA | None,
    *,
    real: Tensor | None = None,
    scale: float = 0.9,
) -> plt.Figure:
    """One row per stage (titled S1, S2, ...), its images sorted by class left to right;
    `real` (images in [0, 1], class-sorted) adds a first row titled "real"."""
    rows = [] if real is None else [real]
    for stage in stages:
        rows.append(grid_order(denormalize(stage.images.cpu(), spec, zca), stage.labels.cpu()))
    titles = ([] if real is None else ["real"]) + [f"S{i + 1}" for i in range(len(stages))]
    return plots.image_grid(padded_rows(rows), rows=len(rows), titles=titles, scale=scale)


def lines_over_seeds(
    data: pd.DataFrame, *, x: str, hue: str, xlabel: str, ylabel: str, title: str
) -> plt.Figure:
    """Test accuracy (mean ± sd over seeds) against `x`, one marked line per `hue`."""
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    sns.lineplot(
        data=data, x=x, y="test_acc", hue=hue, style=hue, markers=True, errorbar="sd", ax=ax
    )
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return fig


def accuracy_by_stage(
    progressive: pd.DataFrame, *, title: str, col: str | None = None
) -> plt.Figure:
    """Test accuracy (mean ± sd over networks) against images per class so far, one line
    per schedule (rows: schedule, images_per_class, test_acc); with `col`, one panel per
    value of that column (e.g. the protocol)."""
    if col is None:
        return lines_over_seeds(
            progressive,
            x="images_per_class",
            hue="schedule",
            xlabel="images per class so far",
            ylabel="test accuracy (%)",
            title=title,
        )
    panels = list(dict.fromkeys(progressive[col]))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.6 * len(panels), 2.8), layout="constrained", sharey=True
    )
    for ax, value in zip(list(axes) if len(panels) > 1 else [axes], panels, strict=True):
        sns.lineplot(
            data=progressive[progressive[col] == value],
            x="images_per_class",
            y="test_acc",
            hue="schedule",
            style="schedule",
            markers=True,
            errorbar="sd",
            ax=ax,
            legend=ax is axes[-1] if len(panels) > 1 else True,
        )
        ax.set(xlabel="images per class so far", ylabel="test accuracy (%)", title=f"{value}")
    fig.suptitle(title)
    return fig
