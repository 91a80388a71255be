"""The `matching` section of params.yaml."""

from __future__ import annotations

from pydantic import Field

from pdd.config.sections.base import Section


class Matching(Section):
    """Gradient matching: DC, DSA (DC + Siamese augmentation) and IDC (multi-formation,
    network trained on real data)."""

    iterations: int = Field(ge=1, description="per stage; union gets stages × iterations")
    batch_real: int = Field(ge=1, description="real images per class per matching step")
    lr_img: float = Field(gt=0)
    lr_net: float = Field(gt=0)
    net_steps: int = Field(ge=0, description="network updates between matching steps")
    net_batch: int = Field(ge=1)
    refresh_every: int = Field(ge=1, description="iterations per network, then a fresh one")
    idc_factor: int = Field(ge=1, le=4, description="IDC multi-formation factor")


SECTION = Matching
