"""A notebook opened in JupyterLab runs as it stands: its kernel starts in notebooks/ and
nothing is injected, so its first cell reads params.yaml (the active profile) through the
package and moves to the repository root. Run in a scratch copy on the smoke profile."""

from __future__ import annotations

import subprocess
import sys

import papermill
import pytest

from pdd.infra.io import read_json
from pdd.pipeline.notebook import read_notebook
from pdd.pipeline.smoke import environment, scratch_copy

pytestmark = pytest.mark.slow


def test_a_notebook_runs_from_notebooks_with_nothing_injected(tmp_path, data_mirror, monkeypatch):
    repo = scratch_copy(tmp_path / "repo", profile="smoke")
    env = environment() | {"PDD_DATA_MIRROR": str(data_mirror), "PYTHONPATH": str(repo)}
    subprocess.run([sys.executable, "-m", "pdd", "data"], cwd=repo, env=env, check=True)
    for key in ("PDD_DATA_MIRROR", "PYTHONPATH"):  # the kernel imports the copy's package
        monkeypatch.setenv(key, env[key])
    source = repo / "notebooks" / "00_data_and_baselines.py"
    papermill.execute_notebook(
        read_notebook(source),
        str(tmp_path / "executed.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(repo / "notebooks"),
    )
    metrics = read_json(repo / "artifacts" / "baselines" / "metrics.json")
    assert set(metrics["random_real"]) == {"ipc1", "ipc10"}  # the smoke profile's ipcs
    assert not (repo / "notebooks" / "artifacts").exists()  # paths resolve from the root
