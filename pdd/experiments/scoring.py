"""How every comparison of sets is scored: the two named evaluation protocols under every
evaluation recipe (docs/evidence.md), on seeded evaluation networks.

- `paper`: the paper's progressive evaluation, `evaluate.stage_epochs` per stage, the
  optimiser state kept from stage to stage. A P-stage set gets P times the steps of a
  one-stage set, so this protocol favours sets with more stages.
- `equal`: the same progressive training, but every set gets the same number of optimiser
  steps, `evaluate.equal_steps` (default: distill.stages × stage_epochs, the paper
  protocol's steps for the headline's five-stage sets), shared out evenly over its stages:
  the one-stage union trains all of them at once.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pandas as pd

from pdd.config.context import Context, recipe
from pdd.core.scoring import Scoring
from pdd.infra.runtime import derive_seed

if TYPE_CHECKING:
    from pdd.config.schema import Params

PROTOCOLS = ("paper", "equal")


def equal_steps(params: Params) -> int:
    """The equal protocol's optimiser steps per set."""
    evaluate = params.evaluate
    return evaluate.equal_steps or params.distill.stages * evaluate.stage_epochs


def comparison_scorings(ctx: Context, params: Params) -> dict[tuple[str, str], Scoring]:
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


def eval_seeds(seed: int, count: int) -> list[int]:
    """The seeds of `count` evaluation networks (the same ones every stage uses)."""
    return [derive_seed(seed, "eval", run) for run in range(count)]


def final_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each network's row after its set's last stage."""
    last = rows.groupby(["set", "protocol", "recipe"]).stage.transform("max")
    return rows[rows.stage == last].reset_index(drop=True)
