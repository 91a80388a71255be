"""The data layer: dataset registry, verified file fetching (local copy, mirror, download),
format readers (a user's image folder and array file too), the prepared uint8 tensor file,
class-balanced splits, ZCA whitening and normalised in-memory tensors.

The package's own modules import from the submodules, so a stage's code deps name the data
code it runs. `from pdd.data import Splits` still works: each name is imported from its
submodule on first use."""

from __future__ import annotations

import importlib
from typing import Any

# name -> the submodule that defines it
WHERE = {
    "md5_of": "checksum",
    "verify": "checksum",
    "DataFileError": "errors",
    "materialize": "fetch",
    "mirror_from_env": "fetch",
    "load_prepared": "prepared",
    "read_cifar": "readers",
    "read_idx": "readers",
    "read_tiny_imagenet": "readers",
    "DATASET_CHOICES": "registry",
    "DATASET_NAMES": "registry",
    "DATASETS": "registry",
    "USER_FORMATS": "registry",
    "DatasetSpec": "registry",
    "RemoteFile": "registry",
    "get_spec": "registry",
    "spec_from_prepared": "registry",
    "class_indices": "splits",
    "sample_per_class": "splits",
    "stratified_split": "splits",
    "Splits": "tensors",
    "denormalize": "tensors",
    "load_splits": "tensors",
    "normalize": "tensors",
    "ZCA": "zca",
    "prepare_dataset": "prepare",
}


def __getattr__(name: str) -> Any:
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{WHERE[name]}"), name)


__all__ = sorted(WHERE)
