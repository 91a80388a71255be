"""The prepared-dataset file `<prepared_dir>/<name>.pt`: the decoded raw files as uint8
NCHW image tensors, int64 labels and class names, written once by the data stage and then
loaded by every later stage in about a second. Plain tensors and lists only, so loading
never needs to unpickle arbitrary objects (`weights_only=True`)."""

from __future__ import annotations

from pathlib import Path

import torch

from pdd.data.errors import DataFileError
from pdd.infra.io import save_torch

KEYS = ("train_x", "train_y", "test_x", "test_y", "class_names")


def prepared_path(name: str, prepared_dir: str | Path) -> Path:
    return Path(prepared_dir) / f"{name}.pt"


def save_prepared(data: dict, path: str | Path) -> Path:
    """Write `data` atomically: a temporary file in the same folder, renamed into place."""
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise ValueError(f"prepared data lacks {missing}")
    return save_torch({key: data[key] for key in KEYS}, path)


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
    return data
