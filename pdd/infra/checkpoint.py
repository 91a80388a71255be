"""Resumable state on disk: checkpoints written atomically (temporary file, fsync, rename),
read back only when whole, and a lock so that two runs never work in one folder at once.

A run can die anywhere (SIGKILL, out of memory, a full disk). The rename in `save` means a
checkpoint is either the old one or the new one, never a torn mix; `load_or_none` still
distrusts what it reads, because a disk or a copy can truncate a file behind our back.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from filelock import FileLock, Timeout

from pdd.infra.io import save_torch


class FolderBusy(RuntimeError):
    """Another live process holds the folder's lock."""


def save(payload: dict[str, Any], path: Path) -> None:
    """`torch.save` that either fully replaces `path` or leaves the old file untouched."""
    save_torch(payload, path)


def load(path: Path) -> dict[str, Any]:
    """Plain tensors and containers only: a checkpoint can never run code when loaded."""
    return torch.load(path, map_location="cpu", weights_only=True)


def load_or_none(path: Path) -> dict[str, Any] | None:
    """The checkpoint at `path`, or None when there is none or it is unreadable (with a
    warning: a truncated file is ignored and its work redone, never trusted)."""
    if not path.is_file():
        return None
    try:
        return load(path)
    except Exception as error:  # torch raises several types for a torn zip archive
        warnings.warn(f"{path}: unreadable checkpoint ignored ({error})", stacklevel=2)
        return None


@contextmanager
def exclusive(folder: Path, name: str) -> Iterator[Path]:
    """Hold the lock `name` in `folder` for the duration: a second run resuming the same
    piece of work (e.g. a rerun while an orphaned first run still works) stops with a clear
    error instead of interleaving checkpoints. Shards lock different names, so they share a
    folder. The operating system drops the lock when its holder dies, so none is ever stale;
    `filelock` picks the lock call of each system (flock on POSIX, msvcrt on Windows)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".{name}.lock"
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise FolderBusy(
            f"{folder}: {name} is in use by another run; wait for it or stop it"
        ) from None
    try:
        yield folder
    finally:
        lock.release()
        # The lock file is not a result: leave none behind in a DVC output folder.
        path.unlink(missing_ok=True)
