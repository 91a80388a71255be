"""One variant of the main PDD run (an ablation point): its set, in several independent
runs, is either the main run's published one, or distilled here with changed settings;
then every run is scored under both protocols and every recipe.
Shared by the stage-count ablation (notebook 05), scaling (05b) and easy-example dropping
(06b); `pdd.analyses.variants` makes their tables and figures."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pdd.config.context import Context
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import score_runs
from pdd.core.synthetic import SyntheticStage, distill_seconds, load_runs
from pdd.data.tensors import Splits
from pdd.experiments import scoring
from pdd.experiments.plan import Settings, distill_runs
from pdd.experiments.runs import distill_schedule

if TYPE_CHECKING:
    from pdd.config.schema import Params


@dataclasses.dataclass
class VariantSet:
    runs: list[list[SyntheticStage]]  # every distillation run's stages
    origin: str  # "reused reports/…" or "distilled here"
    distill_seconds: list[float]  # per run
    wall_seconds: float | None  # all the runs, when distilled here

    @property
    def stages(self) -> list[SyntheticStage]:
        """Run 0's stages: what figures show."""
        return self.runs[0]


def reuse_published(published: Path, folder: str, runs: int) -> VariantSet:
    """The first `runs` runs of the set a main-run stage published under `published/folder`."""
    found = load_runs(published / folder)
    if len(found) < runs:
        raise ValueError(f"reports/{folder} holds {len(found)} runs, {runs} needed")
    seconds = [distill_seconds(stages) for stages in found[:runs]]
    return VariantSet(found[:runs], f"reused reports/{folder}", seconds, None)


def distill_progressive(
    params: Params,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    runs: int,
    settings: Settings | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
) -> VariantSet:
    """PDD with `settings` (a varied copy of the params' own) in the first `runs`
    distillation runs, each saved into `out_dir/run<r>`; the rest as `distill_schedule`."""
    experts = load_buffers(Path(artifacts) / "buffers", params.buffers.num_experts)
    started = time.perf_counter()
    distilled = distill_schedule(
        params,
        ctx,
        schedule="progressive",
        runs=distill_runs(params, runs),
        experts=experts,
        artifacts=artifacts,
        work_name=work_name,
        out_dir=out_dir,
        settings=settings,
        stage_ipcs=stage_ipcs,
        later_data=later_data,
        keep_learned=keep_learned,
    )
    sets = list(distilled.values())
    wall_seconds = round(time.perf_counter() - started, 1)
    return VariantSet(sets, "distilled here", [distill_seconds(s) for s in sets], wall_seconds)


def score_variant(
    variant: VariantSet,
    ctx: Context,
    params: Params,
    *,
    num_seeds: int,
    only_paper: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every network's rows after every stage, each network's final row): every run
    under both protocols and every recipe (`pdd.experiments.scoring`), or, `only_paper`,
    under the paper protocol with the default recipe."""
    scorings = scoring.comparison_scorings(ctx, params)
    if only_paper:
        scorings = {("paper", "default"): scorings["paper", "default"]}
    seeds = scoring.eval_seeds(params.common.seed, num_seeds)
    scores = pd.DataFrame(score_runs({"set": variant.runs}, scorings, seeds))
    return scores, scoring.final_rows(scores)


@dataclasses.dataclass
class VariantRun:
    variant: VariantSet
    progressive: pd.DataFrame  # every network's rows after every stage, labelled
    final_rows: pd.DataFrame  # each network's row after the last stage, labelled


def run_variant(
    params: Params,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    num_seeds: int,
    runs: int,
    label: dict[str, object] | None = None,
    published: Path | None = None,
    reuse: str | None = None,
    settings: Settings | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
    only_paper: bool = False,
) -> VariantRun:
    """The variant's set in `runs` runs, scored under both protocols and every recipe (or
    `only_paper`) on `num_seeds` networks per run, every row carrying the `label` columns.
    The set is the main run's `published/reuse` when that folder exists (a variant equal
    to the main run), else distilled here as `distill_progressive` does."""
    if reuse is not None and published is not None and (published / reuse).is_dir():
        variant = reuse_published(published, reuse, runs)
    else:
        variant = distill_progressive(
            params,
            ctx,
            artifacts=artifacts,
            work_name=work_name,
            out_dir=out_dir,
            runs=runs,
            settings=settings,
            stage_ipcs=stage_ipcs,
            later_data=later_data,
            keep_learned=keep_learned,
        )
    scores, final = score_variant(variant, ctx, params, num_seeds=num_seeds, only_paper=only_paper)
    labelled = label or {}
    return VariantRun(variant, scores.assign(**labelled), final.assign(**labelled))
