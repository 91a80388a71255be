"""The hyper-parameter search every schedule runs before its distillation runs (notebook 02):
the same number of configurations and iterations for each schedule, so MTT alone (the
union) gets its own settings with the budget PDD gets for its own (docs/evidence.md).

Configuration 0 is the `mtt` section itself; the others are seeded draws, without
replacement, from `tune.grid`. Each is distilled at `tune.iterations` per stage with run 0's
seed and experts, then scored by `tune.num_seeds` fresh networks trained for the equal
protocol's budget and tested on the **validation split**: the test split is not handed to
the search at all. The best mean wins; a tie keeps the earlier configuration, so the `mtt`
section wins ties.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch

from pdd.config.context import Context, recipe
from pdd.config.sections.mtt import MTT
from pdd.config.sections.tune import Tune
from pdd.core.scoring import Scoring, score_sets
from pdd.core.trajectory import Trajectory
from pdd.experiments.plan import DistillRun, Settings
from pdd.experiments.runs import distill_schedule
from pdd.infra.io import read_json
from pdd.infra.runtime import derive_seed

if TYPE_CHECKING:
    from pdd.config.schema import Params

SEARCHED_METHODS = ("mtt",)  # the grid's keys shape MTT only


@dataclasses.dataclass
class Search:
    table: pd.DataFrame  # one row per configuration: its keys, val_mean, val_std, seconds
    chosen: dict[str, Any]  # the winning configuration's keys ({} when nothing was searched)
    settings: Settings  # the distillation's settings with the winner applied

    def summary(self, tune: Tune) -> dict[str, Any]:
        """What metrics.json records of the search: its budget and the winner."""
        return {
            "configs": len(self.table),
            "iterations_per_stage": tune.iterations,
            "num_seeds": tune.num_seeds,
            "grid": tune.grid,
            "chosen": self.chosen,
        }


def candidates(mtt: MTT, tune: Tune, seed: int) -> list[dict[str, Any]]:
    """`tune.configs` configurations: the `mtt` section's own values of the grid's keys,
    then seeded draws from the rest of the grid."""
    keys = list(tune.grid)
    own = {key: getattr(mtt, key) for key in keys}
    grid = [
        dict(zip(keys, values, strict=True)) for values in itertools.product(*tune.grid.values())
    ]
    others = [config for config in grid if config != own]
    order = torch.randperm(len(others), generator=torch.Generator().manual_seed(seed))
    return [own] + [others[i] for i in order[: tune.configs - 1].tolist()]


def validation_scoring(ctx: Context, params: Params) -> Scoring:
    """Fresh networks of the default recipe trained for the search's step budget and tested
    on the validation split (the scoring's `test` is the validation split)."""
    tune = params.tune
    default = recipe(ctx, "default")
    steps = tune.steps or params.distill.stages * params.eval.epochs
    return Scoring(
        default.make_model,
        ctx.eval_config,
        default.augment,
        test=(ctx.data.val_x, ctx.data.val_y),
        steps=steps,
    )


def search_schedule(
    params: Params,
    ctx: Context,
    *,
    schedule: str,
    experts: list[Trajectory],
    artifacts: str | Path,
    run: DistillRun,
) -> Search:
    """Distil and score every configuration of the search for `schedule` (each resumable
    in its own work folder) and choose on the validation split."""
    settings, tune = Settings.of(params), params.tune
    if settings.method not in SEARCHED_METHODS or tune.configs == 1:
        return Search(pd.DataFrame(columns=["config", *tune.grid]), {}, settings)
    configs = candidates(params.mtt, tune, derive_seed(params.common.seed, "search", schedule))
    scoring = validation_scoring(ctx, params)
    seeds = [derive_seed(run.seed, "search-net", k) for k in range(tune.num_seeds)]
    rows = []
    for index, config in enumerate(configs):
        started = time.perf_counter()
        tried = settings.varied("mtt", **config, iterations=tune.iterations)
        distilled = distill_schedule(
            params,
            ctx,
            schedule=schedule,
            runs=[run],
            experts=experts,
            artifacts=artifacts,
            work_name=f"search-{schedule}",
            settings=tried,
        )
        seconds = time.perf_counter() - started
        scores = pd.DataFrame(score_sets({"set": distilled[run]}, scoring, seeds))
        val = scores[scores.stage == scores.stage.max()].test_acc  # the validation split
        rows.append(
            {
                "config": index,
                **config,
                "val_mean": float(val.mean()),
                "val_std": float(val.std(ddof=0)),
                "distill_seconds": round(seconds, 1),
            }
        )
    table = pd.DataFrame(rows)
    best = int(table.val_mean.idxmax())  # the first of equal maxima
    table["chosen"] = table.index == best
    chosen = configs[best]
    return Search(table, chosen, settings.varied("mtt", **chosen))


def searched_settings(params: Params, published: Path) -> Settings:
    """The params' settings with the MTT configuration the search of a published schedule
    chose (`published`: its reports/distill/<schedule> folder); unchanged when it searched
    none."""
    metrics = published / "metrics.json"
    if not metrics.is_file():
        raise FileNotFoundError(f"{metrics}: run the distill stage of this schedule first")
    chosen = read_json(metrics).get("search", {}).get("chosen", {})
    return Settings.of(params).varied("mtt", **chosen)
