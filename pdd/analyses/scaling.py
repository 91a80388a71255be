"""Growing the synthetic set (the paper: about 90 % of full-data accuracy at 5–8 % of the
data), as a curve: sets are placed by the fraction of the training split they hold and
scored as a fraction of a full-data reference; PDD sets grown stage by stage sit beside
random real subsets of the same and of larger sizes (`pdd.experiments.scaling` scores
those and sets up the grown set)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.config.sections.scaling import Scaling

# How the main run's set is named on the curve; the report leaves it out there, since the
# headline rows already show it.
MAIN_RUN = "PDD (main run"


def relative_curve(
    rows: pd.DataFrame, *, full_data_acc: float, train_size: int, num_classes: int
) -> pd.DataFrame:
    """Mean ± std test accuracy per (source, images per class), with the fraction of the
    training split the set holds and the accuracy relative to the full-data reference."""
    curve = (
        rows.groupby(["source", "images_per_class"], sort=False)
        .test_acc.agg(test_mean="mean", test_std=lambda s: s.std(ddof=0), n="size")
        .reset_index()
    )
    curve["data_fraction"] = curve.images_per_class * num_classes / train_size
    curve["relative_acc"] = curve.test_mean / full_data_acc
    return curve


def smallest_fraction_reaching(curve: pd.DataFrame, target: float) -> dict[str, float | None]:
    """Per source, the smallest measured data fraction whose mean accuracy is at least
    `target` × the full-data reference (None: no measured size reaches it)."""
    reached = {}
    for source, points in curve.groupby("source", sort=False):
        hits = points[points.relative_acc >= target].data_fraction
        reached[source] = float(hits.min()) if len(hits) else None
    return reached


def grown_label(scaling: Scaling) -> str:
    """The grown set's name in the curve: "PDD (S stages × IPC k)"."""
    return f"PDD ({scaling.stages} stages × IPC {scaling.ipc_per_stage})"


def main_run_rows(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The main run's progressive rows under the paper protocol and the default recipe
    (every run; notebook 03's scores.csv), named by its stage count and per-stage IPC."""
    main_run = evaluated[
        (evaluated.set == "progressive")
        & (evaluated.protocol == "paper")
        & (evaluated.recipe == "default")
    ]
    stages, ipc = main_run.stage.max(), main_run[main_run.stage == 1].images_per_class.iat[0]
    return main_run.assign(source=f"{MAIN_RUN}, {stages} stages × IPC {ipc})")


def curve_rows(
    *, main_run: pd.DataFrame, grown: pd.DataFrame, grown_label: str, real: pd.DataFrame
) -> pd.DataFrame:
    """One row per network of every source (the main run's progressive set from its
    evaluation rows, the grown set, random real subsets): source, images per class, accuracy."""
    frames = [main_run_rows(main_run), grown.assign(source=grown_label), real]
    return pd.concat(frames, ignore_index=True)[["source", "images_per_class", "test_acc"]]


def curve_scores(curve: pd.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """The curve as metrics.json holds it: per source, per "ipc<k>", the score and share."""
    return {
        source: {
            f"ipc{row.images_per_class}": {
                "test_mean": row.test_mean,
                "test_std": row.test_std,
                "n": int(row.n),
                "data_fraction": row.data_fraction,
                "relative_acc": row.relative_acc,
            }
            for row in points.itertuples()
        }
        for source, points in curve.groupby("source", sort=False)
    }


def scaling_metrics(
    curve: pd.DataFrame,
    *,
    reference: dict[str, Any],
    train_size: int,
    grown: str,
    target: float,
    final: dict[str, Any],
) -> dict[str, Any]:
    """metrics.json: the full-data reference, every point of the curve, the smallest share
    reaching `target`, and the grown set's score after its last stage."""
    return {
        "full_data": {
            "test_acc": reference["test_acc"],
            "source": "reports/forgetting: one network on the whole training split",
            "epochs": reference["epochs"],
        },
        "train_size": train_size,
        "grown": grown,
        "scores": curve_scores(curve),
        f"smallest_fraction_at_{target:.0%}": smallest_fraction_reaching(curve, target),
        "largest_pdd_fraction": float(curve[curve.source == grown].data_fraction.max()),
        **{
            key: final[key]
            for key in ("test_mean", "test_std", "n", "distill_seconds", "wall_seconds")
        },
    }


def scaling_figure(
    rows: pd.DataFrame,
    *,
    full_data_acc: float,
    train_size: int,
    num_classes: int,
    target: float,
    dataset: str,
) -> plt.Figure:
    """Accuracy relative to full data against the share of the training data, one line per
    source (mean ± sd over its networks), the paper's claim as a line and a shaded band."""
    fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
    shown = rows.assign(  # one point per network: seaborn draws mean ± sd
        percent=100 * rows.images_per_class * num_classes / train_size,
        relative=100 * rows.test_acc / full_data_acc,
    )
    sns.lineplot(
        data=shown, x="percent", y="relative", hue="source", marker="o", errorbar="sd", ax=ax
    )
    ax.axhline(100 * target, color="0.5", linestyle="--", linewidth=1)
    ax.axvspan(5, 8, color="0.9", zorder=0)  # the paper's 5–8 % of the data
    ax.set(
        xscale="log",
        xlabel="training data held by the set (%)",
        ylabel="accuracy / full data (%)",
        title=f"{dataset}: paper's claim = 90 % at 5–8 % (shaded)",
    )
    ax.legend(fontsize="x-small", title=None)
    return fig
