"""The mechanism check's tables and figure (notebook 02): per stage, where its windows sit
against the set's own accuracy, and its final matching loss against the floor, with the
verdict of `pdd.progressive.mechanism.LEARNED_RULE`."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from pdd.progressive.mechanism import LEARNED_RULE


def stage_verdicts(checks: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """One row per run and stage: its windows' mean start and end accuracy, the accuracy
    of the trajectories' starts, the set's own validation accuracy (`stages`: the
    notebook's stage table, `best_val`), the first and final loss, the mean floor, how far the
    student moved, the new images' share, and whether it learned."""
    per_stage = checks.groupby(["run", "stage"], sort=True).agg(
        starts_val_acc=("starts_val_acc", "first"),
        window_start_val_acc=("start_val_acc", "mean"),
        window_end_val_acc=("end_val_acc", "mean"),
        first_loss=("first_loss", "first"),
        final_loss=("final_loss", "first"),
        floor=("floor", "mean"),
        step_ratio=("step_ratio", "mean"),
        new_share=("new_share", "mean"),
        learned=("learned", "first"),
    )
    own = stages.set_index(["run", "stage"])[["best_val"]].rename(
        columns={"best_val": "set_val_acc"}
    )
    return per_stage.join(own).reset_index()


def mechanism_summary(verdicts: pd.DataFrame) -> dict[str, Any]:
    """For metrics.json: the rule, and per stage the share of runs whose stage learned."""
    share = verdicts.groupby("stage").learned.mean()
    return {
        "rule": LEARNED_RULE,
        "learned_share_by_stage": {int(k): float(v) for k, v in share.items()},
        "later_stages_learned": bool(verdicts[verdicts.stage > 1].learned.all())
        if (verdicts.stage > 1).any()
        else None,
    }


def mechanism_figure(verdicts: pd.DataFrame, schedule: str) -> Figure:
    """Left: per stage, the windows' start and end accuracy beside the set's own (mean over
    runs). Right: the final matching loss beside its first (the stage's start), its floor
    and 1 (a student that does not move); a hollow marker: the stage did not learn."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    mean = verdicts.groupby("stage").mean(numeric_only=True)
    for column, label, marker in (
        ("window_start_val_acc", "window start", "o"),
        ("window_end_val_acc", "window end", "s"),
        ("set_val_acc", "the set (union so far)", "^"),
    ):
        left.plot(mean.index, mean[column], marker=marker, label=label)
    left.set(xlabel="stage", ylabel="validation accuracy (%)", title=f"{schedule}: where it learns")
    left.legend(fontsize="small")
    for learned, rows in verdicts.groupby("learned"):
        right.scatter(
            rows.stage,
            rows.final_loss,
            facecolors="C0" if learned else "none",
            edgecolors="C0",
            label="final loss (learned)" if learned else "final loss (did not learn)",
        )
    right.plot(
        mean.index, mean.first_loss, color="C1", marker="x", linestyle=":", label="first loss"
    )
    right.plot(mean.index, mean.floor, color="C3", marker="_", linestyle="--", label="floor")
    right.axhline(1.0, color="grey", linewidth=0.8, label="no move")
    right.set(xlabel="stage", ylabel="normalised matching loss", title="loss and its floor")
    right.legend(fontsize="small")
    for ax in (left, right):
        ax.set_xticks(sorted(mean.index))
    return fig
