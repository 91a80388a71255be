"""End to end on the `smoke` profile: `make smoke`'s run of every stage through DVC
(papermill executes every notebook) in a copy of the repository, with params.yaml's own
foreach lists, on the real Fashion-MNIST mirror. The same run checks that a second
`dvc repro` does nothing, that a forced rerun reproduces the metrics, and that nothing is
written outside data/, artifacts/, reports/ and DVC's own files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from pdd.config import stages as registry
from pdd.config.params import load_params
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline.notebook import shape_problems
from pdd.pipeline.smoke import environment, run_all, scratch_copy

pytestmark = pytest.mark.slow
SMOKE = load_params(PARAMS_FILE, profile="smoke")
SCHEDULES = SMOKE.distill.schedules
PAPER_BUDGET = SMOKE.distill.paper_budget  # distill_paper@<schedule>: reports/distill/<s>-paper
METHODS = SMOKE.methods.names  # methods@<name>
STAGE_COUNTS = SMOKE.ablation.stage_counts  # ablation_stages@<P>: 1 and 2 reuse published sets
STAGE_IPCS = SMOKE.ablation.stage_ipcs  # ablation_ipcs@<split>: uneven stages, total IPC 10
DROP_RATES = SMOKE.easy_drop.drop_rates  # easy_drop@<rate>: 0.0 reuses the progressive set
# logs/: the driver's log of each stage
WRITABLE = ("data/", "artifacts/", "reports/", ".dvc/", "dvc.lock", "logs/")


def shell(args: list[str], cwd: Path, mirror: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**environment(), "PDD_DATA_MIRROR": str(mirror)},  # `python`: this interpreter
        timeout=900,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def dvc(*args: str, repo: Path, mirror: Path) -> str:
    return shell([sys.executable, "-m", "dvc", *args], repo, mirror).stdout


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, data_mirror):
    os.environ["PDD_DATA_MIRROR"] = str(data_mirror)  # read by the driver's environment
    repo = scratch_copy(tmp_path_factory.mktemp("smoke") / "repo")
    assert run_all(repo, jobs=2) == 0, "see the stage logs in the copy's logs/"
    return repo


def run_stage(args: list[str], workdir, mirror) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pdd", *args, "--profile", "smoke", "--workdir", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PDD_DATA_MIRROR": str(mirror)},
        timeout=600,
    )


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if "second" not in k}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def test_second_repro_does_nothing(smoke_run, data_mirror):
    assert "up to date" in dvc("status", "dvc.yaml", repo=smoke_run, mirror=data_mirror)
    assert "Running stage" not in dvc("repro", repo=smoke_run, mirror=data_mirror)


def test_writes_stay_inside_data_artifacts_and_reports(smoke_run):
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=smoke_run,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    outside = [line for line in changed if not line[3:].startswith(WRITABLE)]
    assert changed and not outside, outside


def test_forced_rerun_reproduces_the_metrics(smoke_run, data_mirror):
    metrics = smoke_run / "artifacts" / "baselines" / "metrics.json"
    first = json.loads(metrics.read_text())
    dvc("repro", "--force", "--single-item", "baselines", repo=smoke_run, mirror=data_mirror)
    assert without_timings(json.loads(metrics.read_text())) == without_timings(first)


def test_forced_rerun_rewrites_the_same_bytes(smoke_run, data_mirror):
    lock = (smoke_run / "dvc.lock").read_text()
    dvc("repro", "--force", "--single-item", "data", repo=smoke_run, mirror=data_mirror)
    assert (smoke_run / "dvc.lock").read_text() == lock  # same hashes: nothing downstream reruns


def test_stage_times_name_every_stage_its_threads_workers_and_phases(smoke_run):
    times = pd.read_csv(smoke_run / "reports" / "summary" / "stage_times.csv")
    runs = registry.expanded(load_params(smoke_run / "params.yaml"))
    assert set(times.stage) == {name for name, s, _ in runs if s.notebook and name != "report"}
    assert set(times.threads) == {1} and set(times.workers) == {1}  # the smoke profile's
    by_stage = times.set_index("stage")
    assert by_stage.loc["distill@progressive", "distillation"] > 0
    assert by_stage.loc["distill@progressive", "transition"] > 0
    assert by_stage.loc["evaluate", "evaluation"] > 0 and by_stage.loc["buffers", "experts"] > 0
    assert (times.other.dropna() >= 0).all()  # NaN: a stage that reports no phase


def test_data_stage_verifies_and_summarises(smoke_run):
    summary = json.loads((smoke_run / "data" / "prepared" / "summary.json").read_text())
    assert summary["name"] == "fashion-mnist"
    assert (smoke_run / "data" / "prepared" / "fashion-mnist.pt").is_file()


def test_every_notebook_is_executed_and_published(smoke_run):
    published = sorted(p.name for p in (smoke_run / "reports" / "notebooks").glob("*.ipynb"))
    expected = ["00_data_and_baselines.ipynb", "01_buffers.ipynb", "01b_search.ipynb"]
    expected += [f"02_distill_{name}.ipynb" for name in SCHEDULES] + ["03_evaluate.ipynb"]
    expected += [f"02_distill_{name}-paper.ipynb" for name in PAPER_BUDGET]
    expected += [f"04_methods_{name}.ipynb" for name in METHODS]
    expected += [f"05_ablation_stages_{p}.ipynb" for p in STAGE_COUNTS + STAGE_IPCS]
    expected += ["05b_scaling.ipynb"]
    expected += ["06a_forgetting.ipynb"] + [f"06b_easy_drop_{r}.ipynb" for r in DROP_RATES]
    expected += ["06b_easy_drop_correct-by-all.ipynb"]
    expected += ["07_cross_arch.ipynb", "08_continual.ipynb", "09_report.ipynb"]
    assert published == sorted(expected)
    for name in published:
        executed = json.loads((smoke_run / "reports" / "notebooks" / name).read_text())
        assert executed["metadata"]["papermill"]["exception"] is None
        assert executed["metadata"]["pdd"]["machine"]["cores"] >= 1  # names what timed it
        assert str(smoke_run) not in json.dumps(executed)


def test_executed_notebooks_show_their_figures_and_each_bars_last_state(smoke_run):
    """An image for each `plots.save` call of a cell, no figure as its text repr, and a
    loop's progress bar as its last line, not every redraw (notebook.shape_problems)."""
    for path in sorted((smoke_run / "reports" / "notebooks").glob("*.ipynb")):
        assert shape_problems(json.loads(path.read_text())) == [], path.name


def test_baselines_metrics_have_every_ipc(smoke_run):
    metrics = json.loads((smoke_run / "reports" / "baselines" / "metrics.json").read_text())
    assert set(metrics["random_real"]) == {"ipc1", "ipc10"}
    for score in metrics["random_real"].values():
        assert 0.0 <= score["test_mean"] <= 100.0 and score["n"] == 2
    assert (smoke_run / "reports" / "baselines" / "figures" / "class_examples.png").is_file()


def test_distilled_sets_load_with_plain_torch(smoke_run):
    params = load_params(PARAMS_FILE, profile="smoke").distill
    for name in SCHEDULES:
        folder = smoke_run / "reports" / "distill" / name
        assert sorted(p.name for p in folder.glob("run*")) == [
            f"run{r}" for r in range(params.runs)
        ]
        stages = sorted((folder / "run1").glob("stage_*.pt"))
        assert len(stages) == (1 if name == "union" else params.stages)
        payload = torch.load(stages[0], weights_only=True)
        assert payload["images"].shape[1:] == (1, 28, 28) and float(payload["lr"]) > 0


def test_progressive_sets_keep_earlier_stages(smoke_run):
    """The evaluation names every method under both protocols, and every network of every
    run went through every stage, the set growing by one stage's images each time."""
    params = load_params(PARAMS_FILE, profile="smoke")
    metrics = json.loads((smoke_run / "reports" / "evaluate" / "metrics.json").read_text())
    assert "PDD (progressive)" in metrics["headline"] and "pdd_minus_mtt" in metrics
    assert "PDD (progressive)" in metrics["headline_equal"] and "pdd_minus_mtt_equal" in metrics
    scores = pd.read_csv(smoke_run / "reports" / "evaluate" / "scores.csv")
    pdd = scores[(scores.set == "progressive") & (scores.protocol == "paper")]
    pdd = pdd[pdd.recipe == "default"]
    networks = pdd.groupby(["run", "seed"])
    assert networks.ngroups == params.distill.runs * params.evaluate.num_seeds
    per_stage = params.distill.ipc_per_stage
    expected = [per_stage * (i + 1) for i in range(params.distill.stages)]
    assert all(group.images_per_class.tolist() == expected for _, group in networks)
    assert all(
        group.stage.tolist() == list(range(1, params.distill.stages + 1)) for _, group in networks
    )


def test_published_results_are_exactly_what_the_stages_wrote(smoke_run):
    """Sets, metrics and figures only: checkpoints and experts stay in the DVC cache."""
    published = smoke_run / "reports" / "distill" / "progressive"
    for path in (smoke_run / "artifacts" / "distill" / "progressive").rglob("*"):
        copy = published / path.relative_to(smoke_run / "artifacts" / "distill" / "progressive")
        if path.suffix in (".json", ".csv", ".png") or path.match("stage_*.pt"):
            assert copy.read_bytes() == path.read_bytes()
    assert not list((smoke_run / "reports" / "buffers").glob("*.pt"))
    assert not list((smoke_run / "reports").rglob(".*.partial"))


def test_downstream_stages_rerun_from_published_results_alone(smoke_run, data_mirror, tmp_path):
    """What a fresh clone can do: evaluate and report from reports/ and the prepared data,
    without the distillation's or the experts' caches."""
    shutil.copytree(smoke_run / "reports", tmp_path / "reports")
    shutil.copytree(smoke_run / "data" / "prepared", tmp_path / "data" / "prepared")
    before = (tmp_path / "reports" / "evaluate" / "metrics.json").read_text()
    done = run_stage(["evaluate"], tmp_path, data_mirror)
    assert done.returncode == 0, done.stderr[-2000:]
    after = (tmp_path / "reports" / "evaluate" / "metrics.json").read_text()
    assert without_timings(json.loads(after)) == without_timings(json.loads(before))
    shutil.rmtree(tmp_path / "reports" / "summary")
    done = run_stage(["report"], tmp_path, data_mirror)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "reports" / "summary" / "methods.md").is_file()
    results = (tmp_path / "reports" / "summary" / "results.md").read_text()
    assert results in (tmp_path / "reports" / "README.md").read_text()


def test_report_links_only_files_that_exist(smoke_run):
    reports = smoke_run / "reports"
    readme = (reports / "README.md").read_text()
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert links and all((reports / link).exists() for link in links), links
    assert "not published yet" not in readme  # a full repro publishes every stage
    table = (reports / "summary" / "results.csv").read_text()
    for experiment in ("baselines", "headline", "base methods", "cross-architecture", "continual"):
        assert experiment in table


def test_stage_count_ablation_reuses_the_main_sets_and_distills_the_rest(smoke_run):
    reports = smoke_run / "reports" / "ablation_stages"
    metrics = {p: json.loads((reports / f"{p}" / "metrics.json").read_text()) for p in STAGE_COUNTS}
    assert STAGE_COUNTS == [1, 2, 5, 10] and SMOKE.distill.stages == 2  # total IPC 10
    assert metrics[1]["set"] == "reused reports/distill/union"
    assert metrics[2]["set"] == "reused reports/distill/progressive"
    assert metrics[5]["set"] == "distilled here" and metrics[5]["wall_seconds"] > 0
    assert len(list((reports / "10" / "run0").glob("stage_*.pt"))) == 10
    assert not (reports / "10" / "run1").exists()  # ablation.runs_by_item: P = 10 once
    assert (reports / "5" / "run1").is_dir() and metrics[10]["results"]["paper/default"][
        "runs"
    ] == 1
    assert [metrics[p]["ipc_per_stage"] for p in STAGE_COUNTS] == [10, 5, 2, 1]
    split = json.loads((reports / "2-8" / "metrics.json").read_text())
    assert split["set"] == "distilled here" and split["stage_ipcs"] == [2, 8]
    stages = sorted((reports / "2-8" / "run0").glob("stage_*.pt"))
    sizes = [len(torch.load(path, weights_only=True)["images"]) for path in stages]
    assert sizes == [20, 80]  # 10 classes x 2, then x 8


def test_scaling_grows_pdd_and_scores_real_subsets_against_full_data(smoke_run):
    params = load_params(PARAMS_FILE, profile="smoke").scaling
    reports = smoke_run / "reports" / "scaling"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert len(list((reports / "run0").glob("stage_*.pt"))) == params.stages
    grown = metrics["scores"][metrics["grown"]]
    sizes = [params.ipc_per_stage * (i + 1) for i in range(params.stages)]
    assert sorted(grown) == sorted(f"ipc{ipc}" for ipc in sizes)
    real = metrics["scores"]["random real"]
    assert sorted(real) == sorted(f"ipc{ipc}" for ipc in params.real_ipcs)
    assert any(source.startswith("PDD (main run") for source in metrics["scores"])
    full = metrics["full_data"]["test_acc"]
    for score in grown.values():
        assert score["n"] == params.num_seeds
        assert score["relative_acc"] == pytest.approx(score["test_mean"] / full, abs=1e-6)
    largest = sizes[-1] * 10 / metrics["train_size"]  # written rounded to 6 digits
    assert metrics["largest_pdd_fraction"] == pytest.approx(largest, abs=1e-6)


def test_later_stages_drop_the_easiest_examples(smoke_run):
    forgetting = json.loads((smoke_run / "reports" / "forgetting" / "metrics.json").read_text())
    assert forgetting["examples"] > 0 and 0 <= forgetting["never_learnt"] <= forgetting["examples"]
    reports = smoke_run / "reports" / "easy_drop"
    kept = json.loads((reports / "0.0" / "metrics.json").read_text())
    dropped = json.loads((reports / "0.4" / "metrics.json").read_text())
    assert kept["set"] == "reused reports/distill/progressive" and kept["kept_fraction"] == 1.0
    assert dropped["set"] == "distilled here" and dropped["kept_fraction"] == pytest.approx(0.6)
    assert len(list((reports / "0.4" / "run0").glob("stage_*.pt"))) == 2
    correct = json.loads((reports / "correct-by-all" / "metrics.json").read_text())
    assert correct["criterion"] == "correct-by-all" and correct["set"] == "distilled here"
    assert len(correct["kept_by_stage"]) == 1 and 0 < correct["kept_by_stage"][0] <= 1
    manifest = json.loads((reports / "correct-by-all" / "run0" / "manifest.json").read_text())
    first, second = (stage["real_examples"] for stage in manifest["stages"])
    assert second == round(correct["kept_by_stage"][0] * first)


def test_analyses_score_every_published_set(smoke_run):
    params = load_params(PARAMS_FILE, profile="smoke")
    cross = json.loads((smoke_run / "reports" / "cross_arch" / "metrics.json").read_text())
    cross_params = params.cross_arch
    assert set(cross["scores"]) == {"union", "paper", "equal"}
    assert set(cross["scores"]["union"]) == set(cross_params.nets)
    assert set(cross["scores"]["paper"]) == set(cross_params.progressive_nets)
    networks = cross_params.runs * cross_params.num_seeds
    for by_net in cross["scores"].values():
        for scores in by_net.values():
            assert len(scores) == 1 + len(cross_params.schedules)  # + random real
            assert all(s["n"] == networks for s in scores.values())
    continual = json.loads((smoke_run / "reports" / "continual" / "metrics.json").read_text())
    assert set(continual["by_task"]) == {"union", "paper", "equal"}
    for by_source in continual["by_task"].values():
        assert len(by_source) == 1 + len(params.continual.schedules)
        for by_task in by_source.values():
            tasks = [row["task"] for row in by_task]
            assert tasks == list(range(1, params.continual.num_tasks + 1))
            assert all(
                row["n"] == params.continual.runs * params.continual.num_seeds for row in by_task
            )


def test_failing_cell_fails_the_stage(tmp_path, data_mirror):
    done = run_stage(["baselines"], tmp_path, data_mirror)  # no prepared data in tmp_path
    assert done.returncode == 1
    assert "DataFileError" in done.stderr


def test_methods_table_compares_each_method_alone_and_with_pdd(smoke_run):
    for name in METHODS:
        published = smoke_run / "reports" / "methods" / name
        metrics = json.loads((published / "metrics.json").read_text())
        assert set(metrics["results"]) == {f"{name.upper()} alone", f"PDD + {name.upper()}"}
        assert metrics["factor"] == (2 if name == "idc" else 1)
        for run in range(SMOKE.methods.runs):
            stages = sorted((published / "progressive" / f"run{run}").glob("*.pt"))
            assert len(stages) == SMOKE.distill.stages
        assert {c["comparison"] for c in metrics["comparisons"]} == {"progressive − union"}
    table = (smoke_run / "reports" / "summary" / "methods.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in table[1:]] == ["mtt", *METHODS]


def test_torchrun_shards_of_the_buffers_stage_equal_the_single_run(
    smoke_run, data_mirror, tmp_path
):
    shutil.copytree(smoke_run / "data" / "prepared", tmp_path / "data" / "prepared")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    stage = ["-m", "pdd", "buffers", "--profile", "smoke", "--workdir", str(tmp_path)]
    shell([*torchrun, *stage], ROOT, data_mirror)
    assert not (tmp_path / "artifacts" / "buffers").exists()  # shards publish nothing
    assert not (tmp_path / "reports").exists()
    shards = sorted(p.name for p in (tmp_path / "artifacts" / "work" / "notebooks").iterdir())
    assert shards == ["01_buffers_shard0of2.ipynb", "01_buffers_shard1of2.ipynb"]
    done = run_stage(["buffers"], tmp_path, data_mirror)  # finds every expert done, publishes
    assert done.returncode == 0, done.stderr[-2000:]
    single = sorted((smoke_run / "artifacts" / "buffers").glob("expert_*.pt"))
    assert len(single) >= 2
    for expert in single:
        sharded = torch.load(tmp_path / "artifacts" / "buffers" / expert.name, weights_only=True)
        assert torch.equal(sharded["params"], torch.load(expert, weights_only=True)["params"])
