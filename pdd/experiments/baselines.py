"""What a distilled set has to beat: class-balanced random subsets of the real training
split, each scored by a fresh network trained with the evaluation protocol (notebook 00).
`pdd.analyses.baselines` summarises the scores per IPC."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import torch
from torch import nn

from pdd.core.augment import DiffAugment
from pdd.core.evaluate import splits_scoring
from pdd.core.scoring import ScoreJob, run_jobs
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data.splits import sample_per_class
from pdd.data.tensors import Splits
from pdd.infra.runtime import derive_seed


def random_subset_scores(
    data: Splits,
    ipcs: Sequence[int],
    *,
    draws: int,
    seed: int,
    dataset: str,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    augment: DiffAugment | None,
) -> pd.DataFrame:
    """One row per (IPC, draw): a subset drawn with its own derived seed (which also seeds
    its network), scored on test and on validation; all draws run over the workers."""
    runs = [
        (ipc, derive_seed(seed, "baselines", ipc, draw)) for ipc in ipcs for draw in range(draws)
    ]
    scoring = splits_scoring(data, make_model=make_model, config=config, augment=augment)
    jobs = [
        ScoreJob([subset(data, ipc, run_seed, config.lr)], run_seed, scoring)
        for ipc, run_seed in runs
    ]
    rows = []
    for (ipc, run_seed), scored in zip(runs, run_jobs(jobs), strict=True):
        test_acc, val_acc = scored[-1]["test_acc"], scored[-1]["val_acc"]
        rows.append(
            {
                "dataset": dataset,
                "method": "random real",
                "ipc": ipc,
                "seed": run_seed,
                "test_acc": test_acc,
                "val_acc": val_acc,
                "train_seconds": scored[-1]["seconds"],
            }
        )
        print(f"IPC {ipc:>3} seed {run_seed}: test {test_acc:.2f} %  val {val_acc:.2f} %")
    return pd.DataFrame(rows)


def subset(data: Splits, ipc: int, seed: int, lr: float) -> SyntheticStage:
    """`ipc` class-balanced random training images per class, drawn with `seed`."""
    picked = sample_per_class(data.train_y.cpu(), ipc, torch.Generator().manual_seed(seed))
    picked = picked.to(data.train_x.device)
    return SyntheticStage(data.train_x[picked], data.train_y[picked], lr)
