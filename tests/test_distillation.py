"""Notebook 02's tables and figure of one distilled schedule."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from pdd.analyses.distillation import (
    distillation_figure,
    published_distill_seconds,
    schedule_metrics,
    stage_table,
    take_history,
)
from pdd.core.synthetic import SyntheticStage
from pdd.experiments.plan import DistillRun, distill_runs


def stage(number: int, lr: float) -> SyntheticStage:
    history = [{"iteration": 0, "loss": 2.0}, {"iteration": 1, "loss": 1.0, "val_acc": 40.0}]
    info = {
        "stage": number,
        "history": history,
        "best_val": 40.0 + number,
        "best_iteration": 1,
        "iterations": 2 if number == 1 else 1,
        "still_improving": number == 2,
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


def test_metrics_keep_every_runs_seed_experts_and_stages():
    stages = [stage(1, 0.01), stage(2, 0.02)]
    take_history(stages)
    run = DistillRun(index=1, seed=123, experts=(0, 2))
    metrics = schedule_metrics("progressive", {run: stages})
    assert metrics["schedule"] == "progressive"
    (entry,) = metrics["runs"]
    assert (entry["run"], entry["seed"], entry["experts"]) == (1, 123, [0, 2])
    assert entry["stages"][1] == {
        "stage": 2,
        "ipc": 2,
        "lr": 0.02,
        "best_val": 42.0,
        "best_iteration": 1,
        "iterations": 1,
        "still_improving": True,
        "seconds": 3.5,
    }
    table = stage_table(metrics)
    assert table.still_improving.tolist() == [False, True] and set(table.run) == {1}
    older = {"runs": [{"run": 0, "stages": [{"stage": 1, "seconds": 1.0}]}]}
    assert stage_table(older).to_dict("records") == [{"run": 0, "stage": 1, "seconds": 1.0}]
    assert published_distill_seconds(metrics) == [sum(s["seconds"] for s in entry["stages"])]


def test_figure_has_the_loss_and_the_selection_panel():
    stages = [stage(1, 0.01)]
    fig = distillation_figure(take_history(stages), "union")
    loss, selection = fig.axes[:2]
    assert loss.get_yscale() == "log" and "union" in loss.get_title()
    assert selection.get_ylabel() == "val acc (%)"


def runs_params(runs: int, pool: int, per_run: int | None) -> SimpleNamespace:
    return SimpleNamespace(
        common=SimpleNamespace(seed=0),
        buffers=SimpleNamespace(num_experts=pool),
        distill=SimpleNamespace(runs=runs, experts_per_run=per_run),
    )


def test_every_run_has_its_own_seed_and_draw_of_experts():
    runs = distill_runs(runs_params(3, 8, 6))
    assert [run.index for run in runs] == [0, 1, 2] and [r.folder for r in runs][0] == "run0"
    assert len({run.seed for run in runs}) == 3
    assert all(len(run.experts) == 6 and len(set(run.experts)) == 6 for run in runs)
    assert all(list(run.experts) == sorted(run.experts) for run in runs)
    assert len({run.experts for run in runs}) > 1  # not the same six every time
    assert distill_runs(runs_params(3, 8, 6), 2) == runs[:2]  # run r is run r everywhere
    assert runs[1].pick(list("abcdefgh")) == [list("abcdefgh")[i] for i in runs[1].experts]
    (everyone,) = distill_runs(runs_params(1, 4, None))
    assert everyone.experts == (0, 1, 2, 3)
