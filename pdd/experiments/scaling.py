"""Growing the synthetic set (notebook 05b): the grown set's settings, and random real
subsets of the same and of larger sizes, each scored by a fresh network; large subsets get
a step budget instead of the evaluation protocol's epochs. `pdd.analyses.scaling` places
them on the curve against the full-data reference."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd
import torch
from torch import nn

from pdd.config.context import Context
from pdd.config.sections.scaling import Scaling
from pdd.core.augment import DiffAugment
from pdd.core.evaluate import splits_scoring
from pdd.core.scoring import ScoreJob, run_jobs
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data.splits import sample_per_class
from pdd.data.tensors import Splits
from pdd.experiments.plan import Settings
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


def grown_settings(settings: Settings, scaling: Scaling) -> Settings:
    """The settings of the grown set: the `scaling` section's stages, sizes, iterations and
    (MTT's) images per unrolled step."""
    stages = {"stages": scaling.stages, "ipc_per_stage": scaling.ipc_per_stage}
    grown = settings.varied("distill", **stages).varied("mtt", batch_syn=scaling.batch_syn)
    return grown.with_iterations(scaling.iterations)
