"""What a distilled set has to beat, as tables: the random real subsets' scores
(`pdd.experiments.baselines`) summarised per IPC, and the baselines' metrics."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pdd.config.sections.eval import Eval
from pdd.config.sections.net import Net


def subset_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per IPC: mean and population std of test accuracy, mean validation accuracy, the
    number of draws and the mean training time."""
    return results.groupby("ipc").agg(
        test_mean=("test_acc", "mean"),
        test_std=("test_acc", lambda s: s.std(ddof=0)),
        val_mean=("val_acc", "mean"),
        n=("test_acc", "size"),
        seconds_per_run=("train_seconds", "mean"),
    )


def baselines_metrics(
    summary: pd.DataFrame, *, dataset: str, net: Net, parameters: int, evals: Eval
) -> dict[str, Any]:
    """The baselines' metrics.json: the network, the protocol and the random-real scores
    per IPC (keys `ipc<k>`)."""
    return {
        "dataset": dataset,
        "net": {"name": net.name, "width": net.width, "norm": net.norm, "parameters": parameters},
        "eval": {
            "epochs": evals.epochs,
            "lr": evals.lr,
            "dsa": evals.dsa,
            "seeds": evals.num_seeds,
        },
        "random_real": {
            f"ipc{ipc}": {
                "test_mean": row.test_mean,
                "test_std": row.test_std,
                "val_mean": row.val_mean,
                "n": int(row.n),
            }
            for ipc, row in summary.iterrows()
        },
    }
