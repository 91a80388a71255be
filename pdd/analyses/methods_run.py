"""A base method alone and under PDD (notebook 04): the method run once at the total IPC
(the `union` schedule) against the same method in progressive stages, each in several
independent runs, both scored under the two protocols and every recipe of notebook 03 and
compared run by run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pdd.analyses import protocols
from pdd.analyses.cross_arch import eval_seeds
from pdd.analyses.variant_run import save_without_history
from pdd.config.context import Context
from pdd.config.distill_plan import DistillRun, distill_runs, plan_schedule
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import score_runs
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
    run: DistillRun,
    artifacts: str | Path,
    out_dir: Path,
) -> list[SyntheticStage]:
    """Distil `method` on one schedule in one run into `out_dir/<schedule>/run<r>`
    (resumable work folder `methods-<method>-<schedule>-run<r>`) and save its stages."""
    plan, setup, work = plan_schedule(
        params,
        ctx,
        method=method,
        schedule=schedule,
        experts=run.pick(experts),
        work_name=f"methods-{method}-{schedule}",
        artifacts=artifacts,
        run=run,
    )
    iterations = setup.distiller.config.iterations
    print(f"{method} {schedule} run {run.index}: stage IPCs {plan.ipcs()}, {iterations} its")
    folder = out_dir / schedule / run.folder
    stages = run_schedule(plan, setup, run.pick(experts), folder=folder, work=work)
    save_without_history(folder, stages, ctx.data)
    return stages


def distil_schedules(
    params: Any, ctx: Context, *, method: str, artifacts: str | Path, out_dir: Path
) -> dict[str, list[list[SyntheticStage]]]:
    """`method` alone and under PDD in `methods.runs` runs each (see `distil_schedule`),
    from the saved experts: schedule -> its runs."""
    experts = load_buffers(Path(artifacts) / "buffers", params.buffers.num_experts)
    runs = distill_runs(params, params.methods.runs)
    return {
        schedule: [
            distil_schedule(
                params,
                ctx,
                method=method,
                schedule=schedule,
                experts=experts,
                run=run,
                artifacts=artifacts,
                out_dir=out_dir,
            )
            for run in runs
        ]
        for schedule in SCHEDULES
    }


def distill_seconds(sets: dict[str, list[list[SyntheticStage]]]) -> dict[str, float]:
    """Seconds of distillation per schedule: the mean over its runs of their stages' sum."""
    return {
        name: sum(sum(s.info["seconds"] for s in stages) for stages in runs) / len(runs)
        for name, runs in sets.items()
    }


def score_schedules(
    sets: dict[str, list[list[SyntheticStage]]], ctx: Context, params: Any
) -> pd.DataFrame:
    """Every run of both schedules under both protocols and every recipe, on
    `methods.num_seeds` networks per run (the seeds every comparison shares)."""
    seeds = eval_seeds(params.common.seed, params.methods.num_seeds)
    scorings = protocols.comparison_scorings(ctx, params)
    return pd.DataFrame(score_runs(sets, scorings, seeds))


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule."""
    return {"union": f"{method.upper()} alone", "progressive": f"PDD + {method.upper()}"}


def results_table(
    table: pd.DataFrame, seconds: dict[str, float], *, method: str
) -> dict[str, dict[str, Any]]:
    """Per schedule (by its label): the paper protocol's default-recipe test accuracy (mean
    and std over runs, n = runs), every protocol and recipe, and its distillation seconds.
    `table`: `protocols.summary` of the final rows."""
    labels = schedule_labels(method)
    results = {}
    for name in SCHEDULES:
        rows = table[table.set == name]
        paper = rows[(rows.protocol == "paper") & (rows.recipe == "default")].iloc[0]
        results[labels[name]] = {
            "test_mean": float(paper.test_mean),
            "test_std": float(paper.test_std_runs if paper.runs > 1 else paper.test_std_seeds),
            "n": int(paper.runs),
            "by_protocol": {
                f"{row.protocol}/{row.recipe}": {
                    "test_mean": float(row.test_mean),
                    "test_std_runs": protocols.number(row.test_std_runs),
                    "runs": int(row.runs),
                    "steps": int(row.steps),
                }
                for row in rows.itertuples()
            },
            "distill_seconds": seconds[name],
        }
    return results


def method_metrics(
    table: dict[str, dict[str, Any]],
    compared: pd.DataFrame,
    *,
    method: str,
    dataset: str,
    stages: int,
    ipc_per_stage: int,
    factor: int,
) -> dict[str, Any]:
    """metrics.json of one method: the setting, both rows, the paired comparisons of PDD
    against the method alone, and PDD's paired gain (points) under each protocol with the
    default recipe."""
    metrics = {
        "method": method,
        "dataset": dataset,
        "total_ipc": stages * ipc_per_stage,
        "stages": stages,
        "factor": factor,
        "results": table,
        "comparisons": protocols.records(compared),
    }
    for protocol, key in (("paper", "pdd_minus_alone"), ("equal", "pdd_minus_alone_equal")):
        chosen = compared[(compared.protocol == protocol) & (compared.recipe == "default")]
        if len(chosen):
            metrics[key] = float(chosen.delta.iloc[0])
    return metrics
