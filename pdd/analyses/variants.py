"""Tables and figures of one ablation point (`pdd.experiments.variants`): its score after
the last stage, and its accuracy curve stage by stage."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses import protocols
from pdd.experiments.variants import VariantSet


def variant_summary(variant: VariantSet, final: pd.DataFrame) -> dict[str, Any]:
    """The score after the last stage: the paper protocol's default-recipe mean and std
    over runs (`test_mean`, `test_std`, `n` = networks), then every protocol and recipe
    (`results`), and the cost of distilling."""
    table = protocols.summary(final)
    results = {
        f"{row.protocol}/{row.recipe}": {
            "test_mean": row.test_mean,
            "test_std_runs": protocols.number(row.test_std_runs),
            "test_std_seeds": row.test_std_seeds,
            "runs": int(row.runs),
            "seeds": int(row.seeds),
            "steps": int(row.steps),
        }
        for row in table.itertuples()
    }
    paper = final[(final.protocol == "paper") & (final.recipe == "default")].test_acc
    return {
        "set": variant.origin,
        "test_mean": float(paper.mean()),
        "test_std": float(paper.std(ddof=0)),
        "n": int(paper.count()),
        "results": results,
        # the mean over runs, as one run's figure; every run's beside it
        "distill_seconds": round(sum(variant.distill_seconds) / len(variant.distill_seconds), 1),
        "distill_seconds_runs": [round(float(s), 1) for s in variant.distill_seconds],
        "wall_seconds": variant.wall_seconds,
    }


def accuracy_curve(
    progressive: pd.DataFrame,
    *,
    title: str,
    figsize: tuple[float, float],
    hue: str | None = None,
) -> plt.Figure:
    """Test accuracy (mean ± sd over seeds) against the images per class so far; with `hue`,
    one line (and marker style) per value of that column."""
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    sns.lineplot(
        data=progressive,
        x="images_per_class",
        y="test_acc",
        hue=hue,
        style=hue,
        marker="o",
        errorbar="sd",
        ax=ax,
    )
    ax.set(xlabel="images per class so far", ylabel="test accuracy (%)", title=title)
    return fig
