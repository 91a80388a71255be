"""The one way a stage distills a schedule: for each run, plan it from the settings, run
the PDD driver (resumable in its work folder) and save the run's stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from pdd.config.context import Context
from pdd.core.synthetic import SyntheticStage, save_stages
from pdd.core.trajectory import Trajectory
from pdd.data.tensors import Splits
from pdd.experiments.plan import DistillRun, Settings, plan_schedule
from pdd.progressive.driver import run_schedule

if TYPE_CHECKING:
    from pdd.config.schema import Params


def distill_schedule(
    params: Params,
    ctx: Context,
    *,
    schedule: str,
    runs: list[DistillRun],
    experts: list[Trajectory],
    artifacts: str | Path,
    work_name: str,
    out_dir: Path | None = None,
    settings: Settings | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
) -> dict[DistillRun, list[SyntheticStage]]:
    """Distil `schedule` in every run of `runs`, each from its own draw of `experts`, and
    save run r's stages into `out_dir/run<r>` (None: keep them in the work folder only).

    `settings`, `stage_ipcs`: as `plan_schedule`; `later_data`, `keep_learned`: as
    `pdd.progressive.setup.StageSetup`. The per-iteration histories stay out of the saved
    manifests, and in the returned stages' info."""
    distilled = {}
    for run in runs:
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
            stage_ipcs=stage_ipcs,
        )
        setup = dataclasses.replace(setup, later_data=later_data, keep_learned=keep_learned)
        iterations = setup.distiller.config.iterations
        print(f"{schedule} run {run.index}: stage IPCs {plan.ipcs()}, {iterations} iterations")
        stages = run_schedule(plan, setup, picked, work=work)
        if out_dir is not None:
            save_run(out_dir / run.folder, stages, ctx.data)
        distilled[run] = stages
    return distilled


def save_run(folder: Path, stages: list[SyntheticStage], data: Splits) -> None:
    """Save one run's stages; their manifest leaves the per-iteration histories out (the
    stages passed in keep theirs)."""
    without = [{k: v for k, v in s.info.items() if k != "history"} for s in stages]
    saved = [dataclasses.replace(s, info=info) for s, info in zip(stages, without, strict=True)]
    save_stages(folder, saved, data.spec, data.zca)
