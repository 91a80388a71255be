"""Growing the synthetic set (the paper: about 90 % of full-data accuracy at 5–8 % of the
data). Sets are placed by the fraction of the training split they hold and scored as a
fraction of a full-data reference; PDD sets grown stage by stage sit beside random real
subsets of the same and of larger sizes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd
import torch
from torch import nn

from pdd.core.augment import DiffAugment
from pdd.core.train import TrainConfig, evaluate_synthetic_set
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
    rows = []
    for ipc in ipcs:
        for seed in seeds:
            picked = sample_per_class(data.train_y.cpu(), ipc, torch.Generator().manual_seed(seed))
            picked = picked.to(data.train_x.device)
            epochs = epochs_for_steps(len(picked), config.batch_size, steps, config.epochs)
            score = evaluate_synthetic_set(
                data.train_x[picked],
                data.train_y[picked],
                make_model=make_model,
                config=replace(config, epochs=epochs),
                seeds=[seed],
                test=(data.test_x, data.test_y),
                val=(data.val_x, data.val_y),
                augment=augment,
            )
            rows.append(
                {
                    "source": "random real",
                    "images_per_class": ipc,
                    "seed": seed,
                    "epochs": epochs,
                    "test_acc": score.test_acc[0],
                    "seconds": score.seconds[0],
                }
            )
    return rows


def real_seeds(seed: int, count: int) -> list[int]:
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
