"""Label validation shared by the readers: a label outside [0, num_classes) would silently
index the wrong class (or crash deep inside training), so it is a data-file error."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pdd.data.errors import DataFileError


def check_labels(labels, num_classes: int, source: str | Path) -> np.ndarray:
    """`labels` as an int64 array, or DataFileError naming `source` if any is out of range."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1:
        raise DataFileError(f"{source}: labels must be one-dimensional, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataFileError(
            f"{source}: label out of range [0, {num_classes}) "
            f"(found values {labels.min()}..{labels.max()})"
        )
    return labels
