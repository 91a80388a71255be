"""SIGKILL in the middle of the real stages, then the same command again: it must resume
(finished experts untouched, the unfinished one continued, MTT from its checkpoint) and end
with outputs bit-identical to an uninterrupted run.

Each stage runs as `python -m pdd` (papermill and its kernel) in its own session; the
whole process tree is killed at once, as an out-of-memory kill or a lost machine would.
Kill points are drawn from a seeded generator and bounded in time: a few seconds after the
first checkpoint of the stage appears."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import torch

from pdd.infra.paths import ROOT

pytestmark = pytest.mark.slow

# Smoke profile, made long enough that a kill lands mid-work.
BUFFERS = ["--set", "buffers.num_experts=3", "--set", "buffers.epochs=6"]
BUFFERS += ["--set", "buffers.examples_per_epoch=2000"]
# one distillation run: each run resumes in a work folder of its own, as this one does
DISTILL = ["--set", "distill.runs=1", "--set", "mtt.iterations=60"]
DISTILL += [f"--set={key}.runs=1" for key in ("ablation", "cross_arch", "continual")]
# no search: the kill points below are in the run itself (the search resumes the same way)
DISTILL += ["--set", "tune.configs=1", "--set", "distill.checkpoint_every=2"]
DISTILL += ["--set", "distill.eval_every=20"]
STAGES = {
    "buffers": ["buffers", *BUFFERS],
    "search": ["search", *BUFFERS, *DISTILL],  # one configuration: publishes the mtt section
    "distill": ["distill", "--item", "schedule=progressive", *BUFFERS, *DISTILL],
}
# Kill a random time (seconds) after a checkpoint first appears: mid-expert in the buffers;
# in distillation mid-MTT of stage 1, in the transition's real-data experts, mid stage 2.
KILL_POINTS = [
    ("expert_000.pt", (0.0, 3.0), "progressive_stage1.pt", (0.0, 1.0)),
    ("expert_001.pt", (0.0, 2.0), "buffer_stage2-*/expert_000.pt", (0.0, 0.5)),
    ("expert_002.pt", (0.0, 1.0), "progressive_stage2.pt", (0.0, 1.0)),
]


def command(stage: str, workdir: Path) -> list[str]:
    args = STAGES[stage]
    return [sys.executable, "-m", "pdd", *args, "--profile", "smoke", "--workdir", str(workdir)]


def run(stage: str, workdir: Path, mirror: Path) -> str:
    done = subprocess.run(
        command(stage, workdir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PDD_DATA_MIRROR": str(mirror)},
        timeout=600,
    )
    assert done.returncode == 0, f"{stage} failed:\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def kill_midway(stage: str, workdir: Path, mirror: Path, trigger: str, delay: float) -> bool:
    """Start `stage`, wait for the checkpoint `trigger` to appear, wait `delay` seconds more,
    SIGKILL the whole tree. Returns whether it was still running when killed."""
    process = subprocess.Popen(
        command(stage, workdir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PDD_DATA_MIRROR": str(mirror)},
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not any((workdir / "artifacts" / "work").glob(f"*/**/{trigger}")):
        assert process.poll() is None, f"{stage} ended before writing a checkpoint"
        assert time.monotonic() < deadline, f"{stage} wrote no checkpoint in 300 s"
        time.sleep(0.05)
    time.sleep(delay)
    tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    alive = process.poll() is None
    for member in tree:  # the kernel runs in its own session: kill it by pid too
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=30)
    return alive


def tensors_of(folder: Path, pattern: str) -> dict[str, dict]:
    found = {
        path.relative_to(folder).as_posix(): torch.load(path, weights_only=True)
        for path in sorted(folder.glob(pattern))
    }
    assert found, f"nothing matches {pattern} in {folder}"
    return found


def assert_same(left, right, where: str) -> None:
    if isinstance(left, torch.Tensor):
        assert torch.equal(left, right), where
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            assert_same(left[key], right[key], f"{where}.{key}")
    else:
        assert left == right, where


def fingerprints(workdir: Path, pattern: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (workdir / "artifacts" / "work").glob(f"*/**/{pattern}")}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, data_mirror) -> Path:
    base = tmp_path_factory.mktemp("base")
    done = subprocess.run(
        [sys.executable, "-m", "pdd", "data", "--profile", "smoke", "--workdir", str(base)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PDD_DATA_MIRROR": str(data_mirror)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return base


@pytest.fixture(scope="module")
def reference(prepared, tmp_path_factory, data_mirror) -> Path:
    workdir = tmp_path_factory.mktemp("reference")
    shutil.copytree(prepared, workdir, dirs_exist_ok=True)
    run("buffers", workdir, data_mirror)
    run("search", workdir, data_mirror)
    run("distill", workdir, data_mirror)
    return workdir


@pytest.mark.parametrize("point", range(len(KILL_POINTS)))
def test_killed_stages_resume_to_identical_outputs(
    point, prepared, reference, tmp_path, data_mirror
):
    delays = random.Random(point)
    buffers_trigger, buffers_delay, distill_trigger, distill_delay = KILL_POINTS[point]
    shutil.copytree(prepared, tmp_path, dirs_exist_ok=True)

    alive = kill_midway(
        "buffers", tmp_path, data_mirror, buffers_trigger, delays.uniform(*buffers_delay)
    )
    assert alive, f"buffers ended before the kill at {buffers_trigger}"
    saved = fingerprints(tmp_path, "expert_*.pt")
    complete = {p for p in saved if torch.load(p, weights_only=True)["complete"]}
    log = run("buffers", tmp_path, data_mirror)
    for path in complete:
        assert path.read_bytes() == saved[path], f"{path.name} was retrained, not reused"
    if set(saved) - complete:  # an expert was cut short: it must continue, not restart
        assert "resumes after epoch" in log
    assert_same(
        tensors_of(tmp_path / "artifacts" / "buffers", "expert_*.pt"),
        tensors_of(reference / "artifacts" / "buffers", "expert_*.pt"),
        "buffers",
    )

    run("search", tmp_path, data_mirror)
    alive = kill_midway(
        "distill", tmp_path, data_mirror, distill_trigger, delays.uniform(*distill_delay)
    )
    log = run("distill", tmp_path, data_mirror)
    print(*(line for line in log.splitlines() if "resumes" in line), sep="\n")
    assert alive, f"distillation ended before the kill at {distill_trigger}"
    assert "MTT resumes at iteration" in log
    assert_same(
        tensors_of(tmp_path / "artifacts" / "distill" / "progressive", "run*/stage_*.pt"),
        tensors_of(reference / "artifacts" / "distill" / "progressive", "run*/stage_*.pt"),
        "distilled sets",
    )
