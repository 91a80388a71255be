"""A base method alone and under PDD (notebook 04): the method run once at the total IPC
(the `union` schedule) against the same method in progressive stages, each in several
independent runs, both scored under the two protocols and every recipe of notebook 03.
`pdd.analyses.methods` compares them run by run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pdd.config.context import Context
from pdd.core.evaluate import score_runs
from pdd.core.synthetic import SyntheticStage
from pdd.core.trajectory import Trajectory
from pdd.experiments import scoring
from pdd.experiments.plan import DistillRun, Settings
from pdd.experiments.runs import distill_schedule
from pdd.progressive.schedule import ALONE_AND_PDD

if TYPE_CHECKING:
    from pdd.config.schema import Params


def distill_schedules(
    params: Params,
    ctx: Context,
    *,
    method: str,
    runs: list[DistillRun],
    experts: list[Trajectory],
    artifacts: str | Path,
    out_dir: Path,
) -> dict[str, list[list[SyntheticStage]]]:
    """`method` alone and under PDD in every run of `runs`, each from its own draw of
    `experts`, run r saved into `out_dir/<schedule>/run<r>` (resumable work folders
    `methods-<method>-<schedule>-run<r>`): schedule -> its runs."""
    settings = Settings.of(params, method)
    sets = {}
    for schedule in ALONE_AND_PDD:
        distilled = distill_schedule(
            params,
            ctx,
            schedule=schedule,
            runs=runs,
            experts=experts,
            artifacts=artifacts,
            work_name=f"methods-{method}-{schedule}",
            out_dir=out_dir / schedule,
            settings=settings,
        )
        sets[schedule] = list(distilled.values())
    return sets


def score_schedules(
    sets: dict[str, list[list[SyntheticStage]]], ctx: Context, params: Params
) -> pd.DataFrame:
    """Every run of both schedules under both protocols and every recipe, on
    `methods.num_seeds` networks per run (the seeds every comparison shares)."""
    seeds = scoring.eval_seeds(params.common.seed, params.methods.num_seeds)
    scorings = scoring.comparison_scorings(ctx, params)
    return pd.DataFrame(score_runs(sets, scorings, seeds))
