"""The `easy_drop` section of params.yaml."""

from __future__ import annotations

from pydantic import Field, field_validator

from pdd.config.sections.base import Section


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


SECTION = EasyDrop
