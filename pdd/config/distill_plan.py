"""From a notebook's parameters to one schedule's `StageSetup` and its resumable work
folder, built from the validated params sections; and the independent distillation runs
(`distill.runs`) every schedule is distilled in."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from pdd.config.context import Context, expert_config
from pdd.config.schema import Buffers, Distill
from pdd.core.progressive import Schedule, StageSetup
from pdd.core.synthetic import run_folder
from pdd.core.trajectory import Trajectory
from pdd.infra.paths import work_dir
from pdd.infra.runtime import derive_seed
from pdd.methods.mtt import MTTConfig, epochs_matched
from pdd.methods.registry import build_distiller


@dataclasses.dataclass(frozen=True)
class DistillRun:
    """One independent distillation run: its own seed (initial images, expert sampling,
    validation and transition networks) and its own draw of experts from the buffers."""

    index: int
    seed: int
    experts: tuple[int, ...]  # indices into the expert buffers

    @property
    def folder(self) -> str:
        return run_folder(self.index)

    def pick(self, experts: list[Trajectory]) -> list[Trajectory]:
        return [experts[i] for i in self.experts]


def distill_runs(params: Any, count: int | None = None) -> list[DistillRun]:
    """The first `count` runs (default `distill.runs`): run r seeded by (common.seed, r),
    drawing a seeded `distill.experts_per_run` of the `buffers.num_experts` experts (all
    when null). Run r is the same in every stage, so sets of two stages pair run by run."""
    pool = params.buffers.num_experts
    per_run = params.distill.experts_per_run or pool
    runs = []
    for index in range(params.distill.runs if count is None else count):
        seed = derive_seed(params.common.seed, "run", index)
        order = torch.randperm(pool, generator=torch.Generator().manual_seed(seed))
        runs.append(DistillRun(index, seed, tuple(sorted(order[:per_run].tolist()))))
    return runs


def mtt_config(distill: Distill, buffers: Buffers) -> MTTConfig:
    """MTT's settings from the `distill` section; the step size starts at the experts'."""
    return MTTConfig(
        iterations=distill.iterations,
        syn_steps=distill.syn_steps,
        expert_epochs=distill.expert_epochs,
        max_start_epoch=distill.max_start_epoch,
        batch_syn=distill.batch_syn,
        lr_img=distill.lr_img,
        lr_lr=distill.lr_lr,
        lr_init=buffers.lr_teacher,
        eval_every=distill.eval_every,
        checkpoint_every=distill.checkpoint_every,
        unroll=distill.unroll,
    )


def plan_schedule(
    params: Any,
    ctx: Context,
    *,
    method: str,
    schedule: str,
    experts: list[Trajectory],
    work_name: str,
    artifacts: str | Path,
    run: DistillRun,
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
) -> tuple[Schedule, StageSetup, Path]:
    """The schedule, its setup and the work folder keyed by everything that shapes it.

    `params` supplies the `buffers`, `matching`, `dm` and `common` sections; `experts` the
    run's own (`run.pick`); `run` its seed; `distill` the distillation settings (default
    `params.distill`; an ablation passes a varied copy); `stage_ipcs` uneven per-stage IPCs
    (the per-stage IPC ablation only)."""
    d = distill or params.distill
    buffers = params.buffers
    plan = Schedule(schedule, d.stages, d.ipc_per_stage, tuple(stage_ipcs))
    mtt = mtt_config(d, buffers)
    distiller = build_distiller(
        method,
        make_model=ctx.make_model,
        data=ctx.data,
        mtt=mtt,
        matching=params.matching.model_dump(),
        dm=params.dm.model_dump(),
        eval_every=d.eval_every,
        checkpoint_every=d.checkpoint_every,
        scale=plan.stages if schedule == "union" else 1,
    )
    # A transition's real-data trajectory: exactly the M - 1 + E epochs MTT reads from it.
    transition_experts = dataclasses.replace(
        expert_config(buffers), epochs=epochs_matched(d.max_start_epoch, d.expert_epochs)
    )
    selection = [d.select_nets, d.select_epochs, d.transition_epochs]
    setup = StageSetup(
        data=ctx.data,
        make_model=ctx.make_model,
        distiller=distiller,
        experts=transition_experts,
        train=ctx.eval_config,
        transition_epochs=d.transition_epochs,
        select_epochs=d.select_epochs,
        select_nets=d.select_nets,
        augment=ctx.augment,
        seed=run.seed,
    )
    key = {
        # uniform schedules keep the key (and resumable work) they had before stage_ipcs
        "schedule": {k: v for k, v in dataclasses.asdict(plan).items() if v != ()},
        "method": [method, distiller.config],
        "transition": transition_experts,
        "eval": ctx.eval_config,
        "select": selection,
        "experts": [float(e.params.sum()) for e in experts],
        "seed": run.seed,
    }
    return plan, setup, work_dir(artifacts, f"{work_name}-{run.folder}", key)
