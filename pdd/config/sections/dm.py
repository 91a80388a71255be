"""The `dm` section of params.yaml."""

from __future__ import annotations

from pydantic import Field

from pdd.config.sections.base import Section


class DM(Section):
    """Distribution matching."""

    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    batch_real: int = Field(ge=1)
    lr_img: float = Field(gt=0)


SECTION = DM
