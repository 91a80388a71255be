"""A base method alone (union) and under PDD (progressive): both schedules distilled into
their own folders, both scored progressively, and the table compares their last stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from pdd.analyses import methods_run
from pdd.analyses.methods_run import (
    distil_schedules,
    distill_seconds,
    method_metrics,
    progressive_rows,
    results_table,
    schedule_labels,
)
from pdd.config.context import Context
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec


def tiny_context() -> Context:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
    data = Splits(x, y, x[:6], y[:6], x[:9], y[:9], spec, ("a", "b", "c"))
    net = {"name": "mlp", "width": 4, "depth": None, "norm": "none"}
    config = TrainConfig(epochs=4, lr=0.01, batch_size=6, lr_decay_at=())
    return Context(torch.device("cpu"), data, net, config, None, [11, 12, 13])


def one_stage(ipc: int, seconds: float = 0.0) -> SyntheticStage:
    images = torch.randn(3 * ipc, 1, 8, 8, generator=torch.Generator().manual_seed(ipc))
    return SyntheticStage(images, torch.arange(3).repeat(ipc), 0.01, {"seconds": seconds})


def test_both_schedules_go_into_their_own_folders(monkeypatch, tmp_path, capsys):
    planned, saved = [], []

    def plan_schedule(params, ctx, *, method, schedule, experts, work_name, artifacts):
        planned.append((method, schedule, work_name, experts))
        plan = SimpleNamespace(ipcs=lambda: [4] if schedule == "union" else [2, 2])
        setup = SimpleNamespace(distiller=SimpleNamespace(config=SimpleNamespace(iterations=6)))
        return plan, setup, Path(artifacts) / "work" / work_name

    def run_schedule(plan, setup, experts, *, folder, work):
        return [one_stage(ipc) for ipc in plan.ipcs()]

    monkeypatch.setattr(methods_run, "load_buffers", lambda folder, count: [f"{folder}:{count}"])
    monkeypatch.setattr(methods_run, "plan_schedule", plan_schedule)
    monkeypatch.setattr(methods_run, "run_schedule", run_schedule)
    monkeypatch.setattr(
        methods_run, "save_without_history", lambda folder, stages, data: saved.append(folder)
    )
    params = SimpleNamespace(buffers=SimpleNamespace(num_experts=2))
    sets = distil_schedules(
        params, tiny_context(), method="dm", artifacts=tmp_path, out_dir=tmp_path / "dm"
    )
    assert [len(stages) for stages in sets.values()] == [1, 2]
    assert list(sets) == ["union", "progressive"]
    assert [p[:3] for p in planned] == [
        ("dm", "union", "methods-dm-union"),
        ("dm", "progressive", "methods-dm-progressive"),
    ]
    assert planned[0][3] == [f"{tmp_path / 'buffers'}:2"]  # the experts, loaded once
    assert saved == [tmp_path / "dm" / "union", tmp_path / "dm" / "progressive"]
    assert "dm progressive: stage IPCs [2, 2], 6 iterations" in capsys.readouterr().out


def test_distill_seconds_add_up_per_schedule():
    sets = {"union": [one_stage(2, 3.0)], "progressive": [one_stage(1, 1.0), one_stage(1, 2.5)]}
    assert distill_seconds(sets) == {"union": 3.0, "progressive": 3.5}


def test_progressive_rows_score_every_schedule_seed_and_stage():
    sets = {"union": [one_stage(2)], "progressive": [one_stage(1), one_stage(1)]}
    rows = progressive_rows(sets, tiny_context(), method="dm", stage_epochs=1, seeds=[1, 2])
    assert list(rows.columns) == [
        "method",
        "schedule",
        "seed",
        "stage",
        "images_per_class",
        "test_acc",
        "val_acc",
    ]
    assert rows.schedule.tolist() == ["union"] * 2 + ["progressive"] * 4
    assert rows[rows.schedule == "progressive"].images_per_class.tolist() == [1, 2, 1, 2]
    assert (rows.method == "dm").all() and rows.test_acc.between(0, 100).all()


def made_up_progressive() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "schedule": ["union", "union", "progressive", "progressive", "progressive"],
            "stage": [1, 1, 1, 2, 2],
            "test_acc": [40.0, 44.0, 10.0, 50.0, 54.0],
        }
    )


def test_the_table_takes_each_schedule_after_its_last_stage():
    table = results_table(made_up_progressive(), {"union": 5.0, "progressive": 7.0}, method="dm")
    assert table == {
        "DM alone": {"test_mean": 42.0, "test_std": 2.0, "n": 2, "distill_seconds": 5.0},
        "PDD + DM": {"test_mean": 52.0, "test_std": 2.0, "n": 2, "distill_seconds": 7.0},
    }
    assert schedule_labels("idc") == {"union": "IDC alone", "progressive": "PDD + IDC"}


def test_metrics_hold_the_setting_and_pdds_gain():
    table = results_table(made_up_progressive(), {"union": 5.0, "progressive": 7.0}, method="dm")
    metrics = method_metrics(
        table, method="dm", dataset="fashion-mnist", stages=2, ipc_per_stage=3, factor=1
    )
    assert metrics["total_ipc"] == 6 and metrics["stages"] == 2 and metrics["factor"] == 1
    assert metrics["results"] is table
    assert metrics["pdd_minus_alone"] == pytest.approx(10.0)
