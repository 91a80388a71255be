"""From a notebook's parameters to one schedule's `StageSetup` and its resumable work
folder, built from the validated params sections."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pdd.config.context import Context, expert_config
from pdd.config.schema import Buffers, Distill
from pdd.core.progressive import Schedule, StageSetup
from pdd.core.trajectory import Trajectory
from pdd.infra.paths import work_dir
from pdd.methods.mtt import MTTConfig, epochs_matched
from pdd.methods.registry import build_distiller


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
    distill: Distill | None = None,
    stage_ipcs: tuple[int, ...] = (),
) -> tuple[Schedule, StageSetup, Path]:
    """The schedule, its setup and the work folder keyed by everything that shapes it.

    `params` supplies the `buffers`, `matching`, `dm` and `common` sections; `distill` the
    distillation settings (default `params.distill`; an ablation passes a varied copy);
    `stage_ipcs` uneven per-stage IPCs (the per-stage IPC ablation only)."""
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
        seed=params.common.seed,
    )
    key = {
        # uniform schedules keep the key (and resumable work) they had before stage_ipcs
        "schedule": {k: v for k, v in dataclasses.asdict(plan).items() if v != ()},
        "method": [method, distiller.config],
        "transition": transition_experts,
        "eval": ctx.eval_config,
        "select": selection,
        "experts": [float(e.params.sum()) for e in experts],
        "seed": params.common.seed,
    }
    return plan, setup, work_dir(artifacts, work_name, key)
