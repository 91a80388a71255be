"""The paper's headline: PDD's progressive sets against MTT's one-stage union at the same total
images per class, between random real images and full data, every schedule distilled in
several independent runs. Every run of every schedule is scored under both protocols
(`paper`, `equal`: `pdd.experiments.scoring`) and every recipe, and also as a fresh network
on the union at `eval.epochs` (`scratch`, the default recipe) by `pdd.experiments.headline`;
here the tables and metrics, the comparisons between schedules paired by run and
evaluation seed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdd.analyses.protocols import records
from pdd.config.sections.distill import Distill
from pdd.experiments.scoring import equal_steps

if TYPE_CHECKING:
    from pdd.config.schema import Params

RANDOM_REAL = "random real"
FULL_DATA = "full data (experts)"
SUMMARY = ("test_mean", "test_std", "n")  # the columns of every headline row
# The schedules' comparisons: PDD against the base method alone, and against stages that
# ignore each other.
PAIRS = (("progressive", "union"), ("progressive", "sequential"))


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule; `union` is the base method run once (MTT)."""
    return {
        "union": f"{method.upper()} (union, one stage)",
        "sequential": "sequential stages",
        "progressive": "PDD (progressive)",
    }


def total_ipc(distill: Distill) -> int:
    """Images per class of every schedule's final set."""
    return distill.stages * distill.ipc_per_stage


def headline_rows(
    table: pd.DataFrame,
    *,
    distill: Distill,
    random_real: Mapping[str, Any],
    reference: Mapping[str, Any],
    protocol: str,
    recipe: str = "default",
) -> list[dict[str, Any]]:
    """Rows (method, test_mean, test_std, n) of one protocol and recipe: random real at the
    same total IPC (when the baselines measured it; std over seeds), every schedule (mean
    and std over its runs, n = runs), then full data. `table`: `protocols.summary`;
    `random_real`: the baselines' `random_real` metrics; `reference`: the buffers'
    `full_data_reference`."""
    rows = []
    baseline = random_real.get(f"ipc{total_ipc(distill)}")
    if baseline is not None:
        rows.append({"method": RANDOM_REAL, **{k: baseline[k] for k in SUMMARY}})
    labels = schedule_labels(distill.method)
    chosen = table[(table.protocol == protocol) & (table.recipe == recipe)].set_index("set")
    for name in distill.schedules:
        row = chosen.loc[name]
        rows.append(
            {
                "method": labels[name],
                "test_mean": float(row.test_mean),
                "test_std": float(row.test_std_runs) if row.runs > 1 else float(row.test_std_seeds),
                "n": int(row.runs),
            }
        )
    rows.append({"method": FULL_DATA, **{k: reference[k] for k in SUMMARY}})
    return rows


def by_method(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["method"]: {k: row[k] for k in SUMMARY} for row in rows}


def headline_metrics(
    rows: Mapping[str, list[dict[str, Any]]],
    table: pd.DataFrame,
    compared: pd.DataFrame,
    *,
    params: Params,
    runs: int,
    seeds: int,
) -> dict[str, Any]:
    """The evaluate stage's metrics.json. `rows`: headline rows by protocol (default
    recipe); `table`: the summary of every set, protocol and recipe; `compared`: the
    paired comparisons. `headline` is the paper protocol's table, `headline_equal` the
    equal one's; `pdd_minus_mtt(_equal)` the paired gap of PDD over the one-stage union."""
    distill, evaluate = params.distill, params.evaluate
    scratch = table[table.protocol == "scratch"].set_index("set")
    metrics = {
        "dataset": params.common.dataset,
        "total_ipc": total_ipc(distill),
        "stages": distill.stages,
        "runs": runs,
        "seeds_per_run": seeds,
        "protocols": {
            "paper": {"stage_epochs": evaluate.stage_epochs},
            "equal": {"steps": equal_steps(params)},
        },
        "recipes": list(evaluate.recipes),
        "headline": by_method(rows["paper"]),
        "headline_equal": by_method(rows["equal"]),
        "union_from_scratch": {
            name: {"test_mean": float(row.test_mean), "test_std": float(row.test_std_seeds)}
            for name, row in scratch.iterrows()
        },
        "summary": records(table),
        "comparisons": records(compared),
        "eval": {"dsa": params.eval.dsa, "epochs": params.eval.epochs},
    }
    gap = compared[compared.comparison == "progressive − union"]
    for protocol, key in (("paper", "pdd_minus_mtt"), ("equal", "pdd_minus_mtt_equal")):
        chosen = gap[(gap.protocol == protocol) & (gap.recipe == "default")]
        if len(chosen):
            metrics[key] = float(chosen.delta.iloc[0])
    return metrics


def with_result(headline: pd.DataFrame) -> pd.DataFrame:
    """The table with a `result` column "mean ± std" (two decimals) for reading."""
    return headline.assign(
        result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
    )
