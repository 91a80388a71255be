"""The schema of `params.yaml`: one pydantic model per section, each field with its bounds.

Validators phrase their errors for the user; `pdd.config.params` reads the file, applies the
profile overlays and turns validation errors into one line per bad key.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from pdd.core.augment import parse_strategy
from pdd.core.models import MODEL_NAMES, NORMS
from pdd.core.schedule import SCHEDULES, ablation_split
from pdd.data.registry import DATASET_CHOICES, USER_FORMATS
from pdd.methods import METHODS
from pdd.methods.unroll import UNROLLS

# Evaluation recipes (pdd.config.context.recipe): the `eval` section as it is; translation
# only instead of DSA (the plainer recipe of the distillation benchmarks); ConvNet-128.
RECIPES = ("default", "shift", "plain", "wide")
# A per-stage IPC split such as "2-8": positive IPCs joined by '-' (ablation.stage_ipcs).
STAGE_SPLIT = re.compile(r"[1-9]\d*(-[1-9]\d*)+")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Common(Section):
    seed: int = Field(ge=0, description="base seed; every other seed derives from it")
    dataset: Literal[DATASET_CHOICES]
    data_path: str | None = Field(
        None, description="folder | npz: the image folder or .npz file (else ignored)"
    )
    image_size: int | None = Field(
        None,
        ge=4,
        description="folder | npz: resize every image to this square side (else ignored)",
    )
    test_fraction: float = Field(
        0.2, gt=0, lt=1, description="folder of class folders: share of each class held out as test"
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int = Field(ge=1, description="torch intra-op threads (2 on the 2-core machines)")
    workers: Literal["auto"] | PositiveInt = Field(
        "auto", description="single-thread processes for independent trainings (auto: one per core)"
    )
    data_mirror: str | None = Field(None, description="folder laid out as <mirror>/<dataset>/")
    download: bool = True
    val_per_class: int = Field(ge=1, description="validation images per class, carved from train")
    test_per_class: int | None = Field(
        None, ge=1, description="test images per class scored (seeded); null: the whole split"
    )
    zca: bool = False

    @model_validator(mode="after")
    def _user_data(self) -> Common:
        # data_path and image_size are ignored for a built-in dataset: a profile that picks
        # one (paper: cifar10) stays valid beside a params.yaml set to a user's folder
        if self.dataset in USER_FORMATS and not self.data_path:
            raise ValueError(f"common.dataset {self.dataset!r} needs common.data_path")
        return self


class Net(Section):
    name: Literal[MODEL_NAMES]
    width: int = Field(ge=1)
    depth: int | None = Field(None, ge=1)
    norm: Literal[NORMS]


class Eval(Section):
    """How a network is trained on a (synthetic or real) set to score it."""

    epochs: int = Field(ge=1)
    lr: float = Field(gt=0)
    momentum: float = Field(ge=0, lt=1)
    weight_decay: float = Field(ge=0)
    batch_size: int = Field(ge=1)
    lr_decay_at: list[float] = Field(description="fractions of `epochs` where lr is multiplied")
    lr_decay_factor: float = Field(gt=0, le=1)
    dsa: bool
    dsa_strategy: str
    dsa_flip: bool
    num_seeds: int = Field(ge=1, description="networks trained per score (mean ± std)")

    @field_validator("lr_decay_at")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < point < 1 for point in value):
            raise ValueError(f"every decay point must be a fraction in (0, 1), got {value}")
        return sorted(value)

    @field_validator("dsa_strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        parse_strategy(value)
        return value


class Baselines(Section):
    ipcs: list[int] = Field(min_length=1, description="images per class of the random subsets")
    examples_per_class: int = Field(ge=1, le=20)

    @field_validator("ipcs")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(ipc < 1 for ipc in value):
            raise ValueError(f"every IPC must be >= 1, got {value}")
        return value


class Buffers(Section):
    """Expert trajectories on real data (MTT's buffer.py)."""

    num_experts: int = Field(ge=1)
    epochs: int = Field(ge=1, description="snapshots per expert = epochs + 1")
    lr_teacher: float = Field(gt=0)
    batch_size: int = Field(ge=1)
    examples_per_epoch: int | None = Field(None, ge=1, description="class-balanced subset")


class Distill(Section):
    """The base method per stage (MTT keys here; other methods in `matching` / `dm`) and
    the PDD schedules."""

    method: Literal[METHODS]
    runs: int = Field(1, ge=1, description="independent distillation runs of every schedule")
    experts_per_run: int | None = Field(
        None, ge=1, description="experts a run draws (seeded) from buffers.num_experts; null: all"
    )
    stages: int = Field(ge=1)
    ipc_per_stage: int = Field(ge=1)
    schedules: list[Literal[SCHEDULES]] = Field(min_length=1)
    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    syn_steps: int = Field(ge=1)
    expert_epochs: int = Field(ge=1)
    max_start_epoch: int = Field(ge=1)
    batch_syn: int = Field(ge=1)
    lr_img: float = Field(gt=0)
    lr_lr: float = Field(ge=0)
    eval_every: int = Field(ge=1)
    checkpoint_every: int = Field(ge=1)
    select_nets: int = Field(ge=1)
    select_epochs: int = Field(ge=1)
    transition_epochs: int = Field(ge=1)
    unroll: Literal[UNROLLS] = Field(description="graph | adjoint: how MTT differentiates")

    @field_validator("schedules")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):  # DVC's foreach needs one stage per schedule
            raise ValueError(f"schedules must be distinct, got {value}")
        return value


# The distill keys a search may vary (they shape MTT only; tune.grid names a subset).
SEARCHABLE = ("max_start_epoch", "syn_steps", "batch_syn", "lr_img", "lr_lr", "expert_epochs")


class Tune(Section):
    """Notebook 02: every schedule's MTT settings chosen on the validation split, each
    schedule with the same search budget (configurations x iterations)."""

    configs: int = Field(
        1, ge=1, description="configurations per schedule: distill's own, then seeded grid draws"
    )
    iterations: int = Field(
        1, ge=1, description="iterations per stage of each configuration (union: x stages)"
    )
    num_seeds: int = Field(1, ge=1, description="validation networks per configuration")
    steps: int | None = Field(
        None, ge=1, description="optimiser steps per validation network; null: stages x eval.epochs"
    )
    grid: dict[str, list[int | float]] = Field(
        default_factory=dict, description="distill key -> the values the search draws from"
    )

    @field_validator("grid")
    @classmethod
    def _searchable(cls, value: dict[str, list[int | float]]) -> dict[str, list[int | float]]:
        for key, values in value.items():
            if key not in SEARCHABLE:
                raise ValueError(f"{key!r} cannot be searched; allowed: {', '.join(SEARCHABLE)}")
            if not values or len(set(values)) != len(values):
                raise ValueError(f"grid.{key} must list distinct values, got {values}")
        return value

    def size(self) -> int:
        """Configurations the grid holds."""
        return math.prod(len(values) for values in self.grid.values())


class Matching(Section):
    """Gradient matching: DC, DSA (DC + Siamese augmentation) and IDC (multi-formation,
    network trained on real data)."""

    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    batch_real: int = Field(ge=1, description="real images per class per matching step")
    lr_img: float = Field(gt=0)
    lr_net: float = Field(gt=0)
    net_steps: int = Field(ge=0, description="network updates between matching steps")
    net_batch: int = Field(ge=1)
    refresh_every: int = Field(ge=1, description="iterations per network, then a fresh one")
    idc_factor: int = Field(ge=1, le=4, description="IDC multi-formation factor")


class DM(Section):
    """Distribution matching."""

    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    batch_real: int = Field(ge=1)
    lr_img: float = Field(gt=0)


class Methods(Section):
    """Notebook 04: every listed base method alone (union) and with PDD (progressive)."""

    names: list[Literal[METHODS]] = Field(min_length=1)
    runs: int = Field(1, ge=1, description="distillation runs of each method, alone and with PDD")
    num_seeds: int = Field(ge=1, description="evaluation networks per run")

    @field_validator("names")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"names must be distinct, got {value}")
        return value


class Evaluate(Section):
    """How notebook 03 scores the schedules' sets: both protocols, every recipe."""

    stage_epochs: int = Field(ge=1, description="epochs per stage of progressive evaluation")
    equal_steps: int | None = Field(
        None, ge=1, description="the equal protocol's steps per set; null: stages × stage_epochs"
    )
    recipes: list[Literal[RECIPES]] = Field(
        ["default"], min_length=1, description="evaluation recipes; the first is `eval`'s own"
    )
    num_seeds: int = Field(ge=1, description="evaluation networks per distillation run")

    @field_validator("recipes")
    @classmethod
    def _default_first(cls, value: list[str]) -> list[str]:
        if value[0] != "default" or len(set(value)) != len(value):
            raise ValueError(f"recipes must be distinct and start with 'default', got {value}")
        return value


class Ablation(Section):
    """Notebook 05: the stage count P at a fixed total IPC and a fixed iteration budget."""

    stage_counts: list[int] = Field(
        min_length=1, description="P values; each must divide the total IPC"
    )
    stage_ipcs: list[str] = Field(
        default_factory=list,
        description="per-stage IPC splits at a fixed total, e.g. '2-8' (P = number of parts)",
    )
    runs: int = Field(1, ge=1, description="distillation runs of every item")
    runs_by_item: dict[str, PositiveInt] = Field(
        default_factory=dict,
        description="runs of single items (P or split), else `runs`; other items: ignored",
    )
    num_seeds: int = Field(ge=1, description="evaluation networks per run")

    def runs_of(self, item: int | str) -> int:
        """Distillation runs of one item."""
        return self.runs_by_item.get(str(item), self.runs)

    @field_validator("stage_ipcs")
    @classmethod
    def _splits(cls, value: list[str]) -> list[str]:
        for split in value:
            if not STAGE_SPLIT.fullmatch(str(split)):
                raise ValueError(f"{split!r}: expected per-stage IPCs joined by '-', e.g. '2-8'")
        if len(set(value)) != len(value):
            raise ValueError(f"splits must be distinct, got {value}")
        return value

    @field_validator("stage_counts")
    @classmethod
    def _positive_distinct(cls, value: list[int]) -> list[int]:
        if min(value) < 1 or len(set(value)) != len(value):
            raise ValueError(f"stage counts must be distinct and >= 1, got {value}")
        return value


class Scaling(Section):
    """Notebook 05b: grow the set with more, larger PDD stages; random real subsets of the
    same and larger sizes; everything relative to a full-data network."""

    stages: int = Field(ge=1, description="PDD stages of the grown set")
    ipc_per_stage: int = Field(ge=1, description="images per class each stage adds")
    iterations: int = Field(ge=1, description="base-method iterations per stage")
    batch_syn: int = Field(ge=1, description="images per unrolled step (MTT)")
    real_ipcs: list[int] = Field(min_length=1, description="random real subset sizes")
    real_steps: int = Field(ge=1, description="optimiser steps for a large real subset")
    runs: int = Field(1, ge=1, description="distillation runs of the grown set")
    num_seeds: int = Field(ge=1, description="evaluation networks per set (per run)")

    @field_validator("real_ipcs")
    @classmethod
    def _positive_distinct(cls, value: list[int]) -> list[int]:
        if min(value) < 1 or len(set(value)) != len(value):
            raise ValueError(f"subset sizes must be distinct and >= 1, got {value}")
        return sorted(value)


class EasyDrop(Section):
    """Notebooks 06: forgetting statistics on real data, then PDD whose later stages learn
    from the hardest examples only."""

    forgetting_epochs: int = Field(ge=2, description="epochs of the forgetting-statistics run")
    drop_rates: list[float] = Field(min_length=1, description="easiest fraction dropped, per class")
    correct_by_all_keep: float = Field(
        ge=0, lt=1, description="correct-by-all: probability a learnt example is kept"
    )
    runs: int = Field(1, ge=1, description="distillation runs of every rate")
    num_seeds: int = Field(ge=1, description="evaluation networks per run")

    @field_validator("drop_rates")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0.0 <= rate < 1.0 for rate in value) or len(set(value)) != len(value):
            raise ValueError(f"drop rates must be distinct and in [0, 1), got {value}")
        return value


class CrossArch(Section):
    """Notebook 07: the published sets (distilled with `net`) scored on other networks."""

    nets: list[Literal[MODEL_NAMES]] = Field(min_length=1)
    schedules: list[Literal[SCHEDULES]] = Field(
        min_length=1, description="published distill sets scored beside random real images"
    )
    progressive_nets: list[Literal[MODEL_NAMES]] = Field(
        default_factory=list,
        description="networks also trained through the sets' stages (paper and equal protocols)",
    )
    epochs: int = Field(ge=1, description="training epochs (per stage under the paper protocol)")
    runs: int = Field(1, ge=1, description="distillation runs of every set, paired run by run")
    num_seeds: int = Field(ge=1, description="networks per run")
    test_images: int | None = Field(None, ge=1, description="seeded test subset; null = all")

    @model_validator(mode="after")
    def _progressive_among_nets(self) -> CrossArch:
        extra = [net for net in self.progressive_nets if net not in self.nets]
        if extra:
            raise ValueError(f"progressive_nets: {extra} not in nets {self.nets}")
        return self


class Continual(Section):
    """Notebook 08: class-incremental learning with a replay memory of each source's images."""

    num_tasks: int = Field(ge=2, description="the classes split into this many equal tasks")
    schedules: list[Literal[SCHEDULES]] = Field(
        min_length=1, description="published distill sets used as memories beside random real"
    )
    epochs: int = Field(
        ge=1, description="epochs of the fresh network after every task (per stage: paper)"
    )
    runs: int = Field(1, ge=1, description="distillation runs of every memory, paired run by run")
    num_seeds: int = Field(ge=1, description="networks per run")


class Params(Section):
    common: Common
    net: Net
    eval: Eval
    baselines: Baselines
    buffers: Buffers
    distill: Distill
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
        needed = self.distill.max_start_epoch - 1 + self.distill.expert_epochs
        if self.buffers.epochs < needed:
            raise ValueError(
                f"buffers.epochs ({self.buffers.epochs}) must be >= distill.max_start_epoch - 1 "
                f"+ distill.expert_epochs ({needed})"
            )
        self._searchable_grid()
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
        budget = self.distill.stages * self.distill.iterations
        for item in [*self.ablation.stage_counts, *self.ablation.stage_ipcs]:
            ablation_split(item, total_ipc, budget)
        return self

    def _searchable_grid(self) -> None:
        """Every configuration the search may draw is a valid `distill` section that the
        buffers can feed, and the grid holds as many as `tune.configs` asks for."""
        tune, distill = self.tune, self.distill
        for key, values in tune.grid.items():
            for value in values:
                try:
                    Distill.model_validate({**distill.model_dump(), key: value})
                except ValueError as error:
                    raise ValueError(
                        f"tune.grid.{key}: {value!r} is not a valid distill.{key}"
                    ) from error
        starts = tune.grid.get("max_start_epoch", [distill.max_start_epoch])
        spans = tune.grid.get("expert_epochs", [distill.expert_epochs])
        needed = max(starts) - 1 + max(spans)
        if self.buffers.epochs < needed:
            raise ValueError(
                f"tune.grid: max_start_epoch - 1 + expert_epochs reaches {needed}, past "
                f"buffers.epochs ({self.buffers.epochs})"
            )
        if tune.configs > 1 and tune.configs > tune.size() + 1:
            raise ValueError(
                f"tune.configs ({tune.configs}) exceeds the grid's {tune.size()} "
                "configurations plus distill's own"
            )


SECTIONS = tuple(Params.model_fields)
