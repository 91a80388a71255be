"""Stage-count ablation points: the main run's total IPC and iteration budget shared out
over P stages, the main run's own sets reused for P = 1 and P = its stage count."""

from __future__ import annotations

import pytest

from pdd.analyses.ablation import (
    StagePoint,
    ablation_metrics,
    reused_folder,
    stage_point,
    varied_settings,
)
from pdd.config.sections.distill import Distill
from pdd.config.sections.dm import DM
from pdd.config.sections.matching import Matching
from pdd.config.sections.mtt import MTT
from pdd.experiments.plan import Settings

DISTILL = {
    "method": "mtt",
    "stages": 2,
    "ipc_per_stage": 2,
    "schedules": ["progressive"],
    "eval_every": 2,
    "checkpoint_every": 2,
    "select_nets": 1,
    "select_epochs": 1,
    "transition_epochs": 1,
}
MTT_SECTION = {
    "iterations": 6,
    "syn_steps": 2,
    "expert_epochs": 1,
    "max_start_epoch": 1,
    "batch_syn": 4,
    "lr_img": 100.0,
    "lr_lr": 0.01,
    "unroll": "graph",
}


def distill(**changes) -> Settings:
    """The main run's settings (MTT, 2 stages of IPC 2, 6 iterations each); `changes` to
    its `mtt` section."""
    matching = Matching(
        iterations=2, batch_real=1, lr_img=1.0, lr_net=0.01, net_steps=1, net_batch=1,
        refresh_every=1, idc_factor=1,
    )  # fmt: skip
    dm = DM(iterations=2, batch_real=1, lr_img=1.0)
    return Settings("mtt", Distill(**DISTILL), MTT(**MTT_SECTION | changes), matching, dm)


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


def test_the_varied_settings_change_only_the_schedule_and_iterations():
    base = distill()
    varied = varied_settings(stage_point(4, base), base)
    assert (varied.distill.stages, varied.distill.ipc_per_stage, varied.mtt.iterations) == (4, 1, 3)
    assert varied.distill.model_dump() | {"stages": 2, "ipc_per_stage": 2} == (
        base.distill.model_dump()
    )
    assert varied.mtt.model_dump() | {"iterations": 6} == base.mtt.model_dump()
    assert (base.distill.stages, base.mtt.iterations) == (2, 6)  # the main run's untouched


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
