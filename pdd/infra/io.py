"""Byte-stable, atomic file writing: a crash never leaves a half-written output behind, and
re-running with the same numbers rewrites the same bytes (so DVC sees no change)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import torch

FLOAT_DIGITS = 6


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success fsync it and rename it into place."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def save_torch(payload: Any, path: str | os.PathLike) -> Path:
    """`torch.save`, atomically and byte-stable: written through a file handle, the zip
    archive's inner folder is always `archive` (given a path, torch names it after the
    file, here a random temporary name, so identical payloads gave different bytes)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        torch.save(payload, handle)
    return Path(path)


def rounded(value: Any, digits: int = FLOAT_DIGITS) -> Any:
    """Round every float inside nested dicts/lists; NaN/Inf are refused (JSON cannot hold them)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing to write non-finite number {value} to a metrics file")
        return round(value, digits)
    if isinstance(value, dict):
        return {str(key): rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item, digits) for item in value]
    return value


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write `data` as JSON with sorted keys and rounded floats, atomically."""
    text = json.dumps(rounded(data), indent=2, sort_keys=True) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


def write_csv(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write a tidy table with fixed float formatting, atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format=f"%.{FLOAT_DIGITS}g", lineterminator="\n")
    return Path(path)
