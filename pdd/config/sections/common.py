"""The `common` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from pdd.config.sections.base import Section
from pdd.data.registry import DATASET_CHOICES, USER_FORMATS


class Common(Section):
    seed: int = Field(ge=0, description="base seed; every other seed derives from it")
    dataset: Literal[DATASET_CHOICES]
    data_path: str | None = Field(
        None, description="folder | npz: the image folder or .npz file (else ignored)"
    )
    image_size: int | None = Field(
        None,
        ge=4,
        description="folder | npz: resize every image to this square side (else ignored)",
    )
    test_fraction: float = Field(
        0.2, gt=0, lt=1, description="folder of class folders: share of each class held out as test"
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int = Field(ge=1, description="torch intra-op threads (2 on the 2-core machines)")
    workers: Literal["auto"] | PositiveInt = Field(
        "auto", description="single-thread processes for independent trainings (auto: one per core)"
    )
    data_mirror: str | None = Field(None, description="folder laid out as <mirror>/<dataset>/")
    download: bool = True
    val_per_class: int = Field(ge=1, description="validation images per class, carved from train")
    test_per_class: int | None = Field(
        None, ge=1, description="test images per class scored (seeded); null: the whole split"
    )
    zca: bool = False

    @model_validator(mode="after")
    def _user_data(self) -> Common:
        # data_path and image_size are ignored for a built-in dataset: a profile that picks
        # one (paper: cifar10) stays valid beside a params.yaml set to a user's folder
        if self.dataset in USER_FORMATS and not self.data_path:
            raise ValueError(f"common.dataset {self.dataset!r} needs common.data_path")
        return self


SECTION = Common
