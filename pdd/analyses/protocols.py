"""The two named evaluation protocols every comparison of sets is scored under, each under
every evaluation recipe (docs/evidence.md):

- `paper`: the paper's progressive evaluation, `evaluate.stage_epochs` per stage, the
  optimiser state kept from stage to stage. A P-stage set gets P times the steps of a
  one-stage set, so this protocol favours sets with more stages.
- `equal`: the same progressive training, but every set gets the same number of optimiser
  steps, `evaluate.equal_steps` (default: distill.stages × stage_epochs, the paper
  protocol's steps for the headline's five-stage sets), shared out evenly over its stages:
  the one-stage union trains all of them at once.

Then each set's rows after its last stage, their summary over runs, and the paired
comparisons between sets."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pdd.analyses.paired import paired_difference
from pdd.config.context import Context, recipe
from pdd.core.scoring import Scoring

PROTOCOLS = ("paper", "equal")
KEYS = ("set", "protocol", "recipe")  # what one summary row describes


def equal_steps(params: Any) -> int:
    """The equal protocol's optimiser steps per set."""
    evaluate = params.evaluate
    return evaluate.equal_steps or params.distill.stages * evaluate.stage_epochs


def comparison_scorings(ctx: Context, params: Any) -> dict[tuple[str, str], Scoring]:
    """(protocol, recipe) -> how sets are scored: both protocols under every recipe of
    `evaluate.recipes`, on the test split (validation accuracy alongside, never chosen on)."""
    config = dataclasses.replace(ctx.eval_config, epochs=params.evaluate.stage_epochs)
    scorings = {}
    for name in params.evaluate.recipes:
        chosen = recipe(ctx, name)
        paper = Scoring(
            chosen.make_model,
            config,
            chosen.augment,
            test=(ctx.data.test_x, ctx.data.test_y),
            val=(ctx.data.val_x, ctx.data.val_y),
        )
        scorings["paper", name] = paper
        scorings["equal", name] = dataclasses.replace(paper, steps=equal_steps(params))
    return scorings


def final_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each network's row after its set's last stage."""
    last = rows.groupby(["set", "protocol", "recipe"]).stage.transform("max")
    return rows[rows.stage == last].reset_index(drop=True)


def summary(final: pd.DataFrame) -> pd.DataFrame:
    """Per (set, protocol, recipe): test accuracy as the mean over runs of each run's mean
    over seeds, its std over runs (NaN for one run), the mean std over seeds within a run,
    the number of runs and of seeds per run, and the optimiser steps trained."""
    per_run = final.groupby([*KEYS, "run"]).agg(
        run_mean=("test_acc", "mean"),
        seed_std=("test_acc", lambda acc: acc.std(ddof=0)),
        seeds=("seed", "nunique"),
        steps=("steps", "max"),
    )
    table = per_run.groupby(list(KEYS), sort=False).agg(
        test_mean=("run_mean", "mean"),
        test_std_runs=("run_mean", "std"),
        test_std_seeds=("seed_std", "mean"),
        runs=("run_mean", "size"),
        seeds=("seeds", "min"),
        steps=("steps", "max"),
    )
    return table.reset_index()


def comparisons(
    final: pd.DataFrame, pairs: Sequence[tuple[str, str]], names: dict[str, str] | None = None
) -> pd.DataFrame:
    """For every (a, b) of `pairs` present in `final`, under every protocol and recipe:
    a - b paired by run and seed (`pdd.analyses.paired`), named "a − b" (`names` renames)."""
    names = names or {}
    rows = []
    for (protocol, chosen), group in final.groupby(["protocol", "recipe"], sort=False):
        for a, b in pairs:
            if not {a, b} <= set(group.set):
                continue
            paired = paired_difference(group[group.set == a], group[group.set == b])
            comparison = f"{names.get(a, a)} − {names.get(b, b)}"
            rows.append(
                {"comparison": comparison, "protocol": protocol, "recipe": chosen, **paired.row()}
            )
    return pd.DataFrame(rows)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows as dicts for a metrics file: NaN (a spread over one run) as None."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]


def number(value: float) -> float | None:
    """A float for a metrics file: NaN as None."""
    return None if value != value else float(value)
