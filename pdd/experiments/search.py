"""The one hyper-parameter search every schedule shares (the `search` stage, before the
distillation runs): the same configurations, distilled under every schedule and scored the
same way, so MTT alone (the union) and PDD are chosen from the same candidates with the
same budget (docs/evidence.md).

Configuration 0 is the `mtt` section itself; the others are seeded draws, without
replacement, from `tune.grid`, one draw for all schedules. Each configuration names the
one-stage M; a schedule of several stages uses `mtt.stage_max_start()` of it per stage
(`Settings.per_stage`). Each is distilled at `tune.iterations` per stage with run 0's
seed and experts, then scored by `tune.num_seeds` fresh networks trained for the equal
protocol's budget and tested on the **validation split**: the test split is not handed to
the search at all. Per schedule the best mean wins; a tie keeps the earlier configuration,
so the `mtt` section wins ties.
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
    scores: pd.DataFrame  # one row per (configuration, schedule): keys, val_mean, val_std, ...
    chosen: dict[str, dict[str, Any]]  # schedule -> its winning configuration ({}: none)
    settings: Settings  # the distillation's settings before any configuration is applied

    def settings_for(self, schedule: str) -> Settings:
        """The settings `schedule` distills with: its winner applied."""
        return self.settings.varied("mtt", **self.chosen.get(schedule, {}))

    def table(self) -> pd.DataFrame:
        """The schedules side by side: one row per configuration, its keys, each schedule's
        validation mean ± std, and the schedules it won (`chosen_by`)."""
        if self.scores.empty:
            return self.scores
        keys = [c for c in self.scores.columns if c not in SCORE_COLUMNS]
        wide = self.scores.pivot(index=keys, columns="schedule", values=["val_mean", "val_std"])
        wide.columns = [f"{stat}_{schedule}" for stat, schedule in wide.columns]
        wide = wide.reset_index().sort_values("config", ignore_index=True)
        winners = self.scores[self.scores.chosen]
        wide["chosen_by"] = [
            " ".join(winners[winners.config == config].schedule) for config in wide.config
        ]
        return wide

    def summary(self, tune: Tune) -> dict[str, Any]:
        """What metrics.json records of the search: its budget and every schedule's winner."""
        return {
            "configs": int(self.scores.config.nunique()) if len(self.scores) else 0,
            "iterations_per_stage": tune.iterations,
            "num_seeds": tune.num_seeds,
            "grid": tune.grid,
            "chosen": self.chosen,
        }


SCORE_COLUMNS = ("schedule", "val_mean", "val_std", "distill_seconds", "chosen")


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


def search_schedules(
    params: Params,
    ctx: Context,
    *,
    schedules: list[str],
    experts: list[Trajectory],
    artifacts: str | Path,
    run: DistillRun,
) -> Search:
    """Distil and score every configuration of the search under every schedule (each
    resumable in its own work folder) and choose each schedule's on the validation split."""
    settings, tune = Settings.of(params), params.tune
    if settings.method not in SEARCHED_METHODS or tune.configs == 1:
        return Search(pd.DataFrame(columns=["config", *tune.grid, *SCORE_COLUMNS]), {}, settings)
    configs = candidates(params.mtt, tune, derive_seed(params.common.seed, "search"))
    scoring = validation_scoring(ctx, params)
    seeds = [derive_seed(run.seed, "search-net", k) for k in range(tune.num_seeds)]
    rows = []
    for index, config in enumerate(configs):
        tried = settings.varied("mtt", **config, iterations=tune.iterations)
        for schedule in schedules:
            row = _score(params, ctx, schedule, run, experts, artifacts, tried, scoring, seeds)
            rows.append({"config": index, **config, "schedule": schedule, **row})
    scores = pd.DataFrame(rows)
    best = scores.groupby("schedule", sort=False).val_mean.idxmax()  # the first of equal maxima
    scores["chosen"] = scores.index.isin(best.values)
    chosen = {schedule: configs[int(scores.config[i])] for schedule, i in best.items()}
    return Search(scores, chosen, settings)


def _score(
    params: Params,
    ctx: Context,
    schedule: str,
    run: DistillRun,
    experts: list[Trajectory],
    artifacts: str | Path,
    tried: Settings,
    scoring: Scoring,
    seeds: list[int],
) -> dict[str, float]:
    """One configuration under one schedule: distilled, then its final union scored on the
    validation split (the scoring's `test`)."""
    started = time.perf_counter()
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
    return {
        "val_mean": float(val.mean()),
        "val_std": float(val.std(ddof=0)),
        "distill_seconds": round(seconds, 1),
    }


def searched_settings(params: Params, published: Path) -> Settings:
    """The params' settings with the MTT configuration the search chose for a published
    schedule (`published`: its reports/distill/<schedule> folder, whose metrics.json
    records it); unchanged when nothing was searched."""
    metrics = published / "metrics.json"
    if not metrics.is_file():
        raise FileNotFoundError(f"{metrics}: run the distill stage of this schedule first")
    chosen = read_json(metrics).get("search", {}).get("chosen", {})
    return Settings.of(params).varied("mtt", **chosen)


def chosen_for(search_metrics: dict[str, Any], schedule: str) -> dict[str, Any]:
    """The configuration the published search (`reports/search/metrics.json`) chose for
    `schedule`, or one clear error when the search did not run it."""
    chosen = search_metrics["search"]["chosen"]
    if chosen and schedule not in chosen:
        raise ValueError(
            f"the search chose for {sorted(chosen)}, not {schedule!r}: rerun the search stage "
            "with this schedule in distill.schedules"
        )
    return chosen.get(schedule, {})
