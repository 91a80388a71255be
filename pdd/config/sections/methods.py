"""The `methods` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pdd.config.sections.base import Section
from pdd.methods import METHODS


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


SECTION = Methods
