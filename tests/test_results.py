"""The report's figures and the per-stage IPC comparison, drawn from published runs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from pdd.analyses.report_figures import (
    easy_drop_figure,
    split_comparison,
    stage_count_figure,
    stage_ipcs_figure,
)


def stage_counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "P": [1, 2, 4],
            "ipc_per_stage": [4, 2, 1],
            "test_mean": [50.0, 55.0, 52.0],
            "test_std": [1.0, 0.5, 2.0],
            "distill_seconds": [10.0, 12.0, 20.0],
        }
    )


def uneven_splits() -> pd.DataFrame:
    return pd.DataFrame({"P": [2], "stage_ipcs": [[1, 3]], "test_mean": [56.0], "test_std": [0.1]})


def test_an_uneven_split_is_compared_with_the_even_run_of_the_same_p():
    compared = split_comparison(stage_counts(), uneven_splits())
    assert compared.P.tolist() == [2, 2]
    assert compared.split.tolist() == ["2 + 2", "1 + 3"]
    assert compared.test_mean.tolist() == [55.0, 56.0]


def test_without_stage_counts_only_the_splits_are_compared():
    compared = split_comparison(pd.DataFrame(), uneven_splits())
    assert compared.split.tolist() == ["1 + 3"]


def test_stage_count_figure_has_accuracy_and_cost_panels():
    fig = stage_count_figure(stage_counts())
    accuracy, cost = fig.axes
    assert accuracy.get_xscale() == "log" and accuracy.get_title() == "accuracy"
    assert [t.get_text() for t in accuracy.get_xticklabels()] == ["1", "2", "4"]
    assert len(cost.patches) == 3 and cost.get_ylabel() == "distillation seconds"
    plt.close(fig)


def test_stage_ipcs_figure_has_a_point_per_split():
    fig = stage_ipcs_figure(split_comparison(stage_counts(), uneven_splits()))
    (ax,) = fig.axes
    (points, *_) = ax.lines
    assert points.get_ydata().tolist() == [55.0, 56.0] and ax.get_title() == "per-stage IPC"
    plt.close(fig)


def runs(kept, means):
    return pd.DataFrame({"kept_fraction": kept, "test_mean": means, "test_std": [0.5] * len(kept)})


def test_easy_drop_figure_draws_the_correct_by_all_point_only_when_published():
    drops = runs([1.0, 0.5], [60.0, 58.0])
    fig = easy_drop_figure(drops, runs([0.8], [59.0]))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["forgetting: easiest dropped", "correct-by-all"]
    assert fig.axes[0].lines[0].get_xdata().tolist() == [100.0, 50.0]
    plt.close(fig)
    fig = easy_drop_figure(drops, pd.DataFrame())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["forgetting: easiest dropped"]
    plt.close(fig)
