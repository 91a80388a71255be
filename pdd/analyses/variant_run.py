"""One variant of the main PDD run (an ablation point): its set is either the main run's
published one, or distilled here with changed parameters; then it is scored progressively.
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

from pdd.config.context import Context
from pdd.config.distill_plan import plan_schedule
from pdd.config.schema import Distill
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import progressive_evaluation
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import SyntheticStage, load_stages, save_stages
from pdd.data import Splits
from pdd.infra.io import read_json
from pdd.infra.runtime import derive_seed


@dataclasses.dataclass
class VariantSet:
    stages: list[SyntheticStage]
    origin: str  # "reused reports/…" or "distilled here"
    distill_seconds: float
    wall_seconds: float | None  # the whole schedule, when distilled here


def reuse_published(published: Path, folder: str) -> VariantSet:
    """The set a main-run stage published under `published/folder`."""
    source = published / folder
    seconds = sum(s["seconds"] for s in read_json(source / "metrics.json")["stages"])
    return VariantSet(load_stages(source), f"reused reports/{folder}", seconds, None)


def distil_progressive(
    params: Any,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
) -> VariantSet:
    """PDD with the stage's params (`distill`: a varied copy of `params.distill`), saved into
    `out_dir`; `later_data` and `keep_learned` as in `pdd.core.progressive.StageSetup`."""
    distill = distill or params.distill
    experts = load_buffers(Path(artifacts) / "buffers", params.buffers.num_experts)
    plan, setup, work = plan_schedule(
        params,
        ctx,
        method=distill.method,
        schedule="progressive",
        experts=experts,
        work_name=work_name,
        artifacts=artifacts,
        distill=distill,
        stage_ipcs=stage_ipcs,
    )
    setup = dataclasses.replace(setup, later_data=later_data, keep_learned=keep_learned)
    started = time.perf_counter()
    stages = run_schedule(plan, setup, experts, folder=out_dir, work=work)
    wall_seconds = round(time.perf_counter() - started, 1)
    save_without_history(out_dir, stages, ctx.data)
    seconds = sum(s.info["seconds"] for s in stages)
    return VariantSet(stages, "distilled here", seconds, wall_seconds)


def save_without_history(folder: Path, stages: list[SyntheticStage], data: Splits) -> None:
    """Save a distilled schedule; the per-iteration histories stay out of its manifest."""
    for stage in stages:
        stage.info.pop("history")
    save_stages(folder, stages, data.spec, data.zca)


def score_progressively(
    variant: VariantSet, ctx: Context, *, stage_epochs: int, num_seeds: int, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rows of the progressive evaluation and the summary after the last stage."""
    rows = progressive_evaluation(
        variant.stages,
        make_model=ctx.make_model,
        config=dataclasses.replace(ctx.eval_config, epochs=stage_epochs),
        seeds=[derive_seed(seed, "eval", run) for run in range(num_seeds)],
        data=ctx.data,
        augment=ctx.augment,
    )
    progressive = pd.DataFrame(rows)
    final = progressive[progressive.stage == len(variant.stages)].test_acc
    summary = {
        "set": variant.origin,
        "test_mean": float(final.mean()),
        "test_std": float(final.std(ddof=0)),
        "n": int(final.count()),
        "distill_seconds": round(float(variant.distill_seconds), 1),
        "wall_seconds": variant.wall_seconds,
    }
    return progressive, summary


@dataclasses.dataclass
class VariantRun:
    variant: VariantSet
    progressive: pd.DataFrame  # the progressive evaluation's rows, labelled
    final: dict[str, Any]  # the summary after the last stage (see score_progressively)


def run_variant(
    params: Any,
    ctx: Context,
    *,
    artifacts: str | Path,
    work_name: str,
    out_dir: Path,
    num_seeds: int,
    label: dict[str, Any] | None = None,
    published: Path | None = None,
    reuse: str | None = None,
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
    later_data: Splits | None = None,
    keep_learned: float | None = None,
) -> VariantRun:
    """The variant's set, scored progressively on `num_seeds` networks, every row carrying
    the `label` columns. The set is the main run's `published/reuse` when that folder exists
    (a variant equal to the main run), else distilled here as `distil_progressive` does."""
    if reuse is not None and published is not None and (published / reuse).is_dir():
        variant = reuse_published(published, reuse)
    else:
        variant = distil_progressive(
            params,
            ctx,
            artifacts=artifacts,
            work_name=work_name,
            out_dir=out_dir,
            distill=distill,
            stage_ipcs=stage_ipcs,
            later_data=later_data,
            keep_learned=keep_learned,
        )
    rows, final = score_progressively(
        variant,
        ctx,
        stage_epochs=params.evaluate.stage_epochs,
        num_seeds=num_seeds,
        seed=params.common.seed,
    )
    return VariantRun(variant, rows.assign(**(label or {})), final)


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
