"""Random real baselines: one seeded subset and network per (IPC, draw), the summary per IPC
and the metrics written from it."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from pdd.analyses.baselines import baselines_metrics, subset_summary
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec
from pdd.experiments.baselines import random_subset_scores
from pdd.infra.runtime import derive_seed


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
    return Splits(x, y, x[:6], y[:6], x[:9], y[:9], spec, ("a", "b", "c"))


def make_model(seed):
    return get_model("mlp", in_channels=1, num_classes=3, image_size=8, width=4, seed=seed)


def test_random_subset_scores_one_seeded_row_per_ipc_and_draw():
    kwargs = dict(
        draws=2,
        seed=7,
        dataset="tiny",
        make_model=make_model,
        config=TrainConfig(epochs=1, lr=0.01, batch_size=8, lr_decay_at=()),
        augment=None,
    )
    table = random_subset_scores(tiny_splits(), [1, 2], **kwargs)
    assert list(table.columns) == [
        "dataset",
        "method",
        "ipc",
        "seed",
        "test_acc",
        "val_acc",
        "train_seconds",
    ]
    assert table.ipc.tolist() == [1, 1, 2, 2]
    assert table.seed.tolist() == [
        derive_seed(7, "baselines", i, d) for i in (1, 2) for d in (0, 1)
    ]
    assert set(table.method) == {"random real"}
    again = random_subset_scores(tiny_splits(), [1, 2], **kwargs)
    assert again.test_acc.tolist() == table.test_acc.tolist()  # seeded: repeats exactly


def test_subset_summary_mean_population_std_and_count_per_ipc():
    results = pd.DataFrame(
        {
            "ipc": [1, 1, 10],
            "test_acc": [10.0, 20.0, 50.0],
            "val_acc": [8.0, 12.0, 40.0],
            "train_seconds": [1.0, 3.0, 5.0],
        }
    )
    summary = subset_summary(results)
    assert summary.loc[1].tolist() == [15.0, 5.0, 10.0, 2, 2.0]
    assert list(summary.columns) == ["test_mean", "test_std", "val_mean", "n", "seconds_per_run"]


def test_baselines_metrics_keys_scores_by_ipc():
    summary = pd.DataFrame(
        {"test_mean": [15.0], "test_std": [5.0], "val_mean": [10.0], "n": [2]},
        index=pd.Index([4], name="ipc"),
    )
    net = SimpleNamespace(name="convnet", width=8, norm="instance")
    evals = SimpleNamespace(epochs=10, lr=0.01, dsa=True, num_seeds=2)
    metrics = baselines_metrics(summary, dataset="tiny", net=net, parameters=99, evals=evals)
    assert metrics["random_real"] == {
        "ipc4": {"test_mean": 15.0, "test_std": 5.0, "val_mean": 10.0, "n": 2}
    }
    assert isinstance(metrics["random_real"]["ipc4"]["n"], int)
    assert metrics["net"] == {"name": "convnet", "width": 8, "norm": "instance", "parameters": 99}
    assert metrics["eval"] == {"epochs": 10, "lr": pytest.approx(0.01), "dsa": True, "seeds": 2}
