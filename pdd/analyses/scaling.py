"""Growing the synthetic set (the paper: about 90 % of full-data accuracy at 5–8 % of the
data). Sets are placed by the fraction of the training split they hold and scored as a
fraction of a full-data reference; PDD sets grown stage by stage sit beside random real
subsets of the same and of larger sizes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch
from torch import nn

from pdd.config.context import Context
from pdd.config.schema import Distill, Scaling
from pdd.core.augment import DiffAugment
from pdd.core.evaluate import splits_scoring
from pdd.core.scoring import ScoreJob, run_jobs
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, sample_per_class
from pdd.infra.runtime import derive_seed


def epochs_for_steps(set_size: int, batch_size: int, steps: int, max_epochs: int) -> int:
    """Epochs that give a set about `steps` optimiser steps, at most `max_epochs`: small
    subsets keep the evaluation protocol, large ones get a fixed step budget (CPU cost)."""
    batches = math.ceil(set_size / batch_size)
    return max(1, min(max_epochs, math.ceil(steps / batches)))


def random_real_scores(
    data: Splits,
    ipcs: Sequence[int],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    steps: int,
    seeds: Sequence[int],
    augment: DiffAugment | None,
) -> list[dict]:
    """One row per (IPC, seed): a class-balanced random subset drawn with that seed and a
    fresh network trained on it for `epochs_for_steps` epochs."""
    runs = [(ipc, seed) for ipc in ipcs for seed in seeds]
    jobs = []
    for ipc, seed in runs:
        picked = sample_per_class(data.train_y.cpu(), ipc, torch.Generator().manual_seed(seed))
        picked = picked.to(data.train_x.device)
        epochs = epochs_for_steps(len(picked), config.batch_size, steps, config.epochs)
        subset = SyntheticStage(data.train_x[picked], data.train_y[picked], config.lr)
        scoring = splits_scoring(
            data, make_model=make_model, config=replace(config, epochs=epochs), augment=augment
        )
        jobs.append(ScoreJob([subset], seed, scoring))
    return [
        {
            "source": "random real",
            "images_per_class": ipc,
            "seed": seed,
            "epochs": job.scoring.config.epochs,
            "test_acc": rows[-1]["test_acc"],
            "seconds": rows[-1]["seconds"],
        }
        for (ipc, seed), job, rows in zip(runs, jobs, run_jobs(jobs), strict=True)
    ]


def random_real_rows(ctx: Context, scaling: Scaling, *, seed: int) -> pd.DataFrame:
    """`random_real_scores` of the `scaling` section's subset sizes, on `ctx`'s data and
    networks, as a table."""
    rows = random_real_scores(
        ctx.data,
        scaling.real_ipcs,
        make_model=ctx.make_model,
        config=ctx.eval_config,
        steps=scaling.real_steps,
        seeds=real_seeds(seed, scaling.num_seeds),
        augment=ctx.augment,
    )
    return pd.DataFrame(rows)


def real_seeds(seed: int, count: int) -> list[int]:
    """The seeds of the random real subsets (and of their networks)."""
    return [derive_seed(seed, "scaling-real", run) for run in range(count)]


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


def grown_distill(distill: Distill, scaling: Scaling) -> Distill:
    """The `distill` section of the grown set: the `scaling` section's stages and sizes."""
    update = {
        "stages": scaling.stages,
        "ipc_per_stage": scaling.ipc_per_stage,
        "iterations": scaling.iterations,
        "batch_syn": scaling.batch_syn,
    }
    return distill.model_copy(update=update)


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
    return main_run.assign(source=f"PDD (main run, {stages} stages × IPC {ipc})")


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
