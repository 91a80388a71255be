"""Stage-count ablation points: the main run's total IPC and iteration budget shared out
over P stages, the main run's own sets reused for P = 1 and P = its stage count."""

from __future__ import annotations

import pytest

from pdd.analyses.ablation import (
    StagePoint,
    ablation_metrics,
    reused_folder,
    stage_point,
    varied_distill,
)
from pdd.config.schema import Distill


def distill(**changes) -> Distill:
    settings = {
        "method": "mtt",
        "stages": 2,
        "ipc_per_stage": 2,
        "schedules": ["progressive"],
        "iterations": 6,
        "syn_steps": 2,
        "expert_epochs": 1,
        "max_start_epoch": 1,
        "batch_syn": 4,
        "lr_img": 100.0,
        "lr_lr": 0.01,
        "eval_every": 2,
        "checkpoint_every": 2,
        "select_nets": 1,
        "select_epochs": 1,
        "transition_epochs": 1,
        "unroll": "graph",
    }
    return Distill(**settings | changes)


def test_a_stage_count_shares_images_and_iterations_evenly():
    point = stage_point(4, distill())  # total IPC 4, budget 12
    assert point == StagePoint(4, (1, 1, 1, 1), total_ipc=4, budget=12)
    assert (point.count, point.iterations, point.uniform) == (4, 3, True)
    assert point.planned_ipcs == ()  # an even split plans from stages × ipc_per_stage
    assert point.describe() == "P=4: IPC 1+1+1+1, 3 iterations each"


def test_a_split_keeps_its_uneven_sizes():
    point = stage_point("1-3", distill())
    assert (point.count, point.uniform, point.planned_ipcs) == (2, False, (1, 3))
    assert point.sizes == "1+3" and point.iterations == 6


def test_a_count_that_does_not_divide_the_budget_is_refused():
    with pytest.raises(ValueError, match=r"P=4 must divide the iteration budget \(10\)"):
        stage_point(4, distill(iterations=5))
    with pytest.raises(ValueError, match="ablation.stage_counts"):
        stage_point(3, distill())  # 3 does not divide the total IPC 4


@pytest.mark.parametrize(
    ("item", "expected"),
    [(1, "distill/union"), (2, "distill/progressive"), (4, None), ("2-2", None)],
)
def test_only_the_main_runs_own_schedules_are_reused(item, expected):
    assert reused_folder(stage_point(item, distill()), main_stages=2) == expected


def test_the_varied_section_changes_only_the_schedule():
    base = distill()
    varied = varied_distill(stage_point(4, base), base)
    assert (varied.stages, varied.ipc_per_stage, varied.iterations) == (4, 1, 3)
    assert varied.model_dump() | {"stages": 2, "ipc_per_stage": 2, "iterations": 6} == (
        base.model_dump()
    )
    assert (base.stages, base.iterations) == (2, 6)  # the main run's section is untouched


def test_metrics_name_the_point_then_its_score():
    final = {"set": "distilled here", "test_mean": 50.0}
    even = ablation_metrics(stage_point(2, distill()), final)
    assert even == {
        "P": 2,
        "ipc_per_stage": 2,
        "stage_ipcs": [2, 2],
        "iterations_per_stage": 6,
        "set": "distilled here",
        "test_mean": 50.0,
    }
    assert ablation_metrics(stage_point("1-3", distill()), final)["ipc_per_stage"] is None
