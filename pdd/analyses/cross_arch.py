"""Cross-architecture scores (`pdd.experiments.cross_arch` trains every set on every
network) as tables and a figure: the mean ± std summary over networks, which notebook 08
(continual learning) also reports, the stage's metrics and the bars per network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

if TYPE_CHECKING:
    from pdd.config.schema import Params


def seed_summary(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Test accuracy mean, std (population) and count per group of `by`, groups in the order
    they first appear (also notebook 08's table)."""
    return (
        scores.groupby(by, sort=False)
        .test_acc.agg(test_mean="mean", test_std=lambda a: a.std(ddof=0), n="count")
        .reset_index()
    )


def mean_std_table(
    summary: pd.DataFrame, *, index: str, columns: str, order: Sequence[str]
) -> pd.DataFrame:
    """A `seed_summary` as "mean ± std" cells (2 decimals), `index` rows in `order`."""
    cells = summary.test_mean.map("{:.2f}".format) + " ± " + summary.test_std.map("{:.2f}".format)
    table = summary.assign(result=cells).pivot(index=index, columns=columns, values="result")
    return table.loc[list(order)]


def cross_arch_metrics(
    params: Params, summary: pd.DataFrame, *, test_images: int, seconds_per_net: dict[str, float]
) -> dict:
    """The stage's metrics.json: the set-up, and each protocol's score of every set on every
    network (`summary`: a `seed_summary` by protocol, net and set)."""
    cross, distill = params.cross_arch, params.distill
    return {
        "dataset": params.common.dataset,
        "distilled_with": params.net.name,
        "total_ipc": distill.stages * distill.ipc_per_stage,
        "epochs": cross.epochs,
        "runs": cross.runs,
        "num_seeds": cross.num_seeds,
        "progressive_nets": list(cross.progressive_nets),
        "test_images": test_images,
        "seconds_per_net": seconds_per_net,
        "scores": {
            protocol: {
                net: {
                    row.set: {"test_mean": row.test_mean, "test_std": row.test_std, "n": int(row.n)}
                    for row in by_net.itertuples()
                }
                for net, by_net in by_protocol.groupby("net", sort=False)
            }
            for protocol, by_protocol in summary.groupby("protocol", sort=False)
        },
    }


def cross_arch_figure(scores: pd.DataFrame, *, distilled_with: str, title: str) -> plt.Figure:
    """Bars of test accuracy (mean, std over seeds) per network, one hue per set."""
    fig, ax = plt.subplots(figsize=(5.5, 2.8), layout="constrained")
    sns.barplot(data=scores, x="net", y="test_acc", hue="set", errorbar="sd", ax=ax)
    ax.set(
        xlabel=f"network trained on the set (sets distilled with {distilled_with})",
        ylabel="test accuracy (%)",
        title=title,
    )
    ax.legend(fontsize="small", title=None)
    return fig
