"""The shared search's figure: every configuration's validation accuracy under every
schedule, the winner of each marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure


def search_figure(scores: pd.DataFrame) -> Figure:
    """Validation accuracy (mean over the search's networks) per configuration,
    one colour per schedule; each schedule's winner ringed."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    if scores.empty:
        ax.set_title("no search (tune.configs = 1)")
        return fig
    sns.pointplot(
        data=scores, x="config", y="val_mean", hue="schedule", dodge=0.4, linestyle="none", ax=ax
    )
    chosen = scores[scores.chosen]
    ax.scatter(chosen.config, chosen.val_mean, s=220, facecolors="none", edgecolors="black")
    ax.set(xlabel="configuration (0: the mtt section)", ylabel="validation accuracy (%)")
    ax.set_title("one search, every schedule on the same configurations (winners ringed)")
    return fig
