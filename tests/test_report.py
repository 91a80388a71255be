"""The report stage publishes without leaking the paths of the machine that ran it."""

from __future__ import annotations

import json

import pandas as pd

from pdd import report
from pdd.results import write_methods_table


def test_published_notebooks_hide_the_repository_they_ran_in(tmp_path):
    artifacts, prepared, reports = tmp_path / "a", tmp_path / "p", tmp_path / "r"
    (artifacts / "notebooks").mkdir(parents=True)
    prepared.mkdir()
    (prepared / "summary.json").write_text("{}")
    elsewhere = "/elsewhere/copy-of-repo"
    notebook = {
        "cells": [{"outputs": [{"text": f"resumable state in {elsewhere}/artifacts/work/x"}]}],
        "metadata": {
            "papermill": {"output_path": f"{elsewhere}/artifacts/notebooks/01_buffers.ipynb"}
        },
    }
    (artifacts / "notebooks" / "01_buffers.ipynb").write_text(json.dumps(notebook))
    report.publish(artifacts, prepared, reports)
    published = (reports / "notebooks" / "01_buffers.ipynb").read_text()
    assert elsewhere not in published and "./artifacts/work/x" in published


def _result(mean, std, n=3, seconds=10.0):
    return {"test_mean": mean, "test_std": std, "n": n, "distill_seconds": seconds}


def test_methods_table_gathers_mtt_and_every_method(tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    headline = {
        "MTT (union, one stage)": {"test_mean": 70.0, "test_std": 0.5, "n": 5},
        "PDD (progressive)": {"test_mean": 71.5, "test_std": 0.4, "n": 5},
    }
    (metrics / "evaluate.json").write_text(json.dumps({"headline": headline}))
    stages = {"stages": [{"seconds": 1.5}, {"seconds": 2.0}]}
    (metrics / "distill_progressive.json").write_text(json.dumps(stages))
    idc = {"IDC alone": _result(60.0, 1.0), "PDD + IDC": _result(59.25, 0.5, n=4, seconds=7.0)}
    (metrics / "methods_idc.json").write_text(json.dumps({"method": "idc", "results": idc}))

    written = write_methods_table(metrics, tmp_path / "tables")
    table = pd.read_csv(tmp_path / "tables" / "methods.csv")
    assert [p.name for p in written] == ["methods.csv", "methods.md"]
    assert list(table.method) == ["mtt", "idc"]
    mtt, idc = table.iloc[0], table.iloc[1]
    assert mtt.pdd_minus_alone == 1.5 and mtt.pdd_distill_s == 3.5 and mtt.seeds == 5
    assert idc.pdd_minus_alone == -0.75 and idc.seeds == 3 and idc.pdd_distill_s == 7.0
    markdown = (tmp_path / "tables" / "methods.md").read_text()
    assert "| IDC | 60.00 ± 1.00 | 59.25 ± 0.50 | -0.75 | 3 | 10 / 7 | 67.5 → 67.9 |" in markdown
    assert "| MTT | 70.00 ± 0.50 | 71.50 ± 0.40 | +1.50 | 5 | — / 4 | 65.3 → 66.9 |" in markdown


def test_no_methods_table_without_method_metrics(tmp_path):
    assert write_methods_table(tmp_path, tmp_path / "tables") == []
    assert not (tmp_path / "tables").exists()
