"""Notebook 02's tables and figure of one distilled schedule."""

from __future__ import annotations

import torch

from pdd.analyses.distillation import distillation_figure, schedule_metrics, take_history
from pdd.core.synthetic import SyntheticStage


def stage(number: int, lr: float) -> SyntheticStage:
    history = [{"iteration": 0, "loss": 2.0}, {"iteration": 1, "loss": 1.0, "val_acc": 40.0}]
    info = {
        "stage": number,
        "history": history,
        "best_val": 40.0 + number,
        "best_iteration": 1,
        "seconds": 3.5,
    }
    labels = torch.tensor([0, 0, 1, 1])
    return SyntheticStage(torch.zeros(4, 1, 2, 2), labels, lr, info)


def test_history_is_tagged_by_stage_and_leaves_the_stages():
    stages = [stage(1, 0.01), stage(2, 0.02)]
    history = take_history(stages)
    assert list(history.stage) == [1, 1, 2, 2]
    assert history.val_acc.notna().sum() == 2
    assert all("history" not in s.info for s in stages)


def test_metrics_keep_each_stage_ipc_step_size_and_selection():
    stages = [stage(1, 0.01), stage(2, 0.02)]
    take_history(stages)
    metrics = schedule_metrics("progressive", stages)
    assert metrics["schedule"] == "progressive"
    assert metrics["stages"][1] == {
        "stage": 2,
        "ipc": 2,
        "lr": 0.02,
        "best_val": 42.0,
        "best_iteration": 1,
        "seconds": 3.5,
    }


def test_figure_has_the_loss_and_the_selection_panel():
    stages = [stage(1, 0.01)]
    fig = distillation_figure(take_history(stages), "union")
    loss, selection = fig.axes[:2]
    assert loss.get_yscale() == "log" and "union" in loss.get_title()
    assert selection.get_ylabel() == "val acc (%)"
