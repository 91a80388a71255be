"""The regime a verdict holds in: how long the experts trained, named from the `buffers`
section that trained them. The claims table keeps each regime's verdicts as rows of their
own, so a reader sees what changed with the regime (docs/evidence.md)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from pdd.config.sections.buffers import Buffers

# The regime PDD's claim needs: experts that end well above every set distilled from them
# (issue 42: at least 88 % on Fashion-MNIST and 5 points above the best IPC-10 set).
EXPERTS_FLOOR = 88.0
EXPERTS_MARGIN = 5.0

# The first default run's regime (published up to commit afbf8ab): experts of 10 epochs of
# 6,000 images each, 240 SGD steps, that ended below the sets distilled from them.
FIRST_REGIME = "experts of 10 epochs x 6,000 images"


def regime_name(buffers: Buffers) -> str:
    """'experts of 30 full epochs', or 'experts of 10 epochs x 6,000 images' when each
    epoch is a subset of the training split."""
    if buffers.examples_per_epoch is None:
        return f"experts of {buffers.epochs} full epochs"
    return f"experts of {buffers.epochs} epochs x {buffers.examples_per_epoch:,} images"


def regime_check(reference: dict[str, Any], table: pd.DataFrame) -> dict[str, Any]:
    """Whether the experts outlast the sets: their mean test accuracy (`reference`: the
    buffers' `full_data_reference`) against the best set of `table` (`protocols.summary`:
    the best mean over runs of any set, protocol and recipe)."""
    sets = table[table.protocol != "scratch"]
    best = sets.loc[sets.test_mean.idxmax()]
    experts = float(reference["test_mean"])
    return {
        "experts_test": experts,
        "best_set": str(best.set),
        "best_set_protocol": str(best.protocol),
        "best_set_recipe": str(best.recipe),
        "best_set_test": float(best.test_mean),
        "gap": experts - float(best.test_mean),
        "holds": experts >= EXPERTS_FLOOR and experts - best.test_mean >= EXPERTS_MARGIN,
        "rule": f"experts >= {EXPERTS_FLOOR} % and >= {EXPERTS_MARGIN} points above the best set",
    }


def pdd_gap_by_regime(claim_rows: pd.DataFrame, claim: str) -> pd.DataFrame:
    """PDD − the base method alone (the claims table's rows of `claim`, default recipe):
    one row per regime, distillation budget and evaluation protocol, with its paired 95 %
    interval and verdict."""
    rows = claim_rows[(claim_rows.claim == claim) & (claim_rows.recipe == "default")]
    columns = ["regime", "budget", "protocol", "delta", "ci_low", "ci_high", "runs", "verdict"]
    return rows[columns].reset_index(drop=True)


def regime_figure(gaps: pd.DataFrame) -> Figure:
    """PDD − MTT with its 95 % interval, one line per regime and distillation budget, one
    marker per evaluation protocol; the dashed line: no difference."""
    labels = [f"{r.regime}\n{r.budget} budget" for r in gaps.itertuples()]
    order = list(dict.fromkeys(labels))
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.7 * len(order)), layout="constrained")
    for offset, protocol, marker in ((-0.12, "equal", "o"), (0.12, "paper", "s")):
        chosen = gaps[gaps.protocol == protocol]
        y = [order.index(labels[i]) + offset for i in chosen.index]
        err = [chosen.delta - chosen.ci_low, chosen.ci_high - chosen.delta]
        ax.errorbar(chosen.delta, y, xerr=err, fmt=marker, capsize=3, label=f"{protocol} protocol")
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set(xlabel="PDD − MTT (points, paired 95 % interval over runs)")
    ax.legend(fontsize="small")
    return fig
