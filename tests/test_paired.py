"""Paired differences over distillation runs, their interval, and the verdict rule."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from pdd.analyses.paired import Paired, combined, paired_difference, t_interval, verdict


def rows(values: dict[tuple[int, int], float]) -> pd.DataFrame:
    return pd.DataFrame([{"run": r, "seed": s, "test_acc": v} for (r, s), v in values.items()])


def test_the_difference_is_paired_by_run_and_seed_and_averaged_per_run():
    a = rows({(0, 1): 80.0, (0, 2): 82.0, (1, 1): 79.0, (1, 2): 81.0, (2, 1): 78.0, (2, 2): 80.0})
    b = rows({(0, 2): 81.0, (0, 1): 79.0, (1, 1): 79.5, (1, 2): 80.5, (2, 1): 77.0, (2, 2): 79.0})
    paired = paired_difference(a, b)
    per_run = [1.0, 0.0, 1.0]
    assert paired.delta == pytest.approx(2 / 3) and paired.runs == 3 and paired.seeds == 2
    half = stats.t.ppf(0.975, 2) * pd.Series(per_run).std() / math.sqrt(3)
    assert paired.ci_low == pytest.approx(2 / 3 - half)
    assert paired.ci_high == pytest.approx(2 / 3 + half)
    assert paired.interval == "t over runs"


def test_one_run_gives_an_interval_over_seeds_only():
    a = rows({(0, 1): 80.0, (0, 2): 82.0, (0, 3): 81.0})
    b = rows({(0, 1): 79.0, (0, 2): 80.0, (0, 3): 80.0})
    paired = paired_difference(a, b)
    assert paired.runs == 1 and paired.interval == "t over seeds (one run)"
    assert paired.delta == pytest.approx(4 / 3) and paired.ci_low < paired.delta


def test_unpaired_rows_are_refused():
    with pytest.raises(ValueError, match="share no"):
        paired_difference(rows({(0, 1): 1.0}), rows({(1, 2): 1.0}))


def test_the_t_interval_of_two_values_and_of_one():
    low, high = t_interval([1.0, 3.0])
    assert (low + high) / 2 == pytest.approx(2.0)
    assert high - 2.0 == pytest.approx(stats.t.ppf(0.975, 1) * 1.0)
    assert all(math.isnan(v) for v in t_interval([1.0]))


def interval(low: float, high: float, runs: int = 3) -> Paired:
    return Paired((low + high) / 2, low, high, runs, 3, "t over runs")


@pytest.mark.parametrize(
    "low, high, runs, threshold, expected",
    [
        (0.2, 1.5, 3, 0.0, "reproduced"),
        (-1.5, -0.2, 3, 0.0, "not reproduced"),
        (-0.5, 1.5, 3, 0.0, "inconclusive"),
        (0.2, 1.5, 2, 0.0, "inconclusive"),  # too few runs for any verdict
        (-0.4, 0.3, 5, -0.5, "reproduced"),  # keeps accuracy within a 0.5-point margin
        (-1.4, -0.6, 5, -0.5, "not reproduced"),
    ],
)
def test_the_verdict_rule(low, high, runs, threshold, expected):
    assert verdict(interval(low, high, runs), threshold) == expected


def test_recipes_that_disagree_make_a_claim_inconclusive():
    assert combined(["reproduced", "reproduced"]) == "reproduced"
    assert combined(["reproduced", "not reproduced"]) == "inconclusive"
    assert combined([]) == "inconclusive"
