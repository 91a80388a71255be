"""The expert trajectory buffers as a stage: their training settings, the key of their
resumable state, and publishing the finished experts with their accuracy, which is the
project's full-data reference."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from pdd.config.sections.buffers import Buffers
from pdd.config.sections.common import Common
from pdd.config.sections.eval import Eval
from pdd.core.buffers import ExpertConfig, expert_path, load_buffers
from pdd.core.trajectory import Trajectory


def buffers_key(
    common: Common, evals: Eval, net: dict[str, Any], config: ExpertConfig
) -> dict[str, Any]:
    """Everything that shapes an expert, so the resumable state is kept apart per setting
    (the experts train with the evaluation's DSA)."""
    return {
        "dataset": common.dataset,
        "seed": common.seed,
        "net": net,
        "config": config,
        "zca": common.zca,
        "val": common.val_per_class,
        "dsa": [evals.dsa, evals.dsa_strategy, evals.dsa_flip],
    }


def publish_experts(work: Path, out_dir: Path, num_experts: int) -> list[Trajectory]:
    """Copy every finished expert from `work` to `out_dir` and return them; an expert
    missing or unfinished is an error (raised before anything is copied)."""
    experts = load_buffers(work, num_experts)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index in range(num_experts):
        shutil.copyfile(expert_path(work, index), expert_path(out_dir, index))
    return experts


def experts_table(experts: list[Trajectory]) -> pd.DataFrame:
    """One row per expert: its index, seed and final accuracy (val_acc, test_acc)."""
    return pd.DataFrame(
        [
            {
                "expert": i,
                "seed": t.seed,
                "val_acc": t.metrics["val_acc"],
                "test_acc": t.metrics["test_acc"],
            }
            for i, t in enumerate(experts)
        ]
    )


def experts_curve(experts: list[Trajectory]) -> pd.DataFrame:
    """One row per expert and epoch (1 = after the first epoch): its validation and test
    accuracy, where the windows MTT matches sit on the way to the experts' final accuracy."""
    return pd.DataFrame(
        [
            {"expert": i, "epoch": epoch + 1, "val_acc": val, "test_acc": test}
            for i, t in enumerate(experts)
            for epoch, (val, test) in enumerate(
                zip(t.metrics["val_curve"], t.metrics["test_curve"], strict=True)
            )
        ]
    )


def curve_figure(curve: pd.DataFrame) -> Figure:
    """The experts' test accuracy by epoch (mean and spread over experts)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    sns.lineplot(data=curve, x="epoch", y="test_acc", errorbar="sd", marker="o", ax=ax)
    ax.set(xlabel="epoch (full passes over the training split)", ylabel="test accuracy (%)")
    ax.set_title("experts on real data")
    return fig


def buffers_metrics(table: pd.DataFrame, *, dataset: str, buffers: Buffers) -> dict[str, Any]:
    """The buffers' metrics.json: the experts' mean final accuracy as the full-data
    reference, with the protocol that produced it."""
    real_images = buffers.examples_per_epoch or "all the"
    return {
        "dataset": dataset,
        "full_data_reference": {
            "test_mean": table.test_acc.mean(),
            "test_std": table.test_acc.std(ddof=0),  # population std, as the papers report
            "val_mean": table.val_acc.mean(),
            "n": buffers.num_experts,
            "what": f"experts after {buffers.epochs} epochs of {real_images} training images, "
            f"SGD lr {buffers.lr_teacher}, no momentum",
        },
    }
