"""One variant of the main PDD run (an ablation point): its set, in several independent
runs, is either the main run's published one, or distilled here with changed parameters;
then every run is scored under both protocols and every recipe.
Shared by the stage-count ablation (notebook 05), scaling (05b) and easy-example dropping
(06b); the base-method comparison (04) saves its sets and draws its curve the same way."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses import protocols
from pdd.analyses.cross_arch import eval_seeds
from pdd.analyses.distillation import distill_seconds
from pdd.config.context import Context
from pdd.config.distill_plan import distill_runs, plan_schedule
from pdd.config.schema import Distill
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import score_runs
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import SyntheticStage, load_runs, save_stages
from pdd.data import Splits
from pdd.infra.io import read_json


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
    source = published / folder
    seconds = distill_seconds(read_json(source / "metrics.json"))
    found = load_runs(source)
    if len(found) < runs:
        raise ValueError(f"reports/{folder} holds {len(found)} runs, {runs} needed")
    return VariantSet(found[:runs], f"reused reports/{folder}", seconds[:runs], None)


def distil_progressive(
    params: Any,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    runs: int,
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
) -> VariantSet:
    """PDD with the stage's params (`distill`: a varied copy of `params.distill`) in the
    first `runs` distillation runs, each saved into `out_dir/run<r>`; `later_data` and
    `keep_learned` as in `pdd.core.progressive.StageSetup`."""
    distill = distill or params.distill
    experts = load_buffers(Path(artifacts) / "buffers", params.buffers.num_experts)
    started = time.perf_counter()
    sets, seconds = [], []
    for run in distill_runs(params, runs):
        plan, setup, work = plan_schedule(
            params,
            ctx,
            method=distill.method,
            schedule="progressive",
            experts=run.pick(experts),
            work_name=work_name,
            artifacts=artifacts,
            run=run,
            distill=distill,
            stage_ipcs=stage_ipcs,
        )
        setup = dataclasses.replace(setup, later_data=later_data, keep_learned=keep_learned)
        folder = out_dir / run.folder
        stages = run_schedule(plan, setup, run.pick(experts), folder=folder, work=work)
        save_without_history(folder, stages, ctx.data)
        sets.append(stages)
        seconds.append(sum(s.info["seconds"] for s in stages))
    wall_seconds = round(time.perf_counter() - started, 1)
    return VariantSet(sets, "distilled here", seconds, wall_seconds)


def save_without_history(folder: Path, stages: list[SyntheticStage], data: Splits) -> None:
    """Save a distilled schedule; the per-iteration histories stay out of its manifest."""
    for stage in stages:
        stage.info.pop("history")
    save_stages(folder, stages, data.spec, data.zca)


def score_variant(
    variant: VariantSet,
    ctx: Context,
    params: Any,
    *,
    num_seeds: int,
    only_paper: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every network's rows after every stage, each network's final row): every run
    under both protocols and every recipe (`pdd.analyses.protocols`), or, `only_paper`,
    under the paper protocol with the default recipe."""
    scorings = protocols.comparison_scorings(ctx, params)
    if only_paper:
        scorings = {("paper", "default"): scorings["paper", "default"]}
    seeds = eval_seeds(params.common.seed, num_seeds)
    scores = pd.DataFrame(score_runs({"set": variant.runs}, scorings, seeds))
    return scores, protocols.final_rows(scores)


def variant_summary(variant: VariantSet, final: pd.DataFrame) -> dict[str, Any]:
    """The score after the last stage: the paper protocol's default-recipe mean and std
    over runs (`test_mean`, `test_std`, `n` = networks), then every protocol and recipe
    (`results`), and the cost of distilling."""
    table = protocols.summary(final)
    results = {
        f"{row.protocol}/{row.recipe}": {
            "test_mean": row.test_mean,
            "test_std_runs": protocols.number(row.test_std_runs),
            "test_std_seeds": row.test_std_seeds,
            "runs": int(row.runs),
            "seeds": int(row.seeds),
            "steps": int(row.steps),
        }
        for row in table.itertuples()
    }
    paper = final[(final.protocol == "paper") & (final.recipe == "default")].test_acc
    return {
        "set": variant.origin,
        "test_mean": float(paper.mean()),
        "test_std": float(paper.std(ddof=0)),
        "n": int(paper.count()),
        "results": results,
        # the mean over runs, as one run's figure; every run's beside it
        "distill_seconds": round(sum(variant.distill_seconds) / len(variant.distill_seconds), 1),
        "distill_seconds_runs": [round(float(s), 1) for s in variant.distill_seconds],
        "wall_seconds": variant.wall_seconds,
    }


@dataclasses.dataclass
class VariantRun:
    variant: VariantSet
    progressive: pd.DataFrame  # every network's rows after every stage, labelled
    final_rows: pd.DataFrame  # each network's row after the last stage, labelled
    final: dict[str, Any]  # the summary after the last stage (see variant_summary)


def run_variant(
    params: Any,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    num_seeds: int,
    runs: int,
    label: dict[str, Any] | None = None,
    published: Path | None = None,
    reuse: str | None = None,
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
    only_paper: bool = False,
) -> VariantRun:
    """The variant's set in `runs` runs, scored under both protocols and every recipe (or
    `only_paper`) on `num_seeds` networks per run, every row carrying the `label` columns.
    The set is the main run's `published/reuse` when that folder exists (a variant equal
    to the main run), else distilled here as `distil_progressive` does."""
    if reuse is not None and published is not None and (published / reuse).is_dir():
        variant = reuse_published(published, reuse, runs)
    else:
        variant = distil_progressive(
            params,
            ctx,
            artifacts=artifacts,
            work_name=work_name,
            out_dir=out_dir,
            runs=runs,
            distill=distill,
            stage_ipcs=stage_ipcs,
            later_data=later_data,
            keep_learned=keep_learned,
        )
    scores, final = score_variant(variant, ctx, params, num_seeds=num_seeds, only_paper=only_paper)
    labelled = label or {}
    return VariantRun(
        variant,
        scores.assign(**labelled),
        final.assign(**labelled),
        variant_summary(variant, final),
    )


def accuracy_curve(
    progressive: pd.DataFrame,
    *,
    title: str,
    figsize: tuple[float, float],
    hue: str | None = None,
) -> plt.Figure:
    """Test accuracy (mean ± sd over seeds) against the images per class so far; with `hue`,
    one line (and marker style) per value of that column."""
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    sns.lineplot(
        data=progressive,
        x="images_per_class",
        y="test_acc",
        hue=hue,
        style=hue,
        marker="o",
        errorbar="sd",
        ax=ax,
    )
    ax.set(xlabel="images per class so far", ylabel="test accuracy (%)", title=title)
    return fig
