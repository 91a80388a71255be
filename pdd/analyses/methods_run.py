"""A base method alone and under PDD (notebook 04): the method run once at the total IPC
(the `union` schedule) against the same method in progressive stages, both scored the
progressive way."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pdd.analyses.variant_run import save_without_history
from pdd.config.context import Context
from pdd.config.distill_plan import plan_schedule
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import progressive_evaluation
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import SyntheticStage
from pdd.core.trajectory import Trajectory

SCHEDULES = ("union", "progressive")


def distil_schedule(
    params: Any,
    ctx: Context,
    *,
    method: str,
    schedule: str,
    experts: list[Trajectory],
    artifacts: str | Path,
    out_dir: Path,
) -> list[SyntheticStage]:
    """Distil `method` on one schedule into `out_dir/schedule` (resumable work folder
    `methods-<method>-<schedule>`) and save its stages."""
    plan, setup, work = plan_schedule(
        params,
        ctx,
        method=method,
        schedule=schedule,
        experts=experts,
        work_name=f"methods-{method}-{schedule}",
        artifacts=artifacts,
    )
    iterations = setup.distiller.config.iterations
    print(f"{method} {schedule}: stage IPCs {plan.ipcs()}, {iterations} iterations")
    stages = run_schedule(plan, setup, experts, folder=out_dir / schedule, work=work)
    save_without_history(out_dir / schedule, stages, ctx.data)
    return stages


def distil_schedules(
    params: Any, ctx: Context, *, method: str, artifacts: str | Path, out_dir: Path
) -> dict[str, list[SyntheticStage]]:
    """`method` alone and under PDD (see `distil_schedule`), from the saved experts."""
    experts = load_buffers(Path(artifacts) / "buffers", params.buffers.num_experts)
    return {
        schedule: distil_schedule(
            params,
            ctx,
            method=method,
            schedule=schedule,
            experts=experts,
            artifacts=artifacts,
            out_dir=out_dir,
        )
        for schedule in SCHEDULES
    }


def distill_seconds(sets: dict[str, list[SyntheticStage]]) -> dict[str, float]:
    """Seconds of distillation per schedule, summed over its stages."""
    return {name: sum(s.info["seconds"] for s in stages) for name, stages in sets.items()}


def progressive_rows(
    sets: dict[str, list[SyntheticStage]],
    ctx: Context,
    *,
    method: str,
    stage_epochs: int,
    seeds: Sequence[int],
) -> pd.DataFrame:
    """The progressive evaluation of every schedule's set, one row per (schedule, seed,
    stage), `stage_epochs` per stage."""
    config = dataclasses.replace(ctx.eval_config, epochs=stage_epochs)
    rows = []
    for name, stages in sets.items():
        for row in progressive_evaluation(
            stages,
            make_model=ctx.make_model,
            config=config,
            seeds=seeds,
            data=ctx.data,
            augment=ctx.augment,
        ):
            rows.append({"method": method, "schedule": name, **row})
    return pd.DataFrame(rows)


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule."""
    return {"union": f"{method.upper()} alone", "progressive": f"PDD + {method.upper()}"}


def results_table(
    progressive: pd.DataFrame, seconds: dict[str, float], *, method: str
) -> dict[str, dict[str, Any]]:
    """Per schedule (by its label): test accuracy after its last stage over the seeds, and
    its distillation seconds."""
    last = progressive[progressive.stage == progressive.groupby("schedule").stage.transform("max")]
    labels = schedule_labels(method)
    table = {}
    for name in SCHEDULES:
        accs = last[last.schedule == name].test_acc
        table[labels[name]] = {
            "test_mean": accs.mean(),
            "test_std": accs.std(ddof=0),
            "n": len(accs),
            "distill_seconds": seconds[name],
        }
    return table


def method_metrics(
    table: dict[str, dict[str, Any]],
    *,
    method: str,
    dataset: str,
    stages: int,
    ipc_per_stage: int,
    factor: int,
) -> dict[str, Any]:
    """metrics.json of one method: the setting, both rows, and PDD's gain over the method
    alone (in accuracy points)."""
    labels = schedule_labels(method)
    return {
        "method": method,
        "dataset": dataset,
        "total_ipc": stages * ipc_per_stage,
        "stages": stages,
        "factor": factor,
        "results": table,
        "pdd_minus_alone": table[labels["progressive"]]["test_mean"]
        - table[labels["union"]]["test_mean"],
    }
