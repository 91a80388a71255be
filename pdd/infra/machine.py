"""What ran a notebook: kept in its metadata, so published stage times name their machine."""

from __future__ import annotations

import os
import platform
import subprocess
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
    """CPU, core count and accelerator of this machine, with the torch build and the x86
    kernel cap the stage ran under (None: the machine's widest)."""
    return {
        "cpu": cpu_model(),
        "cpu_kernels": os.environ.get("ATEN_CPU_CAPABILITY"),
        "cores": os.cpu_count(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
    }


# What a stage's results depend on besides its inputs: the package, notebooks and params.
CODE_PATHS = ("pdd", "notebooks", "params.yaml", "profiles")


def code_version(root: Path) -> dict[str, object]:
    """The git commit the code ran at and the code files changed on top of it (uncommitted);
    no commit outside a git checkout."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)

    try:
        head = git("rev-parse", "HEAD")
    except FileNotFoundError:  # no git on this machine
        return {"commit": None, "changed": []}
    if head.returncode != 0:
        return {"commit": None, "changed": []}
    status = git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    return {
        "commit": head.stdout.strip(),
        "changed": [line[3:] for line in status.stdout.splitlines()],
    }


def commit_label(code: dict[str, object] | None) -> str:
    """Short commit ('3b60735'), '+' when code changed on top of it; '—' when unknown."""
    if not code or not code.get("commit"):
        return "—"
    return str(code["commit"])[:7] + ("+" if code.get("changed") else "")


def label(machine: dict[str, object] | None) -> str:
    """Short table label: 'AMD EPYC, 2 cores' (+ the GPU); '—' where none was recorded."""
    if not machine:
        return "—"
    text = f"{machine.get('cpu', 'unknown')}, {machine.get('cores', '?')} cores"
    if machine.get("cpu_kernels"):
        text += f", {machine['cpu_kernels']} kernels"
    return f"{text}, {machine['gpu']}" if machine.get("gpu") else text
