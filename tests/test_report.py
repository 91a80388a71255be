"""Publication into reports/: what each stage publishes, without the paths of the machine
that ran it, and the tables the report gathers from it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pdd.analyses import claims
from pdd.analyses.methods_table import write_methods_table
from pdd.analyses.results_table import results_markdown, results_table
from pdd.analyses.summary import summary_metrics
from pdd.infra import machine
from pdd.infra.paths import ROOT
from pdd.pipeline import report, stage_times


def test_published_notebooks_hide_the_repository_they_ran_in(tmp_path):
    elsewhere = "/elsewhere/copy-of-repo"
    notebook = {
        "cells": [{"outputs": [{"text": f"resumable state in {elsewhere}/artifacts/work/x"}]}],
        "metadata": {
            "papermill": {"output_path": f"{elsewhere}/artifacts/work/notebooks/01_buffers.ipynb"}
        },
    }
    executed = tmp_path / "01_buffers.ipynb"
    executed.write_text(json.dumps(notebook))
    target = report.publish_notebook(executed, tmp_path / "reports" / "notebooks" / "01.ipynb")
    published = target.read_text()
    assert elsewhere not in published and "./artifacts/work/x" in published


def test_a_stage_publishes_its_results_and_sets_but_not_its_heavy_state(tmp_path):
    source, target = tmp_path / "artifacts" / "distill", tmp_path / "reports" / "distill"
    files = {
        "metrics.json": "{}",
        "history.csv": "a\n1\n",
        "figures/curve.png": "png",
        "set/manifest.json": "{}",
        "set/stage_1.pt": "tensor",
        "expert_000.pt": "heavy",  # not a set: no manifest beside it
        "work/state.json": "{}",  # resumable state
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    (target / "stale").mkdir(parents=True)
    written = report.publish_stage(source, target)
    expected = [
        "figures/curve.png",
        "history.csv",
        "metrics.json",
        "set/manifest.json",
        "set/stage_1.pt",
    ]
    assert sorted(str(p.relative_to(target)) for p in written) == expected
    on_disk = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert on_disk == expected and (target / "set" / "stage_1.pt").read_text() == "tensor"
    assert not list(target.parent.glob(".*partial"))


def test_a_stage_without_results_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results"):
        report.publish_stage(tmp_path / "missing", tmp_path / "reports" / "x")


def _result(mean, std, n=3, seconds=10.0):
    return {"test_mean": mean, "test_std": std, "n": n, "distill_seconds": seconds}


def _write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def test_methods_table_gathers_mtt_and_every_method(tmp_path):
    reports = tmp_path / "reports"
    headline = {
        "MTT (union, one stage)": {"test_mean": 70.0, "test_std": 0.5, "n": 5},
        "PDD (progressive)": {"test_mean": 71.5, "test_std": 0.4, "n": 5},
    }
    _write(reports / "evaluate" / "metrics.json", {"headline": headline})
    runs = {
        "runs": [{"stages": [{"seconds": 1.5}, {"seconds": 2.0}]}, {"stages": [{"seconds": 3.5}]}]
    }
    _write(reports / "distill" / "progressive" / "metrics.json", runs)  # 3.5 s a run
    idc = {"IDC alone": _result(60.0, 1.0), "PDD + IDC": _result(59.25, 0.5, n=4, seconds=7.0)}
    _write(reports / "methods" / "idc" / "metrics.json", {"method": "idc", "results": idc})
    _write(reports / "methods" / "dm" / "metrics.json", {"method": "dm"})  # not asked for

    written = write_methods_table(reports, ["idc", "dc"], tmp_path / "tables")
    table = pd.read_csv(tmp_path / "tables" / "methods.csv")
    assert [p.name for p in written] == ["methods.csv", "methods.md"]
    assert list(table.method) == ["mtt", "idc"]
    mtt, idc = table.iloc[0], table.iloc[1]
    assert mtt.pdd_minus_alone == 1.5 and mtt.pdd_distill_s == 3.5 and mtt.runs == 5
    assert idc.pdd_minus_alone == -0.75 and idc.runs == 3 and idc.pdd_distill_s == 7.0
    markdown = (tmp_path / "tables" / "methods.md").read_text()
    assert "| IDC | 60.00 ± 1.00 | 59.25 ± 0.50 | -0.75 | 3 | 10 / 7 | 67.5 → 67.9 |" in markdown
    assert "| MTT | 70.00 ± 0.50 | 71.50 ± 0.40 | +1.50 | 5 | — / 4 | 65.3 → 66.9 |" in markdown


def test_no_methods_table_without_method_metrics(tmp_path):
    assert write_methods_table(tmp_path, ["dm"], tmp_path / "tables") == []
    assert not (tmp_path / "tables").exists()


def test_results_table_has_a_row_per_published_result_and_skips_the_rest(tmp_path):
    reports = tmp_path / "reports"
    random_real = {"ipc10": {"test_mean": 73.784, "test_std": 1.88, "n": 5}}
    _write(reports / "baselines" / "metrics.json", {"random_real": random_real})
    pdd = {"PDD (progressive)": {"test_mean": 70.0, "test_std": 1.0, "n": 3}}
    cross = {"epochs": 100, "scores": {"union": {"resnet10": pdd}}}
    _write(reports / "cross_arch" / "metrics.json", cross)
    table = results_table(reports, ["dm"])
    assert list(table.experiment) == ["baselines", "cross-architecture (union, 100 epochs)"]
    real = table.iloc[0]
    assert real.setting == "random real, IPC 10" and real.test_mean == 73.78
    assert real.reference == 73.8 and "DC paper" in real.source
    assert table.iloc[1].setting == "PDD (progressive) on resnet10"
    markdown = results_markdown(table)
    assert "| baselines | random real, IPC 10 | 73.78 ± 1.88 | 5 | 73.8 |" in markdown
    assert "| PDD (progressive) on resnet10 | 70.00 ± 1.00 | 3 | — | — |" in markdown


def test_scaling_rows_skip_the_main_run_and_sort_sizes_numerically(tmp_path):
    def score(mean, fraction):
        return {
            "test_mean": mean,
            "test_std": 1.0,
            "n": 3,
            "data_fraction": fraction,
            "relative_acc": mean / 90,
        }

    scaling = {
        "full_data": {"test_acc": 90.0, "epochs": 10},
        "scores": {
            "PDD (main run, 5 stages × IPC 2)": {"ipc2": score(70.0, 0.0004)},
            "random real": {"ipc100": score(85.5, 0.0182), "ipc30": score(81.0, 0.0055)},
        },
    }
    _write(tmp_path / "scaling" / "metrics.json", scaling)
    table = results_table(tmp_path, [])
    assert table.setting.tolist() == [
        "full data, 10 epochs (one network)",
        "random real, IPC 30: 0.55% of the data → 90%",
        "random real, IPC 100: 1.82% of the data → 95%",
    ]
    assert table.test_mean.tolist() == [90.0, 81.0, 85.5]


def test_readme_headline_is_the_published_one():
    """Every row of the README's headline table is the published evaluation's number (rerun
    the evaluation and update the README when results change)."""
    readme = (ROOT / "README.md").read_text()
    headline = json.loads((ROOT / "reports" / "evaluate" / "metrics.json").read_text())
    for row in [*headline["headline"].values(), *headline["headline_equal"].values()]:
        assert f"{row['test_mean']:.2f} ± {row['test_std']:.2f}" in readme


def test_readme_gives_every_published_claim_its_verdict():
    """The README's claims table names each claim of `reports/summary/claims.csv` with the
    verdict the report gives it (rerun `report` and update the README when they change)."""
    readme = (ROOT / "README.md").read_text()
    published = claims.overall(pd.read_csv(ROOT / "reports" / "summary" / "claims.csv"))
    assert len(published) >= 10
    for row in published.itertuples():
        assert f"| {row.claim} | {row.verdict} |" in readme, row.claim


def test_stage_times_list_notebooks_in_numeric_order(tmp_path):
    epyc = {"cpu": "AMD EPYC", "cores": 2, "gpu": None, "torch": "2.13.0"}
    for stem, seconds in [("05_stages_10", 600), ("05_stages_2", 120), ("00_data", 60)]:
        notebook = {"metadata": {"papermill": {"duration": seconds, "start_time": None}}}
        if stem == "00_data":
            notebook["metadata"]["pdd"] = {"machine": epyc}
        (tmp_path / f"{stem}.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "09_report.ipynb").write_text(json.dumps(notebook))
    times = stage_times.stage_times(tmp_path)
    assert times.notebook.tolist() == ["00_data", "05_stages_2", "05_stages_10"]
    assert times.stage.tolist() == times.notebook.tolist()  # runs from before the record
    assert times.machine.tolist() == ["AMD EPYC, 2 cores", "—", "—"]
    table = stage_times.stage_times_markdown(times)
    assert "| 00_data | 1.0 | AMD EPYC, 2 cores | — / — | — | — |" in table
    assert "| **total** | **13.0** |  |  |  |  |" in table


def test_stage_times_split_a_stage_by_its_phases(tmp_path):
    record = {
        "stage": "distill@progressive",
        "code": {"commit": "3b6073512ab", "changed": ["pdd/core/train.py"]},
        "threads": 2,
        "workers": 2,
        "phases": {"distillation": 300.0, "validation": 60.0, "transition": 120.0},
    }
    notebook = {"metadata": {"papermill": {"duration": 600, "start_time": None}, "pdd": record}}
    (tmp_path / "02_distill_progressive.ipynb").write_text(json.dumps(notebook))
    plain = {"metadata": {"papermill": {"duration": 60, "start_time": None}}}
    (tmp_path / "00_data.ipynb").write_text(json.dumps(plain))
    times = stage_times.stage_times(tmp_path)
    assert list(times.columns) == [
        *stage_times.STAGE_TIME_COLUMNS,
        "distillation",
        "validation",
        "transition",
        "other",
    ]
    row = times.set_index("stage").loc["distill@progressive"]
    assert (row.minutes, row.distillation, row.transition, row.other) == (10.0, 5.0, 2.0, 2.0)
    table = stage_times.stage_times_markdown(times)
    assert (
        "| distill@progressive | 10.0 | 5.0 | 1.0 | 2.0 | 2.0 | — | 2 / 2 | — | 3b60735+ |" in table
    )
    assert "| 00_data | 1.0 | — | — | — | — | — | — / — |" in table
    assert "| **total** | **11.0** | **5.0** | **1.0** | **2.0** | **2.0** |" in table


def test_machine_names_the_cpu_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n")
    assert machine.cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert machine.cpu_model(tmp_path / "absent") != ""
    described = machine.describe()
    assert described["cores"] >= 1 and described["torch"]
    assert machine.label({**described, "gpu": "NVIDIA H100"}).endswith(", NVIDIA H100")
    capped = {"cpu": "AMD EPYC", "cores": 2, "cpu_kernels": "avx2", "gpu": None}
    assert machine.label(capped) == "AMD EPYC, 2 cores, avx2 kernels"


def test_the_code_version_is_the_commit_and_the_code_changed_on_top(tmp_path):
    assert machine.code_version(tmp_path) == {"commit": None, "changed": []}  # not git
    version = machine.code_version(ROOT)
    assert len(version["commit"]) == 40 and isinstance(version["changed"], list)
    assert machine.commit_label({"commit": "a" * 40, "changed": []}) == "aaaaaaa"
    assert machine.commit_label({"commit": "a" * 40, "changed": ["pdd/x.py"]}) == "aaaaaaa+"
    assert machine.commit_label(None) == "—"


def test_the_run_sentence_names_the_commits_and_the_span():
    times = pd.DataFrame(
        {
            "commit": ["3b60735", "3b60735", "a1b2c3d+"],
            "started": ["2026-12-01T06:22:44+00:00", None, "2026-12-01T07:00:00+00:00"],
            "ended": ["2026-12-01T06:27:23+00:00", None, "2026-12-01T08:10:05+00:00"],
        }
    )
    sentence = stage_times.run_sentence(times)
    assert sentence.startswith("The published stages ran at commit `3b60735`, `a1b2c3d+`")
    assert "between 2026-12-01 06:22 and 2026-12-01 08:10 UTC" in sentence
    assert stage_times.run_sentence(times.iloc[:0]) == "No stage is published yet."


def test_summary_metrics_are_flat_short_keys_of_the_published_numbers(tmp_path):
    # the published metrics of these stages; the others' layouts are tested apart
    reports = tmp_path / "reports"
    for stage in ("evaluate", "methods", "ablation_stages", "easy_drop"):
        for path in (ROOT / "reports" / stage).rglob("metrics.json"):
            copy = reports / path.relative_to(ROOT / "reports")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(path.read_text())
    flat = summary_metrics(reports, ["dm", "idc"], [1, 2], ["2-8"], [0.0])
    headline = json.loads((reports / "evaluate" / "metrics.json").read_text())["headline"]
    assert flat["headline.pdd"] == round(headline["PDD (progressive)"]["test_mean"], 2)
    assert flat["headline.mtt"] == round(headline["MTT (union, one stage)"]["test_mean"], 2)
    assert {"methods.idc.pdd", "methods.dm.alone", "ablation.stages.2-8", "easy_drop.0.0"} <= set(
        flat
    )
    assert all(isinstance(value, float) for value in flat.values())
    assert all(len(key) <= 40 for key in flat)


def test_summary_metrics_skip_what_is_not_published(tmp_path):
    assert summary_metrics(tmp_path, ["dm"], [1], [], [0.0]) == {}


def test_cross_arch_and_continual_summaries_are_keyed_by_protocol(tmp_path):
    score = {"test_mean": 61.234, "test_std": 1.0, "n": 3}
    cross = {"epochs": 3, "scores": {"union": {"resnet10": {"PDD (progressive)": score}}}}
    _write(tmp_path / "cross_arch" / "metrics.json", cross)
    continual = {"average_over_tasks": {"paper": {"random real": score}}}
    _write(tmp_path / "continual" / "metrics.json", continual)
    flat = summary_metrics(tmp_path, ["dm"])
    assert flat == {"cross_arch.union.resnet10.pdd": 61.23, "continual.paper.random_real": 61.23}
