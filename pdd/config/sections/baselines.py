"""The `baselines` section of params.yaml."""

from __future__ import annotations

from pydantic import Field, field_validator

from pdd.config.sections.base import Section


class Baselines(Section):
    ipcs: list[int] = Field(min_length=1, description="images per class of the random subsets")
    examples_per_class: int = Field(ge=1, le=20)

    @field_validator("ipcs")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(ipc < 1 for ipc in value):
            raise ValueError(f"every IPC must be >= 1, got {value}")
        return value


SECTION = Baselines
