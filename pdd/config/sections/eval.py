"""The `eval` section of params.yaml."""

from __future__ import annotations

from pydantic import Field, field_validator

from pdd.config.sections.base import Section
from pdd.core.augment import parse_strategy


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


SECTION = Eval
