"""Tables of a base method alone and under PDD (notebook 04; the runs and scores:
`pdd.experiments.methods`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pdd.analyses import protocols
from pdd.analyses.labels import schedule_labels
from pdd.core.synthetic import SyntheticStage, distill_seconds
from pdd.progressive.schedule import ALONE_AND_PDD


def mean_distill_seconds(sets: dict[str, list[list[SyntheticStage]]]) -> dict[str, float]:
    """Seconds of distillation per schedule: the mean over its runs of their stages' sum."""
    return {
        name: sum(distill_seconds(stages) for stages in runs) / len(runs)
        for name, runs in sets.items()
    }


def results_table(
    table: pd.DataFrame, seconds: dict[str, float], *, method: str
) -> dict[str, dict[str, Any]]:
    """Per schedule (by its label): the paper protocol's default-recipe test accuracy (mean
    and std over runs, n = runs), every protocol and recipe, and its distillation seconds.
    `table`: `protocols.summary` of the final rows."""
    labels = schedule_labels(method)
    results = {}
    for name in ALONE_AND_PDD:
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
