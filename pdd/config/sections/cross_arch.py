"""The `cross_arch` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pdd.config.sections.base import Section
from pdd.core.models import MODEL_NAMES
from pdd.progressive.schedule import SCHEDULES


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


SECTION = CrossArch
