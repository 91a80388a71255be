"""A base method alone (union) and under PDD (progressive): both schedules distilled in
several runs into their own folders, every run scored under both protocols, and the table
and the paired comparison take their last stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from pdd.analyses import protocols
from pdd.analyses.methods import (
    mean_distill_seconds,
    method_metrics,
    results_table,
    schedule_labels,
)
from pdd.core.synthetic import SyntheticStage
from pdd.experiments import runs
from pdd.experiments.methods import distill_schedules, score_schedules
from pdd.experiments.plan import distill_runs


def one_stage(ipc: int, seconds: float = 0.0) -> SyntheticStage:
    images = torch.randn(3 * ipc, 1, 8, 8, generator=torch.Generator().manual_seed(ipc))
    return SyntheticStage(images, torch.arange(3).repeat(ipc), 0.01, {"seconds": seconds})


# epochs 4, three evaluation seeds
CONTEXT = {"epochs": 4, "eval_seeds": (11, 12, 13)}

PARAMS = SimpleNamespace(
    buffers=SimpleNamespace(num_experts=3),
    distill=SimpleNamespace(runs=3, experts_per_run=2, stages=2),
    methods=SimpleNamespace(runs=2, num_seeds=2),
    evaluate=SimpleNamespace(stage_epochs=1, equal_steps=None, recipes=["default"]),
    common=SimpleNamespace(seed=0),
    mtt=None,
    matching=None,
    dm=None,
)


@dataclasses.dataclass
class FakeSetup:
    """What distill_schedule reads of a StageSetup."""

    distiller: object
    later_data: object = None
    keep_learned: object = None


def test_both_schedules_go_into_their_own_run_folders(monkeypatch, tmp_path, capsys, tiny_context):
    planned, saved = [], []

    def plan_schedule(params, ctx, *, schedule, experts, work_name, artifacts, run, **given):
        planned.append((given["settings"].method, schedule, work_name, run.index, experts))
        plan = SimpleNamespace(ipcs=lambda: [4] if schedule == "union" else [2, 2])
        distiller = SimpleNamespace(config=SimpleNamespace(iterations=6))
        return plan, FakeSetup(distiller), Path(artifacts) / "work" / work_name

    def run_schedule(plan, setup, experts, *, work):
        return [one_stage(ipc) for ipc in plan.ipcs()]

    monkeypatch.setattr(runs, "plan_schedule", plan_schedule)
    monkeypatch.setattr(runs, "run_schedule", run_schedule)
    monkeypatch.setattr(runs, "save_run", lambda folder, stages, data: saved.append(folder))
    sets = distill_schedules(
        PARAMS,
        tiny_context(**CONTEXT),
        method="dm",
        runs=distill_runs(PARAMS, PARAMS.methods.runs),
        experts=["e0", "e1", "e2"],
        artifacts=tmp_path,
        out_dir=tmp_path / "dm",
    )
    assert list(sets) == ["union", "progressive"]
    assert [[len(run) for run in runs] for runs in sets.values()] == [[1, 1], [2, 2]]
    assert [p[:4] for p in planned] == [
        ("dm", "union", "methods-dm-union", 0),
        ("dm", "union", "methods-dm-union", 1),
        ("dm", "progressive", "methods-dm-progressive", 0),
        ("dm", "progressive", "methods-dm-progressive", 1),
    ]
    assert all(len(p[4]) == 2 for p in planned)  # each run's own two of the three experts
    assert planned[0][4] == planned[2][4]  # run 0 draws the same experts in both schedules
    assert saved[:2] == [tmp_path / "dm" / "union" / "run0", tmp_path / "dm" / "union" / "run1"]
    assert "progressive run 1: stage IPCs [2, 2], 6 iterations" in capsys.readouterr().out


def test_distill_seconds_are_the_mean_over_runs():
    sets = {
        "union": [[one_stage(2, 3.0)], [one_stage(2, 5.0)]],
        "progressive": [[one_stage(1, 1.0), one_stage(1, 2.5)]],
    }
    assert mean_distill_seconds(sets) == {"union": 4.0, "progressive": 3.5}


def test_every_run_of_both_schedules_is_scored_under_both_protocols(tiny_context):
    sets = {"union": [[one_stage(2)], [one_stage(2)]], "progressive": [[one_stage(1)] * 2] * 2}
    rows = score_schedules(sets, tiny_context(**CONTEXT), PARAMS)
    assert set(rows.protocol) == {"paper", "equal"} and set(rows.recipe) == {"default"}
    paper = rows[rows.protocol == "paper"]
    assert len(paper[paper.set == "union"]) == 2 * 2  # two runs × two seeds, one stage
    assert len(paper[paper.set == "progressive"]) == 2 * 2 * 2
    equal = rows[(rows.protocol == "equal") & (rows.set == "union")]
    assert (equal.steps == 2).all()  # 2 stages × 1 epoch, all in the one stage
    assert rows.test_acc.between(0, 100).all()


def made_up_final() -> pd.DataFrame:
    rows = []
    for name, accs in (
        ("union", [40.0, 44.0, 41.0, 45.0]),
        ("progressive", [50.0, 54.0, 50.0, 52.0]),
    ):
        for (run, seed), acc in zip([(0, 1), (0, 2), (1, 1), (1, 2)], accs, strict=True):
            rows.append(
                {"set": name, "protocol": "paper", "recipe": "default", "run": run, "seed": seed,
                 "stage": 1, "steps": 4, "test_acc": acc}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_table_takes_the_mean_and_std_over_runs():
    summary = protocols.summary(made_up_final())
    table = results_table(summary, {"union": 5.0, "progressive": 7.0}, method="dm")
    assert table["DM alone"]["test_mean"] == pytest.approx(42.5)  # runs 42 and 43
    assert table["DM alone"]["test_std"] == pytest.approx(0.7071, abs=1e-4)
    assert table["PDD + DM"]["n"] == 2 and table["PDD + DM"]["distill_seconds"] == 7.0
    assert set(table["PDD + DM"]["by_protocol"]) == {"paper/default"}
    assert schedule_labels("idc") == {"union": "IDC alone", "progressive": "PDD + IDC"}


def test_metrics_hold_the_setting_the_comparison_and_pdds_gain():
    final = made_up_final()
    table = results_table(protocols.summary(final), {"union": 5.0, "progressive": 7.0}, method="dm")
    compared = protocols.comparisons(final, [("progressive", "union")])
    metrics = method_metrics(
        table, compared, method="dm", dataset="fashion-mnist", stages=2, ipc_per_stage=3, factor=1
    )
    assert metrics["total_ipc"] == 6 and metrics["stages"] == 2 and metrics["factor"] == 1
    assert metrics["results"] is table
    assert metrics["pdd_minus_alone"] == pytest.approx(9.0)  # runs: +10, +8
    (entry,) = metrics["comparisons"]
    assert entry["comparison"] == "progressive − union" and entry["runs"] == 2
    assert "pdd_minus_alone_equal" not in metrics  # no equal-protocol rows here
