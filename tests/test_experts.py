"""The buffers stage: the experts' settings and state key, publishing finished experts, and
the full-data reference they give."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from pdd.analyses.experts import (
    buffers_key,
    buffers_metrics,
    experts_curve,
    experts_table,
    publish_experts,
)
from pdd.config.context import expert_config
from pdd.core.buffers import ExpertConfig, expert_path
from pdd.core.trajectory import Trajectory

BUFFERS = SimpleNamespace(
    num_experts=2, epochs=3, lr_teacher=0.01, batch_size=64, examples_per_epoch=500
)


def save_expert(folder, index, *, complete=True):
    metrics = {
        "val_acc": 10.0 + index,
        "test_acc": 20.0 + index,
        "val_curve": [5.0, 10.0 + index],
        "test_curve": [15.0, 20.0 + index],
    }
    expert = Trajectory(torch.zeros(2, 3), [("w", (3,))], 100 + index, complete, metrics)
    expert.save(expert_path(folder, index))


def test_expert_config_from_the_buffers_section():
    assert expert_config(BUFFERS) == ExpertConfig(
        epochs=3, lr=0.01, batch_size=64, examples_per_epoch=500
    )


def test_buffers_key_names_everything_that_shapes_an_expert():
    common = SimpleNamespace(dataset="fashion-mnist", seed=1, zca=False, val_per_class=5)
    evals = SimpleNamespace(dsa=True, dsa_strategy="crop", dsa_flip=False)
    config = ExpertConfig(epochs=3)
    key = buffers_key(common, evals, {"name": "convnet"}, config)
    assert key == {
        "dataset": "fashion-mnist",
        "seed": 1,
        "net": {"name": "convnet"},
        "config": config,
        "zca": False,
        "val": 5,
        "dsa": [True, "crop", False],
    }


def test_publish_experts_copies_every_finished_expert(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    for index in range(2):
        save_expert(work, index)
    experts = publish_experts(work, out, 2)
    assert [e.seed for e in experts] == [100, 101]
    assert sorted(p.name for p in out.iterdir()) == ["expert_000.pt", "expert_001.pt"]
    assert expert_path(out, 1).read_bytes() == expert_path(work, 1).read_bytes()


def test_publish_experts_refuses_an_unfinished_expert_before_copying(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    save_expert(work, 0)
    save_expert(work, 1, complete=False)
    with pytest.raises(FileNotFoundError, match="expert_001"):
        publish_experts(work, out, 2)
    assert not out.exists()


def test_experts_table_one_row_per_expert_with_its_metrics(tmp_path):
    save_expert(tmp_path, 0)
    save_expert(tmp_path, 1)
    table = experts_table([Trajectory.load(expert_path(tmp_path, i)) for i in range(2)])
    assert table.to_dict("list") == {
        "expert": [0, 1],
        "seed": [100, 101],
        "val_acc": [10.0, 11.0],
        "test_acc": [20.0, 21.0],
    }


def test_buffers_metrics_mean_and_population_std_of_the_experts():
    table = pd.DataFrame({"test_acc": [10.0, 20.0], "val_acc": [8.0, 10.0]})
    reference = buffers_metrics(table, dataset="tiny", buffers=BUFFERS)["full_data_reference"]
    assert (reference["test_mean"], reference["test_std"], reference["val_mean"]) == (15, 5, 9)
    assert reference["n"] == 2
    assert reference["what"] == (
        "experts after 3 epochs of 500 training images, SGD lr 0.01, no momentum"
    )
    everything = SimpleNamespace(**{**vars(BUFFERS), "examples_per_epoch": None})
    what = buffers_metrics(table, dataset="tiny", buffers=everything)["full_data_reference"]
    assert "of all the training images" in what["what"]


def test_experts_curve_one_row_per_expert_and_epoch(tmp_path):
    save_expert(tmp_path, 0)
    save_expert(tmp_path, 1)
    curve = experts_curve([Trajectory.load(expert_path(tmp_path, i)) for i in range(2)])
    assert curve.to_dict("list") == {
        "expert": [0, 0, 1, 1],
        "epoch": [1, 2, 1, 2],
        "val_acc": [5.0, 10.0, 5.0, 11.0],
        "test_acc": [15.0, 20.0, 15.0, 21.0],
    }
