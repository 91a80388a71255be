"""Process set-up shared by every stage: device choice, thread count, seeds, determinism."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def resolve_device(name: str = "auto") -> torch.device:
    """`auto` picks CUDA when present, else CPU; an explicit `cuda` without a GPU is an error.
    Under torchrun, `auto` and `cuda` mean this worker's GPU (LOCAL_RANK)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and "LOCAL_RANK" in os.environ and torch.cuda.is_available():
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]) % torch.cuda.device_count())
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("common.device is 'cuda' but no CUDA device is visible; use 'auto'")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch. Library code still passes explicit generators/seeds;
    this only guards code paths that fall back to the global RNGs."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (guards third-party code on the legacy RNG)
    torch.manual_seed(seed)


def setup(*, seed: int, threads: int, device: str = "auto") -> torch.device:
    """Configure the process the way every stage expects and return the device to use."""
    torch.set_num_threads(threads)
    # cuDNN autotuning picks kernels by timing, which breaks run-to-run repeatability.
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    seed_everything(seed)
    return resolve_device(device)


def derive_seed(*parts: int | str) -> int:
    """A stable 31-bit seed from a tuple such as (base_seed, "baselines", ipc, run).
    Python's `hash` is salted per process, so mix the parts by hand."""
    value = 0x9E3779B1
    for part in parts:
        for byte in str(part).encode():
            value = (value ^ byte) * 0x01000193 % 2**32
        value = (value * 0x9E3779B1 + 0x7F4A7C15) % 2**32
    return value % 2**31
