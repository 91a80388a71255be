"""`python -m pdd.pipeline.score_set`: a saved set scored on fresh networks; under torchrun with 2
workers the per-seed scores equal the single-process ones; a folder that is not a set is
refused with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from pdd.core.synthetic import SyntheticStage, save_stages
from pdd.data import get_spec
from pdd.infra.paths import ROOT


def run(args, mirror):
    environment = {**os.environ, "PDD_DATA_MIRROR": str(mirror)}
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=600
    )


def test_sharded_scores_equal_the_single_process_scores(tmp_path, data_mirror):
    prepared = run(
        [sys.executable, "-m", "pdd", "data", "--profile", "smoke", "--workdir", str(tmp_path)],
        data_mirror,
    )
    assert prepared.returncode == 0, prepared.stderr[-2000:]
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(10)
    stages = [
        SyntheticStage(torch.randn(10, 1, 28, 28, generator=generator), labels, 0.01)
        for _ in range(2)
    ]
    folder = tmp_path / "set"
    save_stages(folder, stages, get_spec("fashion-mnist"), None)
    common = ["-m", "pdd.pipeline.score_set", str(folder), "--profile", "smoke"]
    common += ["--prepared", str(tmp_path / "data" / "prepared")]
    single = run([sys.executable, *common, "--out", str(tmp_path / "one.json")], data_mirror)
    assert single.returncode == 0, single.stderr[-2000:]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    sharded = run([*torchrun, *common, "--out", str(tmp_path / "two.json")], data_mirror)
    assert sharded.returncode == 0, sharded.stderr[-2000:]
    one = json.loads((tmp_path / "one.json").read_text())
    two = json.loads((tmp_path / "two.json").read_text())
    assert (one["workers"], two["workers"]) == (1, 2) and len(one["seeds"]) >= 2
    assert one["test_acc"] == two["test_acc"] and one["val_acc"] == two["val_acc"]
    assert one["images_per_class"] == 2 and one["protocol"] == "progressive"


def test_a_folder_without_a_set_is_refused(tmp_path, data_mirror):
    done = run([sys.executable, "-m", "pdd.pipeline.score_set", str(tmp_path)], data_mirror)
    assert done.returncode == 2 and "no manifest.json" in done.stderr
