"""The mechanism check of a distilled schedule (notebook 02): for every run and stage, the
windows its student matched, where they sit (the validation accuracy of their start and
end), how far the student moved and by whose push, its final matching loss and the floor
(`pdd.progressive.mechanism`). A stage's trajectories are rebuilt as the driver built them:
the run's experts, then for PDD the transitions, found in the run's work folder (their
networks and trajectories are kept under fingerprints, so nothing is trained again)."""

from __future__ import annotations

from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdd.config.context import Context, expert_config
from pdd.core.synthetic import SyntheticStage
from pdd.core.trajectory import Trajectory
from pdd.experiments.plan import DistillRun, Settings, plan_schedule
from pdd.infra.runtime import derive_seed
from pdd.progressive.mechanism import (
    StageStudent,
    sample_windows,
    stage_check,
    window_accuracy,
)
from pdd.progressive.setup import StageSetup
from pdd.progressive.transition import transition

if TYPE_CHECKING:
    from pdd.config.schema import Params


def check_schedule(
    params: Params,
    ctx: Context,
    *,
    schedule: str,
    distilled: dict[DistillRun, list[SyntheticStage]],
    experts: list[Trajectory],
    artifacts: str | Path,
    work_name: str,
    settings: Settings,
) -> pd.DataFrame:
    """One row per run, stage and window (`distill.mechanism_windows` a stage). Call it
    before the stages' histories are taken (their final losses come from them)."""
    rows = []
    for run, stages in distilled.items():
        picked = run.pick(experts)
        plan, setup, work = plan_schedule(
            params,
            ctx,
            schedule=schedule,
            experts=picked,
            work_name=work_name,
            artifacts=artifacts,
            run=run,
            settings=settings,
        )
        checked = _check_run(params, ctx, plan.name, setup, work, stages, picked, run)
        rows += [{"run": run.index, **row} for row in checked]
    return pd.DataFrame(rows)


def _check_run(
    params: Params,
    ctx: Context,
    schedule: str,
    setup: StageSetup,
    work: Path,
    stages: list[SyntheticStage],
    experts: list[Trajectory],
    run: DistillRun,
) -> list[dict[str, Any]]:
    """The rows of one run's stages, walking its transitions as the driver did."""
    config = setup.distiller.config
    progressive = schedule == "progressive"
    trajectories, starts, real = experts, [t.params[0] for t in experts], setup.real_data(0)
    experts_config = expert_config(params.buffers)  # the original experts' SGD
    cache = work.parent / "floors"  # shared by every schedule, run and budget
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(len(stages)):
        if index > 0 and not progressive:
            real = setup.real_data(index)
        windows = sample_windows(
            len(trajectories),
            config.max_start_epoch,
            params.distill.mechanism_windows,
            derive_seed(run.seed, "mechanism", index),
        )
        checked = stage_check(
            StageStudent.of(stages, index, progressive=progressive),
            trajectories,
            windows,
            real,
            setup.experts if progressive and index > 0 else experts_config,
            setup.make_model,
            config,
            augment=setup.augment,
            seed=derive_seed(run.seed, "mechanism-stage", index),
            cache=cache,
        )
        starts_acc = fmean(
            window_accuracy(setup.make_model, t, 0, ctx.data.val_x, ctx.data.val_y)
            for t in trajectories
        )
        rows += [{"stage": index + 1, "starts_val_acc": starts_acc, **row} for row in checked]
        if progressive and index + 1 < len(stages):
            starts = starts[: setup.transition_starts]
            starts, trajectories, real = transition(setup, stages[: index + 1], starts, index, work)
    return rows
