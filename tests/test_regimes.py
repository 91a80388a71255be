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
