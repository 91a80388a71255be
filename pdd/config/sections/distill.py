"""The `distill` section of params.yaml: which base method, and the PDD schedules it runs
under. The base method's own settings have sections of their own (`mtt`, `matching`, `dm`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pdd.config.method_sections import METHOD_SECTIONS
from pdd.config.sections.base import Section
from pdd.methods import METHODS
from pdd.progressive.schedule import SCHEDULES


class Distill(Section):
    """The PDD schedules over the base method `method` (its settings: `method_section`)."""

    method: Literal[METHODS]
    runs: int = Field(1, ge=1, description="independent distillation runs of every schedule")
    experts_per_run: int | None = Field(
        None, ge=1, description="experts a run draws (seeded) from buffers.num_experts; null: all"
    )
    stages: int = Field(ge=1)
    ipc_per_stage: int = Field(ge=1)
    schedules: list[Literal[SCHEDULES]] = Field(min_length=1)
    eval_every: int = Field(ge=1, description="iterations between validation snapshots")
    checkpoint_every: int = Field(ge=1, description="iterations between checkpoints")
    select_nets: int = Field(ge=1)
    select_epochs: int = Field(ge=1)
    transition_epochs: int = Field(ge=1)
    transition_starts: int | None = Field(
        None,
        ge=1,
        description="PDD: experts whose starts continue through the transitions "
        "(the run's first ones); null: all of the run's experts",
    )
    mechanism_windows: int = Field(
        0, ge=0, description="windows per run and stage the mechanism check inspects (0: none)"
    )
    paper_budget: list[Literal[SCHEDULES]] = Field(
        default_factory=list,
        description="schedules also distilled under the paper's budget: every stage the "
        "one-stage iteration count (distill@<schedule>-paper)",
    )

    @field_validator("schedules", "paper_budget")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):  # DVC's foreach needs one stage per schedule
            raise ValueError(f"schedules must be distinct, got {value}")
        return value

    @field_validator("paper_budget")
    @classmethod
    def _staged(cls, value: list[str]) -> list[str]:
        if "union" in value:  # one stage: its paper budget is its equal one
            raise ValueError("paper_budget: the union's paper budget is its equal one; drop it")
        return value


def method_section(params: Any) -> Any:
    """The section of the base method `params.distill.method` names (`params.mtt`, ...)."""
    return getattr(params, METHOD_SECTIONS[params.distill.method])


# Keys that left `distill` for the base method's section: an old params file gets one line
# naming the new key.
MOVED_KEYS = {
    key: f"mtt.{key}"
    for key in (
        "iterations",
        "syn_steps",
        "expert_epochs",
        "max_start_epoch",
        "batch_syn",
        "lr_img",
        "lr_lr",
        "unroll",
    )
}

SECTION = Distill
