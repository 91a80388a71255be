"""The `scaling` section of params.yaml."""

from __future__ import annotations

from pydantic import Field, field_validator

from pdd.config.sections.base import Section


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


SECTION = Scaling
