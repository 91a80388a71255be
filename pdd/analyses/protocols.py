"""Tables of the scores under the two evaluation protocols (`pdd.experiments.scoring`):
each set's summary over runs, and the paired comparisons between sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pdd.analyses.paired import paired_difference

KEYS = ("set", "protocol", "recipe")  # what one summary row describes


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
