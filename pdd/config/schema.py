"""The schema of `params.yaml`: every section (one module each in `pdd.config.sections`)
and the checks across sections.

Validators phrase their errors for the user; `pdd.config.params` reads the file, applies the
profile overlays and turns validation errors into one line per bad key. Stages import only
the sections they read (`pdd.pipeline.inputs`); this module is for the runner, which
validates the whole file before any stage runs.
"""

from __future__ import annotations

from pydantic import model_validator

from pdd.config.recipes import RECIPES
from pdd.config.sections.ablation import STAGE_SPLIT, Ablation
from pdd.config.sections.base import Section
from pdd.config.sections.baselines import Baselines
from pdd.config.sections.buffers import Buffers
from pdd.config.sections.common import Common
from pdd.config.sections.continual import Continual
from pdd.config.sections.cross_arch import CrossArch
from pdd.config.sections.distill import Distill, method_section
from pdd.config.sections.dm import DM
from pdd.config.sections.easy_drop import EasyDrop
from pdd.config.sections.eval import Eval
from pdd.config.sections.evaluate import Evaluate
from pdd.config.sections.matching import Matching
from pdd.config.sections.methods import Methods
from pdd.config.sections.mtt import MTT
from pdd.config.sections.net import Net
from pdd.config.sections.scaling import Scaling
from pdd.config.sections.tune import Tune
from pdd.progressive.schedule import ablation_split

__all__ = ["RECIPES", "SECTIONS", "STAGE_SPLIT", "Params"]


class Params(Section):
    common: Common
    net: Net
    eval: Eval
    baselines: Baselines
    buffers: Buffers
    distill: Distill
    mtt: MTT
    tune: Tune
    matching: Matching
    dm: DM
    evaluate: Evaluate
    methods: Methods
    ablation: Ablation
    scaling: Scaling
    easy_drop: EasyDrop
    cross_arch: CrossArch
    continual: Continual

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        # MTT starts at an epoch in 0..M-1 and matches the expert E epochs later.
        needed = self.mtt.max_start_epoch - 1 + self.mtt.expert_epochs
        if self.buffers.epochs < needed:
            raise ValueError(
                f"buffers.epochs ({self.buffers.epochs}) must be >= mtt.max_start_epoch - 1 "
                f"+ mtt.expert_epochs ({needed})"
            )
        self._searchable_grid()
        outside = sorted(set(self.distill.paper_budget) - set(self.distill.schedules))
        if outside:
            raise ValueError(
                f"distill.paper_budget: {outside} not in distill.schedules {self.distill.schedules}"
            )
        if (self.distill.transition_starts or 0) > (
            self.distill.experts_per_run or self.buffers.num_experts
        ):
            raise ValueError(
                f"distill.transition_starts ({self.distill.transition_starts}) must be <= the "
                "experts of a run (distill.experts_per_run)"
            )
        if (self.distill.experts_per_run or 0) > self.buffers.num_experts:
            raise ValueError(
                f"distill.experts_per_run ({self.distill.experts_per_run}) must be <= "
                f"buffers.num_experts ({self.buffers.num_experts})"
            )
        reusing = (
            ("ablation", self.ablation.runs),
            ("easy_drop", self.easy_drop.runs),
            ("cross_arch", self.cross_arch.runs),
            ("continual", self.continual.runs),
        )
        for key, runs in reusing:
            if runs > self.distill.runs:  # their main-run items reuse the published runs
                raise ValueError(
                    f"{key}.runs ({runs}) must be <= distill.runs ({self.distill.runs})"
                )
        if self.net.norm == "batch" and self.net.name == "convnet":
            raise ValueError("net.norm: trajectory matching needs 'instance' or 'none'")
        # DVC makes a stage of every item of these lists whatever the profile: each must fit
        # this profile's total IPC and iteration budget, or the stage would fail mid-run.
        total_ipc = self.distill.stages * self.distill.ipc_per_stage
        budget = self.distill.stages * method_section(self).iterations
        for item in [*self.ablation.stage_counts, *self.ablation.stage_ipcs]:
            ablation_split(item, total_ipc, budget)
        return self

    def _searchable_grid(self) -> None:
        """Every configuration the search may draw is a valid `mtt` section that the
        buffers can feed, and the grid holds as many as `tune.configs` asks for."""
        tune, mtt = self.tune, self.mtt
        for key, values in tune.grid.items():
            for value in values:
                try:
                    MTT.model_validate({**mtt.model_dump(), key: value})
                except ValueError as error:
                    raise ValueError(
                        f"tune.grid.{key}: {value!r} is not a valid mtt.{key}"
                    ) from error
        starts = tune.grid.get("max_start_epoch", [mtt.max_start_epoch])
        spans = tune.grid.get("expert_epochs", [mtt.expert_epochs])
        needed = max(starts) - 1 + max(spans)
        if self.buffers.epochs < needed:
            raise ValueError(
                f"tune.grid: max_start_epoch - 1 + expert_epochs reaches {needed}, past "
                f"buffers.epochs ({self.buffers.epochs})"
            )
        if tune.configs > 1 and tune.configs > tune.size() + 1:
            raise ValueError(
                f"tune.configs ({tune.configs}) exceeds the grid's {tune.size()} "
                "configurations plus mtt's own"
            )


SECTIONS = tuple(Params.model_fields)
