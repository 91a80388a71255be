"""A stage that fails leaves every published, git-tracked file under reports/ as it was:
DVC must not delete them before running the stage (`persist`), and the publisher writes
only once the stage has succeeded. Checked in a scratch copy holding the published reports
and nothing else (no prepared data, no DVC cache), where the refused params fail at once."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from pdd.pipeline.smoke import environment, scratch_copy


@pytest.fixture
def published(tmp_path):
    return scratch_copy(tmp_path / "repo", profile="default", with_reports=True)


def _dvc(repo, *args):
    command = [sys.executable, "-m", "dvc", *args]
    return subprocess.run(command, cwd=repo, env=environment(), capture_output=True, text=True)


def _changed_reports(repo) -> str:
    status = ["git", "status", "--porcelain", "--untracked-files=all", "reports/"]
    return subprocess.run(status, cwd=repo, capture_output=True, text=True, check=True).stdout


def test_the_copy_holds_the_published_reports(published):
    assert (published / "reports" / "baselines" / "metrics.json").is_file()
    assert (published / "reports" / "notebooks" / "00_data_and_baselines.ipynb").is_file()


def test_a_failing_repro_leaves_reports_untouched(published):
    params = published / "params.yaml"
    params.write_text(re.sub(r"(?m)^  epochs: 300 ", "  epochs: 0 ", params.read_text(), count=1))
    done = _dvc(published, "repro", "--single-item", "baselines")
    assert done.returncode != 0
    assert _changed_reports(published) == ""


def test_a_refused_experiment_leaves_reports_untouched(published):
    done = _dvc(published, "exp", "run", "-S", "eval.epochs=0")
    assert done.returncode != 0, done.stdout
    assert "eval.epochs" in done.stdout + done.stderr  # refused by the params check
    assert _changed_reports(published) == ""
