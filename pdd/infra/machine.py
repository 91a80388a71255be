"""What ran a notebook: kept in its metadata, so published stage times name their machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import torch

CPUINFO = Path("/proc/cpuinfo")


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The processor's marketing name (Linux), else what `platform` knows."""
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def describe() -> dict[str, object]:
    """CPU, core count and accelerator of this machine, with the torch build."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
    }


def label(machine: dict[str, object] | None) -> str:
    """Short table label: 'AMD EPYC, 2 cores' (+ the GPU); '—' where none was recorded."""
    if not machine:
        return "—"
    text = f"{machine.get('cpu', 'unknown')}, {machine.get('cores', '?')} cores"
    return f"{text}, {machine['gpu']}" if machine.get("gpu") else text
