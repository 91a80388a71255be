"""The prepared-dataset file `<prepared_dir>/<name>.pt`: the decoded raw files as uint8
NCHW image tensors, int64 labels and class names (and, for a user's own dataset, the
per-channel mean and std of its training split), written once by the data stage and then
loaded by every later stage in about a second. Plain tensors and lists only, so loading
never needs to unpickle arbitrary objects (`weights_only=True`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from pdd.data.errors import DataFileError
from pdd.data.registry import USER_FORMATS
from pdd.infra.io import save_torch

KEYS = ("train_x", "train_y", "test_x", "test_y", "class_names")
STATISTICS = ("mean", "std")  # a user dataset's own; the registry holds the built-ins'


def prepared_path(name: str, prepared_dir: str | Path) -> Path:
    return Path(prepared_dir) / f"{name}.pt"


def save_prepared(data: dict, path: str | Path) -> Path:
    """Write `data` atomically: a temporary file in the same folder, renamed into place."""
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise ValueError(f"prepared data lacks {missing}")
    kept = [*KEYS, *(key for key in STATISTICS if key in data)]
    return save_torch({key: data[key] for key in kept}, path)


def content_digest(data: dict) -> str:
    """SHA-256 of the prepared tensors (dtype, shape and bytes of each, in a fixed order)
    and the class names: equal digests mean equal data, whatever file or folder it came from."""
    digest = hashlib.sha256()
    for key in KEYS[:4]:
        tensor = data[key].contiguous()
        digest.update(f"{key}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(memoryview(tensor.numpy()).cast("B"))  # no copy
    digest.update("\n".join(data["class_names"]).encode())
    return digest.hexdigest()


def load_prepared(name: str, prepared_dir: str | Path) -> dict:
    """{"train_x", "train_y", "test_x", "test_y", "class_names"} of dataset `name`."""
    path = prepared_path(name, prepared_dir)
    how = f"run `dvc repro data` (or `python -m pdd.data.prepare --dataset {name}`)"
    if not path.is_file():
        raise DataFileError(f"{path}: prepared dataset missing; {how}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated, foreign or tampered file
        reason = " ".join(str(error).split())[:300]  # torch's messages span many lines
        raise DataFileError(f"{path}: cannot be loaded ({reason}); {how}") from None
    if not isinstance(data, dict) or any(key not in data for key in KEYS):
        raise DataFileError(f"{path}: not a prepared dataset (needs {', '.join(KEYS)}); {how}")
    if name in USER_FORMATS and any(key not in data for key in STATISTICS):
        raise DataFileError(f"{path}: a user dataset without its mean and std; {how}")
    return data
