"""A user's array file: one `.npz` (numpy.savez) holding `x_train`, `y_train`, `x_test`,
`y_test` and optionally `class_names`. Images are uint8 pixels shaped (N, H, W) for grey,
(N, H, W, C) as numpy images usually are, or (N, C, H, W), with C 1 or 3; labels are
integers 0..K-1, K the number of class names (else the largest training label + 1). Read
without pickle, so a file cannot run code while it is loaded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from pdd.data.errors import DataFileError
from pdd.data.labels import check_labels

KEYS = ("x_train", "y_train", "x_test", "y_test")
CHANNELS = (1, 3)


def read_npz(path: str | Path, *, image_size: int | None) -> tuple[dict, dict]:
    """(data, described): the prepared-data dict and what the summary records about it."""
    path = Path(path)
    arrays = _load(path)
    train_x, test_x = (_nchw(arrays[key], path, key) for key in ("x_train", "x_test"))
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataFileError(
            f"{path}: x_train images are {train_x.shape[1:]} (C, H, W), x_test {test_x.shape[1:]}"
        )
    names = _class_names(arrays, path)
    train_y = _labels(arrays, "y_train", len(train_x), len(names), path)
    test_y = _labels(arrays, "y_test", len(test_x), len(names), path)
    missing = sorted(set(range(len(names))) - set(train_y.tolist()))
    if missing:
        raise DataFileError(f"{path}: class(es) {missing} have no images in y_train")
    height, width = train_x.shape[2:]
    count = len(train_x) + len(test_x)
    train_x, test_x = (_square(x, image_size, path) for x in (train_x, test_x))
    data = {
        "train_x": torch.from_numpy(train_x),
        "train_y": torch.from_numpy(train_y),
        "test_x": torch.from_numpy(test_x),
        "test_y": torch.from_numpy(test_y),
        "class_names": names,
    }
    resized = count if image_size and (height, width) != (image_size, image_size) else 0
    return data, {
        "layout": "array file",
        "original_sizes": {f"{width}x{height}": count},
        "resized": resized,
    }


def _load(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise DataFileError(f"{path}: no such file (common.data_path)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        reason = " ".join(str(error).split())
        raise DataFileError(f"{path}: not a readable .npz array file ({reason})") from None
    absent = [key for key in KEYS if key not in arrays]
    if absent:
        raise DataFileError(f"{path}: lacks {', '.join(absent)} (has {', '.join(arrays)})")
    return arrays


def _nchw(x: np.ndarray, path: Path, key: str) -> np.ndarray:
    """uint8 (N, C, H, W) from any of the accepted layouts."""
    if x.dtype != np.uint8:
        raise DataFileError(f"{path}: {key} is {x.dtype}; expected uint8 pixels 0-255")
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in CHANNELS and x.shape[1] not in CHANNELS:
        x = x.transpose(0, 3, 1, 2)
    elif not (x.ndim == 4 and x.shape[1] in CHANNELS):
        raise DataFileError(
            f"{path}: {key} has shape {x.shape}; expected (N, H, W), (N, H, W, C) or "
            "(N, C, H, W) with C = 1 or 3"
        )
    if len(x) == 0:
        raise DataFileError(f"{path}: {key} holds no images")
    return np.ascontiguousarray(x)


def _class_names(arrays: dict[str, np.ndarray], path: Path) -> list[str]:
    if "class_names" in arrays:
        names = [str(name) for name in arrays["class_names"].reshape(-1)]
    else:
        labels = arrays["y_train"]
        if labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
            raise DataFileError(f"{path}: y_train must hold integer labels, got {labels.dtype}")
        names = [str(label) for label in range(int(labels.max()) + 1)]
    if len(names) < 2:
        raise DataFileError(f"{path}: a single class ({names}); distillation needs two")
    if len(set(names)) != len(names):
        raise DataFileError(f"{path}: class_names repeat a name ({names})")
    return names


def _labels(arrays: dict, key: str, count: int, num_classes: int, path: Path) -> np.ndarray:
    labels = arrays[key]
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataFileError(f"{path}: {key} must hold integer labels, got {labels.dtype}")
    if labels.shape != (count,):
        raise DataFileError(f"{path}: {key} has shape {labels.shape}; expected ({count},)")
    return check_labels(labels, num_classes, f"{path}:{key}")


def _square(x: np.ndarray, image_size: int | None, path: Path) -> np.ndarray:
    """The images as squares of side `image_size` (Pillow, bicubic), or unchanged."""
    height, width = x.shape[2:]
    if image_size is None:
        if height != width:
            raise DataFileError(
                f"{path}: images are {width}x{height}; the networks take square images, so set "
                f"common.image_size to resize them (e.g. {max(width, height)})"
            )
        return x
    if (height, width) == (image_size, image_size):
        return x
    from PIL import Image

    out = np.empty((len(x), x.shape[1], image_size, image_size), dtype=np.uint8)
    for i, image in enumerate(x):
        for c, plane in enumerate(image):  # per channel: Pillow's "L" mode, exact for grey
            resized = Image.fromarray(plane).resize((image_size, image_size), Image.Resampling.BICUBIC)
            out[i, c] = np.asarray(resized)
    return out
