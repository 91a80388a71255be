"""The report's own figures (notebook 09), drawn from published runs: accuracy and cost
against the stage count, the per-stage IPC splits, and easy-example dropping. They live
apart from `pdd.analyses.figures`, which stages that distil and score also import, so that
editing them reruns the report alone."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses.results_table import split_label


def stage_count_figure(counts: pd.DataFrame) -> plt.Figure:
    """Accuracy (mean ± std) and distillation seconds against the number of stages P."""
    fig, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained")
    axes[0].errorbar(counts.P, counts.test_mean, yerr=counts.test_std, marker="o", capsize=3)
    axes[0].set(xscale="log", xlabel="stages P", ylabel="test accuracy (%)", title="accuracy")
    axes[0].set_xticks(counts.P, [str(p) for p in counts.P])
    axes[0].minorticks_off()
    sns.barplot(data=counts, x="P", y="distill_seconds", ax=axes[1], color="C0")
    # reused sets carry the seconds of the run that made them (maybe another machine)
    axes[1].set(xlabel="stages P", ylabel="distillation seconds", title="cost (as run)")
    return fig


def split_comparison(counts: pd.DataFrame, splits: pd.DataFrame) -> pd.DataFrame:
    """The even stage-count runs with the same P as an uneven split, then the splits, each
    labelled by its per-stage IPCs ("2 + 2", "1 + 3") in column `split`."""
    even = counts[counts.P.isin(splits.P)] if not counts.empty else counts
    compared = pd.concat([even, splits], ignore_index=True)
    compared["split"] = [split_label(row) for row in compared.to_dict("records")]
    return compared


def stage_ipcs_figure(compared: pd.DataFrame) -> plt.Figure:
    """Accuracy (mean ± std) of each per-stage IPC split (a `split_comparison`)."""
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    ax.errorbar(compared.split, compared.test_mean, yerr=compared.test_std, fmt="o", capsize=3)
    ax.set(
        xlabel="images per class of each stage", ylabel="test accuracy (%)", title="per-stage IPC"
    )
    return fig


def easy_drop_figure(drops: pd.DataFrame, correct: pd.DataFrame) -> plt.Figure:
    """Accuracy against the share of real data later stages keep: the forgetting-score drop
    rates as a line, the correct-by-all criterion (when published) as a point."""
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    for runs, style, label in (
        (drops, {"marker": "o"}, "forgetting: easiest dropped"),
        (correct, {"fmt": "s"}, "correct-by-all"),  # kept share: the mean over later stages
    ):
        if not runs.empty:
            kept = 100 * runs.kept_fraction
            ax.errorbar(kept, runs.test_mean, yerr=runs.test_std, capsize=3, label=label, **style)
    ax.legend(fontsize="x-small")
    ax.set(
        xlabel="real training data kept for later stages (%)",
        ylabel="test accuracy (%)",
        title="PDD + MTT, easiest examples dropped",
    )
    return fig
