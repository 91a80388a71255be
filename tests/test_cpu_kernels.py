"""Stages run with x86 kernels capped at AVX2, so results repeat across x86 machines."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from pdd.pipeline.run import REPEATABLE_CPU_KERNELS, cap_cpu_kernels


def test_the_cap_fills_what_the_caller_left_unset():
    environ = {"MKL_CBWR": "AUTO"}
    cap_cpu_kernels(environ)
    assert environ == {
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_CBWR": "AUTO",
    }


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 kernels only")
def test_torch_reads_the_cap():
    """The variable names are the ones torch reads: a child under the cap dispatches AVX2
    kernels (the machines here all have AVX2), one without it the machine's widest."""
    probe = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    base = {k: v for k, v in os.environ.items() if k not in REPEATABLE_CPU_KERNELS}

    def capability(environ: dict[str, str]) -> str:
        child = subprocess.run(
            [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True
        )
        return child.stdout.strip()

    assert capability(base | REPEATABLE_CPU_KERNELS) == "AVX2"
    assert capability(base) in ("AVX2", "AVX512")
