"""The data layer: dataset registry, verified file fetching, format readers, the prepared
uint8 tensor file, class-balanced splits, ZCA, and normalised in-memory tensors."""

from pdd.data.errors import DataFileError
from pdd.data.fetch import materialize, md5_of, mirror_from_env, verify
from pdd.data.prepare import load_prepared, prepare_dataset
from pdd.data.readers import read_cifar, read_idx, read_tiny_imagenet
from pdd.data.registry import DATASET_NAMES, DATASETS, DatasetSpec, RemoteFile, get_spec
from pdd.data.splits import class_indices, sample_per_class, stratified_split
from pdd.data.tensors import Splits, denormalize, load_splits, normalize
from pdd.data.zca import ZCA

__all__ = [
    "DATASETS",
    "DATASET_NAMES",
    "DataFileError",
    "DatasetSpec",
    "RemoteFile",
    "Splits",
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
    "stratified_split",
    "verify",
]
