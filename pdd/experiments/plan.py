"""From the validated params to one schedule's `StageSetup` and its resumable work folder,
and the independent distillation runs (`distill.runs`) every schedule is distilled in."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from pdd.config.budgets import BUDGETS
from pdd.config.context import Context, expert_config
from pdd.config.distillers import MethodSection, build_distiller
from pdd.config.sections.distill import METHOD_SECTIONS, Distill
from pdd.config.sections.dm import DM
from pdd.config.sections.matching import Matching
from pdd.config.sections.mtt import MTT
from pdd.core.synthetic import run_folder
from pdd.core.trajectory import Trajectory
from pdd.infra.paths import work_dir
from pdd.infra.runtime import derive_seed
from pdd.methods.mtt import epochs_matched
from pdd.progressive.schedule import Schedule
from pdd.progressive.setup import StageSetup

if TYPE_CHECKING:
    from pdd.config.schema import Params


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


def distill_runs(params: Params, count: int | None = None) -> list[DistillRun]:
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


@dataclasses.dataclass(frozen=True)
class Settings:
    """What one distillation reads: the base method, the schedule keys (`distill`), MTT's
    section (transitions read its M and E) and the other base methods' sections where the
    stage reads them (`stages.sections`: None where not). An ablation or the search varies
    a copy."""

    method: str
    distill: Distill
    mtt: MTT
    matching: Matching | None = None
    dm: DM | None = None

    @classmethod
    def of(cls, params: Params, method: str | None = None) -> Settings:
        """The params' sections; `method` (default `distill.method`) picks the base method
        (its distiller refuses a section that is not given: `build_distiller`)."""
        method = method or params.distill.method
        matching, dm = (getattr(params, name, None) for name in ("matching", "dm"))
        return cls(method, params.distill, params.mtt, matching, dm)

    @property
    def section(self) -> MethodSection:
        """The base method's own section."""
        return getattr(self, METHOD_SECTIONS[self.method])

    def varied(self, section: str, **update: Any) -> Settings:
        """A copy with `update` applied to `section` ("distill", "mtt", ...), validated as
        params.yaml is."""
        current = getattr(self, section)
        changed = type(current).model_validate({**current.model_dump(), **update})
        return dataclasses.replace(self, **{section: changed})

    def with_iterations(self, iterations: int) -> Settings:
        """The base method run for `iterations` per stage."""
        return self.varied(METHOD_SECTIONS[self.method], iterations=iterations)

    def with_budget(self, budget: str) -> Settings:
        """`equal`: as they are (the stages share stages x iterations); `paper`: every stage
        gets the whole one-stage count, stages x iterations (the paper's runs), and is
        validated as often per stage as under `equal` (eval_every scaled alike): the
        snapshots to choose from are the same in number, and validation stays a share of
        the cost rather than growing with the budget (docs/cost.md)."""
        if budget == "equal":
            return self
        if budget != "paper":
            raise ValueError(f"unknown budget {budget!r}; allowed: {', '.join(BUDGETS)}")
        stages = self.distill.stages
        scaled = self.varied("distill", eval_every=stages * self.distill.eval_every)
        return scaled.with_iterations(stages * self.section.iterations)

    def per_stage(self, stage_count: int) -> Settings:
        """The settings one stage of a `stage_count`-stage schedule runs with: MTT's start
        epochs narrowed to `mtt.stage_max_start()` when there are several stages."""
        if self.method != "mtt" or stage_count == 1:
            return self
        return self.varied("mtt", max_start_epoch=self.mtt.stage_max_start())


def plan_schedule(
    params: Params,
    ctx: Context,
    *,
    schedule: str,
    experts: list[Trajectory],
    work_name: str,
    artifacts: str | Path,
    run: DistillRun,
    settings: Settings | None = None,
    stage_ipcs: tuple[int, ...] = (),
) -> tuple[Schedule, StageSetup, Path]:
    """The schedule, its setup and the work folder keyed by everything that shapes it.

    `params` supplies the `buffers` and `common` sections; `experts` the run's own
    (`run.pick`); `run` its seed; `settings` the distillation's sections (default: the
    params' own; an ablation or the search passes a varied copy); `stage_ipcs` uneven
    per-stage IPCs (the per-stage IPC ablation only)."""
    s = settings or Settings.of(params)
    d, buffers = s.distill, params.buffers
    plan = Schedule(schedule, d.stages, d.ipc_per_stage, tuple(stage_ipcs))
    s = s.per_stage(len(plan.ipcs()))
    distiller = build_distiller(
        s.method,
        s.section,
        distill=d,
        make_model=ctx.make_model,
        data=ctx.data,
        lr_init=buffers.lr_teacher,
        scale=plan.stages if schedule == "union" else 1,
    )
    # A transition's real-data trajectory: exactly the M - 1 + E epochs MTT reads from it.
    transition_experts = dataclasses.replace(
        expert_config(buffers), epochs=epochs_matched(s.mtt.max_start_epoch, s.mtt.expert_epochs)
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
        transition_starts=d.transition_starts,
    )
    key = {
        # uniform schedules keep the key (and resumable work) they had before stage_ipcs
        "schedule": {k: v for k, v in dataclasses.asdict(plan).items() if v != ()},
        "method": [s.method, distiller.config],
        "transition": transition_experts,
        "eval": ctx.eval_config,
        "select": selection,
        # kept out of the key when unset, so runs of all starts keep their work folders
        **({"transition_starts": d.transition_starts} if d.transition_starts else {}),
        "experts": [float(e.params.sum()) for e in experts],
        "seed": run.seed,
    }
    return plan, setup, work_dir(artifacts, f"{work_name}-{run.folder}", key)
