"""The `buffers` section of params.yaml."""

from __future__ import annotations

from pydantic import Field

from pdd.config.sections.base import Section


class Buffers(Section):
    """Expert trajectories on real data (MTT's buffer.py)."""

    num_experts: int = Field(ge=1)
    epochs: int = Field(ge=1, description="snapshots per expert = epochs + 1")
    lr_teacher: float = Field(gt=0)
    batch_size: int = Field(ge=1)
    examples_per_epoch: int | None = Field(None, ge=1, description="class-balanced subset")


SECTION = Buffers
