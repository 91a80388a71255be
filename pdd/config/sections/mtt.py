"""The `mtt` section of params.yaml: Matching Training Trajectories, the headline's base
method (its initial step size is the experts' `buffers.lr_teacher`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pdd.config.sections.base import Section
from pdd.methods.unroll import UNROLLS


class MTT(Section):
    """One MTT stage: N unrolled student steps matched to an expert's M..M+E window."""

    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    syn_steps: int = Field(ge=1, description="N: student steps unrolled per iteration")
    expert_epochs: int = Field(ge=1, description="E: expert epochs the student matches")
    max_start_epoch: int = Field(ge=1, description="M: the window starts at an epoch below M")
    batch_syn: int = Field(ge=1, description="synthetic images per unrolled step")
    lr_img: float = Field(gt=0)
    lr_lr: float = Field(ge=0)
    unroll: Literal[UNROLLS] = Field(description="graph | adjoint: how MTT differentiates")
    stage_start_share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="a stage of a P > 1 schedule draws its start from the "
        "first round(M x share) epochs (at least 1)",
    )

    def stage_max_start(self) -> int:
        """M for one stage of a schedule of several stages: PDD matches each stage to a
        shorter stretch of training than MTT alone (the paper's CIFAR-10 IPC 10 recipe: M
        20 alone, 5 per stage, a share of 0.25)."""
        return max(1, round(self.max_start_epoch * self.stage_start_share))


# The keys a search may vary (tune.grid names a subset).
SEARCHABLE = ("max_start_epoch", "syn_steps", "batch_syn", "lr_img", "lr_lr", "expert_epochs")

SECTION = MTT
