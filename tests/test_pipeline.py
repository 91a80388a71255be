"""End to end on the `smoke` profile: every stage through the real runner (papermill
executes every notebook), on the real Fashion-MNIST mirror, into a temporary workdir."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pdd.paths import ROOT
from pdd.run import NOTEBOOK_STAGES

pytestmark = pytest.mark.slow


def run_stage(stage: str, workdir, mirror) -> subprocess.CompletedProcess:
    env_cmd = [sys.executable, "-m", "pdd.run", stage, "--profile", "smoke", "--workdir", workdir]
    return subprocess.run(
        env_cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PDD_DATA_MIRROR": str(mirror)},
        timeout=600,
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, data_mirror):
    workdir = tmp_path_factory.mktemp("smoke")
    for stage in ("data", *NOTEBOOK_STAGES, "report"):
        done = run_stage(stage, str(workdir), data_mirror)
        assert done.returncode == 0, (
            f"{stage} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return workdir


def test_data_stage_verifies_and_summarises(smoke_run):
    summary = json.loads((smoke_run / "data" / "prepared" / "summary.json").read_text())
    assert summary["name"] == "fashion-mnist"
    assert (smoke_run / "data" / "prepared" / "fashion-mnist.pt").is_file()


def test_every_notebook_is_executed_and_published(smoke_run):
    for stem, _ in NOTEBOOK_STAGES.values():
        executed = json.loads((smoke_run / "reports" / "notebooks" / f"{stem}.ipynb").read_text())
        assert executed["metadata"]["papermill"]["exception"] is None
        assert str(ROOT) not in json.dumps(executed)


def test_baselines_metrics_have_every_ipc(smoke_run):
    metrics = json.loads((smoke_run / "reports" / "metrics" / "baselines.json").read_text())
    assert set(metrics["random_real"]) == {"ipc1", "ipc10"}
    for score in metrics["random_real"].values():
        assert 0.0 <= score["test_mean"] <= 100.0 and score["n"] == 2
    assert (smoke_run / "reports" / "figures" / "baselines" / "class_examples.png").is_file()


def test_failing_cell_fails_the_stage(tmp_path, data_mirror):
    done = run_stage("baselines", str(tmp_path), data_mirror)  # no prepared data in tmp_path
    assert done.returncode != 0
    assert "DataFileError" in done.stderr or "error" in done.stderr
