"""The report stage publishes without leaking the paths of the machine that ran it."""

from __future__ import annotations

import json

from pdd import report


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
