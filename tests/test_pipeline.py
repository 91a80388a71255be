"""End to end on the `smoke` profile: every stage through the real runner (papermill
executes every notebook), on the real Fashion-MNIST mirror, into a temporary workdir."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from pdd.params import load_params
from pdd.paths import PARAMS_FILE, ROOT

pytestmark = pytest.mark.slow
SCHEDULES = load_params(PARAMS_FILE, profile="smoke").distill.schedules
RUNS = [
    ["data"],
    ["baselines"],
    ["buffers"],
    *(["distill", "--item", f"schedule={name}"] for name in SCHEDULES),
    ["evaluate"],
    ["report"],
]


def run_stage(args: list[str], workdir, mirror) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pdd.run", *args, "--profile", "smoke", "--workdir", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PDD_DATA_MIRROR": str(mirror)},
        timeout=600,
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, data_mirror):
    workdir = tmp_path_factory.mktemp("smoke")
    for args in RUNS:
        done = run_stage(args, workdir, data_mirror)
        assert done.returncode == 0, f"{args} failed:\n{done.stderr[-3000:]}"
    return workdir


def test_data_stage_verifies_and_summarises(smoke_run):
    summary = json.loads((smoke_run / "data" / "prepared" / "summary.json").read_text())
    assert summary["name"] == "fashion-mnist"
    assert (smoke_run / "data" / "prepared" / "fashion-mnist.pt").is_file()


def test_every_notebook_is_executed_and_published(smoke_run):
    published = sorted(p.name for p in (smoke_run / "reports" / "notebooks").glob("*.ipynb"))
    expected = ["00_data_and_baselines.ipynb", "01_buffers.ipynb"]
    expected += [f"02_distill_{name}.ipynb" for name in SCHEDULES] + ["03_evaluate.ipynb"]
    assert published == sorted(expected)
    for name in published:
        executed = json.loads((smoke_run / "reports" / "notebooks" / name).read_text())
        assert executed["metadata"]["papermill"]["exception"] is None
        assert str(ROOT) not in json.dumps(executed)


def test_baselines_metrics_have_every_ipc(smoke_run):
    metrics = json.loads((smoke_run / "reports" / "metrics" / "baselines.json").read_text())
    assert set(metrics["random_real"]) == {"ipc1", "ipc10"}
    for score in metrics["random_real"].values():
        assert 0.0 <= score["test_mean"] <= 100.0 and score["n"] == 2
    assert (smoke_run / "reports" / "figures" / "baselines" / "class_examples.png").is_file()


def test_distilled_sets_load_with_plain_torch(smoke_run):
    params = load_params(PARAMS_FILE, profile="smoke").distill
    for name in SCHEDULES:
        folder = smoke_run / "reports" / "sets" / "distill" / name
        stages = sorted(folder.glob("stage_*.pt"))
        assert len(stages) == (1 if name == "union" else params.stages)
        payload = torch.load(stages[0], weights_only=True)
        assert payload["images"].shape[1:] == (1, 28, 28) and float(payload["lr"]) > 0


def test_progressive_sets_keep_earlier_stages(smoke_run):
    """The evaluation table names every method and the per-stage curve has every stage."""
    metrics = json.loads((smoke_run / "reports" / "metrics" / "evaluate.json").read_text())
    assert "PDD (progressive)" in metrics["headline"] and "pdd_minus_mtt" in metrics
    rows = (smoke_run / "reports" / "tables" / "evaluate" / "progressive.csv").read_text()
    assert (
        rows.count("progressive,") == 2 * load_params(PARAMS_FILE, profile="smoke").eval.num_seeds
    )


def test_failing_cell_fails_the_stage(tmp_path, data_mirror):
    done = run_stage(["baselines"], tmp_path, data_mirror)  # no prepared data in tmp_path
    assert done.returncode == 1
    assert "DataFileError" in done.stderr
