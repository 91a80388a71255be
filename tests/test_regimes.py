"""The regime a verdict holds in: named from the experts' settings, and checked against
the sets (experts at >= 88 % and 5 points above the best set)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pdd.analyses.regimes import FIRST_REGIME, regime_check, regime_name


def test_the_regime_is_named_by_how_long_the_experts_trained():
    full = SimpleNamespace(epochs=30, examples_per_epoch=None)
    subset = SimpleNamespace(epochs=10, examples_per_epoch=6000)
    assert regime_name(full) == "experts of 30 full epochs"
    assert regime_name(subset) == FIRST_REGIME == "experts of 10 epochs x 6,000 images"


def table(best: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "set": ["union", "progressive", "union"],
            "protocol": ["equal", "paper", "scratch"],
            "recipe": ["default", "shift", "default"],
            "test_mean": [80.0, best, 99.0],  # the scratch row is no set: never the best
        }
    )


def test_the_check_compares_the_experts_with_the_best_set():
    check = regime_check({"test_mean": 89.0}, table(best=83.5))
    assert check["best_set"] == "progressive" and check["best_set_recipe"] == "shift"
    assert check["gap"] == 5.5 and check["holds"]
    assert not regime_check({"test_mean": 89.0}, table(best=84.5))["holds"]  # 4.5 points
    assert not regime_check({"test_mean": 87.5}, table(best=70.0))["holds"]  # below 88


def test_the_headline_gap_is_tabled_and_drawn_per_regime_budget_and_protocol():
    from pdd.analyses.regimes import pdd_gap_by_regime, regime_figure

    rows = pd.DataFrame(
        [
            {"claim": claim, "regime": regime, "budget": budget, "protocol": protocol,
             "recipe": recipe, "delta": 1.0, "ci_low": 0.5, "ci_high": 1.5, "runs": 3,
             "verdict": "reproduced"}
            for claim in ("PDD + MTT beats MTT", "other")
            for regime in ("first", "second")
            for budget in ("equal", "paper")
            for protocol in ("equal", "paper")
            for recipe in ("default", "shift")
        ]
    )  # fmt: skip
    gaps = pdd_gap_by_regime(rows, "PDD + MTT beats MTT")
    assert len(gaps) == 2 * 2 * 2 and set(gaps.columns) >= {"regime", "budget", "protocol"}
    fig = regime_figure(gaps)
    labels = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert labels == ["first\nequal budget", "first\npaper budget", "second\nequal budget",
                      "second\npaper budget"]  # fmt: skip
