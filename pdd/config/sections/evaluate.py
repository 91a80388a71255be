"""The `evaluate` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pdd.config.recipes import RECIPES
from pdd.config.sections.base import Section


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


SECTION = Evaluate
