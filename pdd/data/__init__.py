"""The data layer: dataset registry, verified file fetching (local copy, mirror, download),
format readers (a user's image folder and array file too), the prepared uint8 tensor file, class-balanced splits, ZCA whitening and
normalised in-memory tensors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pdd.data.checksum import md5_of, verify
from pdd.data.errors import DataFileError
from pdd.data.fetch import materialize, mirror_from_env
from pdd.data.prepared import load_prepared
from pdd.data.readers import read_cifar, read_idx, read_tiny_imagenet
from pdd.data.registry import (
    DATASET_CHOICES,
    DATASET_NAMES,
    DATASETS,
    USER_FORMATS,
    DatasetSpec,
    RemoteFile,
    get_spec,
    spec_from_prepared,
)
from pdd.data.splits import class_indices, sample_per_class, stratified_split
from pdd.data.tensors import Splits, denormalize, load_splits, normalize
from pdd.data.zca import ZCA

if TYPE_CHECKING:
    from pdd.data.prepare import prepare_dataset


def __getattr__(name: str) -> Any:
    # `pdd.data.prepare` is also the command-line entry point; importing it here eagerly
    # would make `python -m pdd.data.prepare` warn that the module was imported twice.
    if name == "prepare_dataset":
        from pdd.data.prepare import prepare_dataset

        return prepare_dataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATASETS",
    "DATASET_CHOICES",
    "DATASET_NAMES",
    "DataFileError",
    "DatasetSpec",
    "RemoteFile",
    "Splits",
    "USER_FORMATS",
    "ZCA",
    "class_indices",
    "denormalize",
    "get_spec",
    "load_prepared",
    "load_splits",
    "materialize",
    "md5_of",
    "mirror_from_env",
    "normalize",
    "prepare_dataset",
    "read_cifar",
    "read_idx",
    "read_tiny_imagenet",
    "sample_per_class",
    "spec_from_prepared",
    "stratified_split",
    "verify",
]
