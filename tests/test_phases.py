"""Seconds per phase: nested phases are not counted twice, and the totals reach the file
the runner names."""

from __future__ import annotations

import json
import time

import pytest

from pdd.infra import phases


@pytest.fixture(autouse=True)
def _fresh_totals():
    phases.reset()
    yield
    phases.reset()


def test_a_nested_phase_is_taken_out_of_the_one_around_it():
    with phases.phase("distillation"):
        time.sleep(0.05)
        with phases.phase("validation"):
            time.sleep(0.1)
    totals = phases.totals()
    assert list(totals) == ["distillation", "validation"]
    assert 0.05 <= totals["distillation"] < 0.1 and totals["validation"] >= 0.1


def test_the_same_phase_adds_up_and_a_phase_inside_itself_counts_once():
    for _ in range(2):
        with phases.phase("transition"), phases.phase("transition"):
            time.sleep(0.05)
    assert 0.1 <= phases.totals()["transition"] < 0.15


def test_totals_are_written_where_the_runner_asks(tmp_path, monkeypatch):
    target = tmp_path / "phases.json"
    monkeypatch.setenv(phases.ENVIRONMENT, str(target))
    with phases.phase("evaluation"):
        pass
    assert list(json.loads(target.read_text())) == ["evaluation"]


def test_an_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="unknown phase"), phases.phase("lunch"):
        pass
