"""What notebook 02 shows of one distilled schedule: its per-iteration history, its
per-stage metrics and the figure of matching loss and validation accuracy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from pdd.core.synthetic import SyntheticStage

# What metrics.json keeps of each stage, besides its IPC and learned step size (sets
# published before a key existed lack it: None).
STAGE_INFO = ("best_val", "best_iteration", "iterations", "still_improving", "seconds")


def take_history(stages: list[SyntheticStage]) -> pd.DataFrame:
    """Every stage's per-iteration history, one row per logged iteration, tagged with its
    stage; the history leaves the stages' info, so the saved manifest stays small."""
    return pd.DataFrame(
        [{"stage": s.info["stage"], **row} for s in stages for row in s.info.pop("history")]
    )


def stage_rows(stages: list[SyntheticStage]) -> list[dict]:
    """Per stage of one run: its IPC, step size, selection and cost."""
    return [
        {
            "stage": s.info["stage"],
            "ipc": s.ipc,
            "lr": s.lr,
            **{k: s.info.get(k) for k in STAGE_INFO},
        }
        for s in stages
    ]


def schedule_metrics(schedule: str, runs: Mapping[Any, list[SyntheticStage]]) -> dict:
    """metrics.json of a schedule: every run (`DistillRun` -> its stages) with its seed,
    its experts and its stages."""
    return {
        "schedule": schedule,
        "runs": [
            {
                "run": run.index,
                "seed": run.seed,
                "experts": list(run.experts),
                "stages": stage_rows(stages),
            }
            for run, stages in runs.items()
        ],
    }


def stage_table(metrics: dict) -> pd.DataFrame:
    """One row per run and stage of a schedule's metrics.json, `still_improving` shown."""
    return pd.DataFrame(
        [{"run": run["run"], **stage} for run in metrics["runs"] for stage in run["stages"]]
    )


def published_distill_seconds(metrics: dict) -> list[float]:
    """Seconds of distillation of each run of a schedule's published metrics.json (one run
    when it predates runs and lists its stages alone); from the stages themselves:
    `pdd.core.synthetic.distill_seconds`."""
    runs = metrics.get("runs", [metrics])
    return [sum(stage["seconds"] for stage in run["stages"]) for run in runs]


def distillation_figure(history: pd.DataFrame, schedule: str) -> Figure:
    """Matching loss (log scale) and validation accuracy at selection, per stage."""
    fig, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained")
    losses = history.dropna(subset=["loss"])
    sns.lineplot(data=losses, x="iteration", y="loss", hue="stage", ax=axes[0], palette="viridis")
    axes[0].set(title=f"{schedule}: matching loss", yscale="log")
    selection = history.dropna(subset=["val_acc"])
    sns.lineplot(
        data=selection,
        x="iteration",
        y="val_acc",
        hue="stage",
        marker="o",
        ax=axes[1],
        palette="viridis",
    )
    axes[1].set(title="validation accuracy (selection)", ylabel="val acc (%)")
    return fig
