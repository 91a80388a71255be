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
from pdd.config.budgets import BUDGETS, budget_name, split_budget
from pdd.config.sections.distill import Distill
from pdd.experiments.scoring import PROTOCOLS, equal_steps

if TYPE_CHECKING:
    from pdd.config.schema import Params

RANDOM_REAL = "random real"
FULL_DATA = "full data (experts)"
SUMMARY = ("test_mean", "test_std", "n")  # the columns of every headline row
# The schedules' comparisons under each distillation budget: PDD against the base method
# alone, and against stages that ignore each other. The union is one set under both.
PAIRS = {
    "equal": (("progressive", "union"), ("progressive", "sequential")),
    "paper": (("progressive-paper", "union"), ("progressive-paper", "sequential-paper")),
}


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule, and of each under the paper's budget; `union` is
    the base method run once (MTT)."""
    labels = {
        "union": f"{method.upper()} (union, one stage)",
        "sequential": "sequential stages",
        "progressive": "PDD (progressive)",
    }
    paper = {budget_name(k, "paper"): f"{v}, paper budget" for k, v in labels.items()}
    return labels | {k: v for k, v in paper.items() if k != budget_name("union", "paper")}


def set_names(distill: Distill, budget: str) -> list[str]:
    """The published sets of one budget: every schedule under `equal`; under `paper` the
    schedules of `distill.paper_budget` and the union (its own under both)."""
    if budget == "equal":
        return list(distill.schedules)
    return [
        budget_name(s, "paper") if s in distill.paper_budget else s
        for s in distill.schedules
        if s in distill.paper_budget or s == "union"
    ]


def with_budget(table: pd.DataFrame, column: str = "set") -> pd.DataFrame:
    """`table` with a `budget` column read from its set names (`column`)."""
    return table.assign(budget=table[column].map(lambda name: split_budget(name)[1]))


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
    budget: str = "equal",
    recipe: str = "default",
) -> list[dict[str, Any]]:
    """Rows (method, test_mean, test_std, n) of one protocol, distillation budget and
    recipe: random real at the same total IPC (when the baselines measured it; std over
    seeds), every schedule (mean and std over its runs, n = runs), then full data. `table`:
    `protocols.summary`; `random_real`: the baselines' `random_real` metrics; `reference`:
    the buffers' `full_data_reference`."""
    rows = []
    baseline = random_real.get(f"ipc{total_ipc(distill)}")
    if baseline is not None:
        rows.append({"method": RANDOM_REAL, **{k: baseline[k] for k in SUMMARY}})
    labels = schedule_labels(distill.method)
    chosen = table[(table.protocol == protocol) & (table.recipe == recipe)].set_index("set")
    for name in set_names(distill, budget):
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
    rows: Mapping[tuple[str, str], list[dict[str, Any]]],
    table: pd.DataFrame,
    compared: pd.DataFrame,
    *,
    params: Params,
    runs: int,
    seeds: int,
    regime: str,
) -> dict[str, Any]:
    """The evaluate stage's metrics.json. `rows`: headline rows by (budget, protocol)
    (default recipe); `table`: the summary of every set, protocol and recipe; `compared`:
    the paired comparisons. `headline` is the equal budget's table under the paper
    protocol, `headline_equal` under the equal protocol; `headline_by_budget` every
    budget's and `pdd_minus_mtt_by_budget` the paired gap of PDD over the one-stage union
    per budget and protocol (`pdd_minus_mtt(_equal)`: the equal budget's)."""
    distill, evaluate = params.distill, params.evaluate
    scratch = table[table.protocol == "scratch"].set_index("set")
    metrics = {
        "dataset": params.common.dataset,
        "regime": regime,
        "total_ipc": total_ipc(distill),
        "stages": distill.stages,
        "runs": runs,
        "seeds_per_run": seeds,
        "protocols": {
            "paper": {"stage_epochs": evaluate.stage_epochs},
            "equal": {"steps": equal_steps(params)},
        },
        "recipes": list(evaluate.recipes),
        "headline": by_method(rows["equal", "paper"]),
        "headline_equal": by_method(rows["equal", "equal"]),
        "headline_by_budget": {
            budget: {protocol: by_method(rows[budget, protocol]) for protocol in PROTOCOLS}
            for budget in BUDGETS
            if (budget, PROTOCOLS[0]) in rows
        },
        "union_from_scratch": {
            name: {"test_mean": float(row.test_mean), "test_std": float(row.test_std_seeds)}
            for name, row in scratch.iterrows()
        },
        "summary": records(table),
        "comparisons": records(compared),
        "eval": {"dsa": params.eval.dsa, "epochs": params.eval.epochs},
    }
    gaps = pdd_gaps(compared)
    metrics["pdd_minus_mtt_by_budget"] = gaps
    for protocol, key in (("paper", "pdd_minus_mtt"), ("equal", "pdd_minus_mtt_equal")):
        if protocol in gaps.get("equal", {}):
            metrics[key] = gaps["equal"][protocol]
    return metrics


def pdd_gaps(compared: pd.DataFrame) -> dict[str, dict[str, float]]:
    """PDD − the one-stage union (default recipe), per budget and protocol."""
    gaps: dict[str, dict[str, float]] = {}
    for budget, pairs in PAIRS.items():
        name = "{} − {}".format(*pairs[0])
        chosen = compared[(compared.comparison == name) & (compared.recipe == "default")]
        for row in chosen.itertuples():
            gaps.setdefault(budget, {})[row.protocol] = float(row.delta)
    return gaps


def with_result(headline: pd.DataFrame) -> pd.DataFrame:
    """The table with a `result` column "mean ± std" (two decimals) for reading."""
    return headline.assign(
        result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
    )
