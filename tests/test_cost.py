"""The cost table of the paper's regime, scaled from the pilot's run 0 (benchmarks.cost)."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.cost import cost_markdown, cost_rows


def pilot() -> dict:
    def measured(distillation, validation, transition, mechanism):
        return {
            "minutes_by_phase": {
                "distillation": distillation,
                "validation": validation,
                "transition": transition,
            },
            "mechanism_minutes": mechanism,
        }

    return {
        "command": "python -m benchmarks.pilot",
        "started": "2026-12-07T22:00",
        "machine": {"cpu": "AMD EPYC"},
        "params": {
            "buffers": {"num_experts": 10},
            "distill": {
                "stages": 5,
                "runs": 3,
                "schedules": ["progressive", "sequential", "union"],
                "paper_budget": ["progressive"],
            },
            "mtt": {"iterations": 150, "syn_steps": 30},
            "tune": {"iterations": 30, "configs": 8},
        },
        "schedules": {"union": measured(10, 2, 0, 1), "progressive": measured(10, 4, 20, 3)},
        "rates": {"iteration_s": {20: 0.5, 30: 1.0, 50: 1.5}, "search_score_s": 60.0,
                  "buffers_minutes": 90.0},
    }  # fmt: skip


def test_each_stage_scales_run_0_to_its_runs_iterations_and_budget():
    rows = {row["stage"]: row for row in cost_rows(pilot())}
    assert rows["buffers"]["minutes"] == 90.0
    assert rows["distill@union"]["distillation"] == 30.0  # 3 runs
    assert rows["distill@progressive"]["transition"] == 60.0
    assert rows["distill@sequential"]["transition"] == 0.0
    paper = rows["distill_paper@progressive"]
    assert paper["distillation"] == 3 * 5 * 10 and paper["validation"] == 3 * 4  # as often
    assert "distill_paper@sequential" not in rows  # not in distill.paper_budget
    # the search: 8 configurations at a fifth of the iterations, the grid's mean N
    search = rows["search"]
    assert search["distillation"] == pytest.approx(8 * 30 * 0.2)
    assert search["validation"] == pytest.approx(8 * (10 * 0.2 + 3))
    assert search["transition"] == 8 * 20


def test_a_shorter_pilot_is_scaled_to_the_runs_iterations():
    short = {**pilot(), "iterations_per_stage": 50}
    rows = {row["stage"]: row for row in cost_rows(short)}
    assert rows["distill@union"]["distillation"] == 3 * 10 * 3  # 150 / 50
    assert rows["distill@progressive"]["transition"] == 60.0  # transitions do not scale
    assert rows["search"]["distillation"] == pytest.approx(8 * 30 * 0.6)


def test_the_evaluation_scales_by_its_sets_and_later_stages_keep_their_minutes():
    earlier = pd.DataFrame(
        {"stage": ["evaluate", "methods@dm", "buffers"], "minutes": [30.0, 50.0, 1.0]}
    )
    rows = {row["stage"]: row for row in cost_rows(pilot(), earlier)}
    assert rows["evaluate"]["evaluation"] == 30.0 * 4 / 3  # 3 schedules + 1 paper budget
    text = cost_markdown(pilot())
    assert "| distill@union |" in text and "Headline stages:" in text
