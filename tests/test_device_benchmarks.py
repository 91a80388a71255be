"""The tools for a GPU machine, checked on the CPU: the stage order of the DVC-free pipeline
runner, and the paper-stage cost model on tiny settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from benchmarks import device_smoke, paper_stage
from pdd.config.stages import Stage, upstream_first
from pdd.infra.paths import ROOT

LISTS = ["methods.names=[dm]", "ablation.stage_counts=[1,2]", "easy_drop.drop_rates=[0.0,0.5]"]


def test_every_stage_runs_once_after_the_stages_it_reads():
    commands = device_smoke.stage_commands(LISTS)
    names = [name for name, _ in commands]
    assert len(names) == len(set(names))
    assert {name.split("@")[0] for name in names} == set(
        yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    )
    # forgetting is declared after scaling in dvc.yaml, but scaling reads its metrics
    assert names.index("forgetting") < names.index("scaling")
    assert names.index("distill@progressive") < names.index("easy_drop@0.5")
    assert names[-1] == "report"
    assert dict(commands)["easy_drop@0.5"] == ["easy_drop", "--item", "rate=0.5"]
    assert [n for n in names if n.startswith("methods@")] == ["methods@dm"]


def test_a_cycle_is_reported():
    a = Stage("a", "a", (), inputs=("artifacts/b",))
    b = Stage("b", "b", (), inputs=("artifacts/a",))
    with pytest.raises(ValueError, match="cycle"):
        upstream_first([("a", a, None), ("b", b, None)])


def test_paper_stage_cost_adds_up(tmp_path):
    out = tmp_path / "paper_stage.json"
    tiny = ["--set", "net.width=4", "--set", "mtt.syn_steps=2"]
    paper_stage.main(
        ["--device", "cpu", "--out", str(out), "--iterations", "1", "--small-epochs", "2"]
        + ["--expert-images", "50", *tiny]
    )
    result = json.loads(out.read_text())
    rates, plan, cost = result["measured"], result["paper_profile"], result["estimated_s"]
    assert all(value > 0 for value in rates.values())
    assert plan["width"] == 4 and plan["syn_steps"] == 2 and plan["iterations"] == 5000
    assert cost["stage_mtt"] == plan["iterations"] * rates["iteration_s"]
    stage = cost["stage_mtt"] + cost["stage_validation"]
    total = cost["buffers"] + plan["stages"] * stage + (plan["stages"] - 1) * cost["transition"]
    assert abs(cost["progressive_distill_with_buffers"] - total) < 1e-6 * total


@pytest.mark.slow
def test_the_gpu_script_runs_on_the_cpu(tmp_path, data_mirror):
    """benchmarks/gpu_check.sh, shrunk (QUICK) and on the CPU: every step writes its JSON."""
    if not (data_mirror / "mnist").is_dir():
        pytest.skip("the GPU script runs on MNIST: the mirror has no copy")
    environment = os.environ | {
        "QUICK": "1",
        "DEVICE": "cpu",
        "OUT": str(tmp_path),
        "PYTHON": sys.executable,
        "PDD_DATA_MIRROR": str(data_mirror),
    }
    subprocess.run(["bash", "benchmarks/gpu_check.sh"], cwd=ROOT, env=environment, check=True)
    smoke = json.loads((tmp_path / "smoke_cpu.json").read_text())
    assert smoke["failed"] is None and sorted(smoke["seconds"]) == ["baselines", "data"]
    split = smoke["split"]["baselines"]
    assert split["compute"] > 0 and split["outside"] > 0
    assert abs(sum(split[k] for k in ("compute", "notebook_rest", "outside")) - split["wall"]) < 0.5
    unroll = json.loads((tmp_path / "mtt_unroll_paper.json").read_text())
    assert {run["impl"] for run in unroll["runs"]} == {"reference", "graph", "adjoint"}
    assert all(run["shape"] == "cifar10" and run["seconds"] > 0 for run in unroll["runs"])
    stacked = json.loads((tmp_path / "stacked_eval.json").read_text())
    assert [row["networks"] for row in stacked["rows"]] == [1, 2]
    # the stacked step is the same SGD: the weights agree to float rounding
    assert all(row["max_weight_difference"] < 1e-3 for row in stacked["rows"])
