"""From a notebook's parameters to one schedule's `StageSetup` and its resumable work
folder. Notebook 02 reads the `distill` keys unprefixed (its own section), notebook 04
with the `distill_` prefix; both build the same thing here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pdd.config.context import Context, section
from pdd.core.buffers import ExpertConfig
from pdd.core.progressive import Schedule, StageSetup
from pdd.core.trajectory import Trajectory
from pdd.infra.paths import work_dir
from pdd.methods.mtt import MTTConfig, epochs_matched
from pdd.methods.registry import build_distiller


def plan_schedule(
    p: Mapping[str, Any],
    ctx: Context,
    *,
    method: str,
    schedule: str,
    experts: list[Trajectory],
    work_name: str,
    prefix: str = "",
) -> tuple[Schedule, StageSetup, Path]:
    """The schedule, its setup and the work folder keyed by everything that shapes it."""

    def distill(key: str) -> Any:
        return p[f"{prefix}{key}"]

    stage_ipcs = tuple(p.get(f"{prefix}stage_ipcs") or ())  # only the per-stage IPC ablation
    plan = Schedule(schedule, distill("stages"), distill("ipc_per_stage"), stage_ipcs)
    mtt = MTTConfig(
        iterations=distill("iterations"),
        syn_steps=distill("syn_steps"),
        expert_epochs=distill("expert_epochs"),
        max_start_epoch=distill("max_start_epoch"),
        batch_syn=distill("batch_syn"),
        lr_img=distill("lr_img"),
        lr_lr=distill("lr_lr"),
        lr_init=p["buffers_lr_teacher"],
        eval_every=distill("eval_every"),
        checkpoint_every=distill("checkpoint_every"),
        unroll=distill("unroll"),
    )
    distiller = build_distiller(
        method,
        make_model=ctx.make_model,
        data=ctx.data,
        mtt=mtt,
        matching=section(p, "matching"),
        dm=section(p, "dm"),
        eval_every=distill("eval_every"),
        checkpoint_every=distill("checkpoint_every"),
        scale=plan.stages if schedule == "union" else 1,
    )
    # A transition's real-data trajectory: exactly the M - 1 + E epochs MTT reads from it.
    transition_experts = ExpertConfig(
        epochs=epochs_matched(distill("max_start_epoch"), distill("expert_epochs")),
        lr=p["buffers_lr_teacher"],
        batch_size=p["buffers_batch_size"],
        examples_per_epoch=p["buffers_examples_per_epoch"],
    )
    selection = [distill("select_nets"), distill("select_epochs"), distill("transition_epochs")]
    setup = StageSetup(
        data=ctx.data,
        make_model=ctx.make_model,
        distiller=distiller,
        experts=transition_experts,
        train=ctx.eval_config,
        transition_epochs=distill("transition_epochs"),
        select_epochs=distill("select_epochs"),
        select_nets=distill("select_nets"),
        augment=ctx.augment,
        seed=p["seed"],
    )
    key = {
        # uniform schedules keep the key (and resumable work) they had before stage_ipcs
        "schedule": {k: v for k, v in dataclasses.asdict(plan).items() if v != ()},
        "method": [method, distiller.config],
        "transition": transition_experts,
        "eval": ctx.eval_config,
        "select": selection,
        "experts": [float(e.params.sum()) for e in experts],
        "seed": p["seed"],
    }
    return plan, setup, work_dir(p["artifacts_dir"], work_name, key)
