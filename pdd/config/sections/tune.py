"""The `tune` section of params.yaml."""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from pdd.config.sections.base import Section
from pdd.config.sections.mtt import SEARCHABLE


class Tune(Section):
    """Notebook 02: every schedule's MTT settings (the `mtt` section) chosen on the
    validation split, each schedule with the same search budget (configurations x
    iterations)."""

    configs: int = Field(
        1, ge=1, description="configurations per schedule: mtt's own, then seeded grid draws"
    )
    iterations: int = Field(
        1, ge=1, description="iterations per stage of each configuration (union: x stages)"
    )
    num_seeds: int = Field(1, ge=1, description="validation networks per configuration")
    steps: int | None = Field(
        None, ge=1, description="optimiser steps per validation network; null: stages x eval.epochs"
    )
    grid: dict[str, list[int | float]] = Field(
        default_factory=dict, description="mtt key -> the values the search draws from"
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


SECTION = Tune
