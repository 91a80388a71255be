"""The `ablation` section of params.yaml."""

from __future__ import annotations

import re

from pydantic import Field, PositiveInt, field_validator

from pdd.config.sections.base import Section

# A per-stage IPC split such as "2-8": positive IPCs joined by '-' (ablation.stage_ipcs).
STAGE_SPLIT = re.compile(r"[1-9]\d*(-[1-9]\d*)+")


class Ablation(Section):
    """Notebook 05: the stage count P at a fixed total IPC and a fixed iteration budget."""

    stage_counts: list[int] = Field(
        min_length=1, description="P values; each must divide the total IPC"
    )
    stage_ipcs: list[str] = Field(
        default_factory=list,
        description="per-stage IPC splits at a fixed total, e.g. '2-8' (P = number of parts)",
    )
    runs: int = Field(1, ge=1, description="distillation runs of every item")
    runs_by_item: dict[str, PositiveInt] = Field(
        default_factory=dict,
        description="runs of single items (P or split), else `runs`; other items: ignored",
    )
    num_seeds: int = Field(ge=1, description="evaluation networks per run")

    def runs_of(self, item: int | str) -> int:
        """Distillation runs of one item."""
        return self.runs_by_item.get(str(item), self.runs)

    @field_validator("stage_ipcs")
    @classmethod
    def _splits(cls, value: list[str]) -> list[str]:
        for split in value:
            if not STAGE_SPLIT.fullmatch(str(split)):
                raise ValueError(f"{split!r}: expected per-stage IPCs joined by '-', e.g. '2-8'")
        if len(set(value)) != len(value):
            raise ValueError(f"splits must be distinct, got {value}")
        return value

    @field_validator("stage_counts")
    @classmethod
    def _positive_distinct(cls, value: list[int]) -> list[int]:
        if min(value) < 1 or len(set(value)) != len(value):
            raise ValueError(f"stage counts must be distinct and >= 1, got {value}")
        return value


SECTION = Ablation
