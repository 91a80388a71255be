"""The paper's headline scores (notebook 03): every run of every published schedule under
both protocols (`pdd.experiments.scoring`) and every recipe, and as one fresh network on
the union at `eval.epochs` (`scratch`). `pdd.analyses.headline` makes the tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from pdd.config.context import Context
from pdd.core.evaluate import score_runs, splits_scoring
from pdd.core.synthetic import SyntheticStage
from pdd.experiments.scoring import comparison_scorings

if TYPE_CHECKING:
    from pdd.config.schema import Params


def score_schedules(
    sets: Mapping[str, Sequence[list[SyntheticStage]]],
    ctx: Context,
    params: Params,
    seeds: Sequence[int],
) -> pd.DataFrame:
    """Rows (set, run, protocol, recipe, seed, stage, images_per_class, steps, test_acc,
    val_acc, seconds) of every run of every schedule under `paper` and `equal` for every
    recipe, and under `scratch` (one fresh network on the union, `eval.epochs`, the last
    stage's step size, default recipe), all queued at once."""
    scorings = comparison_scorings(ctx, params)
    scorings["scratch", "default"] = splits_scoring(
        ctx.data,
        make_model=ctx.make_model,
        config=ctx.eval_config,
        augment=ctx.augment,
        protocol="union",
    )
    return pd.DataFrame(score_runs(sets, scorings, seeds))
