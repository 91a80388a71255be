"""The `continual` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pdd.config.sections.base import Section
from pdd.progressive.schedule import SCHEDULES


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


SECTION = Continual
