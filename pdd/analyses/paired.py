"""Paired differences between two sets' scores, with a 95 % confidence interval, and the
verdict rule every claim goes through (docs/evidence.md).

Two sets are compared run by run: run r of one schedule against run r of the other, each
scored by the same evaluation seeds. The difference of a run is the mean over its seeds of
the per-seed differences; the interval is Student's t over the runs' differences (the runs
are the independent units: seeds within a run share its distilled set). With one run the
interval is over the seeds alone: it measures the evaluation's noise only, so no verdict
rests on it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats

LEVEL = 0.95
MIN_RUNS = 3  # distillation runs a verdict needs; fewer give `inconclusive`
VERDICTS = ("reproduced", "not reproduced", "inconclusive")


@dataclass(frozen=True)
class Paired:
    """a - b in accuracy points, its 95 % interval, and what it rests on."""

    delta: float
    ci_low: float
    ci_high: float
    runs: int
    seeds: int  # evaluation seeds per run
    interval: str  # "t over runs" | "t over seeds (one run)"

    def row(self) -> dict:
        return asdict(self)


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, value: str = "test_acc") -> Paired:
    """a - b from two sets' final rows (columns run, seed, `value`), paired on (run, seed)."""
    merged = a[["run", "seed", value]].merge(
        b[["run", "seed", value]], on=["run", "seed"], suffixes=("_a", "_b"), validate="1:1"
    )
    if merged.empty:
        raise ValueError("the two sets share no (run, seed) to pair")
    merged["difference"] = merged[f"{value}_a"] - merged[f"{value}_b"]
    per_run = merged.groupby("run").difference.mean()
    seeds = int(merged.groupby("run").seed.nunique().min())
    if len(per_run) > 1:
        units, how = per_run, "t over runs"
    else:
        units, how = merged.difference, "t over seeds (one run)"
    low, high = t_interval(units.tolist())
    return Paired(float(units.mean()), low, high, len(per_run), seeds, how)


def t_interval(values: list[float], level: float = LEVEL) -> tuple[float, float]:
    """Student's t interval of the mean of `values` (NaN for fewer than two)."""
    count = len(values)
    if count < 2:
        return math.nan, math.nan
    mean = sum(values) / count
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (count - 1) / count)
    half = float(stats.t.ppf((1 + level) / 2, count - 1)) * spread
    return mean - half, mean + half


def verdict(paired: Paired, threshold: float = 0.0) -> str:
    """The claim "a - b > threshold" (0: a beats b; -margin: a keeps b's accuracy):
    `reproduced` when the interval lies above the threshold, `not reproduced` when it lies
    below, `inconclusive` when it straddles it or rests on fewer than MIN_RUNS runs."""
    if paired.runs < MIN_RUNS or math.isnan(paired.ci_low):
        return "inconclusive"
    if paired.ci_low > threshold:
        return "reproduced"
    if paired.ci_high < threshold:
        return "not reproduced"
    return "inconclusive"


def combined(verdicts: list[str]) -> str:
    """One verdict from several recipes: theirs when they agree, else `inconclusive`."""
    return verdicts[0] if verdicts and len(set(verdicts)) == 1 else "inconclusive"
