"""Class-incremental protocol: tasks partition the classes, memories keep only seen
classes, predictions are restricted to them, and one row comes per seed and task."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from pdd.analyses.continual import accuracy_by_task_figure, continual_metrics
from pdd.analyses.cross_arch import seed_summary
from pdd.core.models import get_model
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec
from pdd.experiments import continual
from pdd.experiments.continual import (
    accuracy_among,
    accuracy_by_memory,
    class_tasks,
    continual_accuracy,
    memory_training,
    of_classes,
    seen_stages,
)


def test_tasks_partition_the_classes_reproducibly():
    tasks = class_tasks(10, 5, seed=3)
    assert len(tasks) == 5 and all(len(t) == 2 for t in tasks)
    assert sorted(c for t in tasks for c in t) == list(range(10))
    assert class_tasks(10, 5, seed=3) == tasks and class_tasks(10, 5, seed=4) != tasks
    with pytest.raises(ValueError, match="equal tasks"):
        class_tasks(10, 3, seed=0)


def test_memory_keeps_only_the_seen_classes():
    images, labels = torch.arange(6.0).view(6, 1, 1, 1), torch.tensor([0, 1, 2, 0, 1, 2])
    x, y = of_classes(images, labels, [2, 0])
    assert y.tolist() == [0, 2, 0, 2] and x.flatten().tolist() == [0.0, 2.0, 3.0, 5.0]


class Constant(torch.nn.Module):
    """Always prefers class 3, then 1, then the rest."""

    def forward(self, x):
        logits = torch.zeros(len(x), 4)
        logits[:, 3], logits[:, 1] = 2.0, 1.0
        return logits


def test_predictions_are_restricted_to_the_seen_classes():
    images, labels = torch.zeros(4, 1, 2, 2), torch.tensor([1, 1, 0, 0])
    assert accuracy_among(Constant(), images, labels, [0, 1]) == 50.0  # 3 is masked out
    assert accuracy_among(Constant(), images, labels, [0, 1, 3]) == 0.0


def test_one_row_per_seed_and_task():
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=4)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 1, 8, 8, generator=generator), torch.arange(4).repeat(4)
    data = Splits(x, y, x, y, x, y, spec, ("a", "b", "c", "d"))

    def make_model(seed):
        return get_model(
            "convnet", in_channels=1, num_classes=4, image_size=8, width=4, depth=2, seed=seed
        )

    rows = continual_accuracy(
        [SyntheticStage(x, y, 0.01)],
        class_tasks(4, 2, seed=0),
        make_model=make_model,
        config=TrainConfig(epochs=2, lr=0.01),
        seeds=[1, 2],
        data=data,
        augment=None,
    )
    assert [(r["seed"], r["task"], r["classes_seen"]) for r in rows] == [
        (1, 1, 2),
        (1, 2, 4),
        (2, 1, 2),
        (2, 2, 4),
    ]
    assert all(0.0 <= r["test_acc"] <= 100.0 for r in rows)


def test_a_staged_memory_trains_under_every_protocol_a_single_stage_once(monkeypatch):
    seen = []

    class FakeLearner:
        def __init__(self, tasks, make_model, config, data, augment, protocol):
            self.config, self.protocol = config, protocol

        def rows(self, run):
            (memory, seed) = run
            seen.append((len(memory), self.protocol, self.config.epochs, seed))
            return [{"seed": seed, "task": 1, "classes_seen": 2, "test_acc": 50.0}]

    monkeypatch.setattr(continual, "Learner", FakeLearner)
    monkeypatch.setattr(continual, "parallel_map", lambda f, items: [f(i) for i in items])
    first = SyntheticStage(torch.zeros(2, 1, 2, 2), torch.tensor([0, 1]), lr=0.1)
    last = SyntheticStage(torch.ones(2, 1, 2, 2), torch.tensor([1, 0]), lr=0.02)
    memories = {"real": [[first]], "PDD": [[first, last]]}
    table = accuracy_by_memory(
        memories,
        [[0, 1]],
        make_model=None,
        eval_config=TrainConfig(epochs=9, lr=0.5),
        epochs=3,
        seeds=[4],
        data=None,
        augment=None,
    )
    assert seen == [(1, "union", 3, 4), (2, "union", 3, 4), (2, "paper", 3, 4), (2, "equal", 3, 4)]
    assert list(table.columns)[:4] == ["source", "run", "protocol", "seed"]
    real = table[table.source == "real"]
    assert real.protocol.tolist() == ["union", "paper", "equal"]  # one training, three labels
    assert table[table.source == "PDD"].protocol.tolist() == ["union", "paper", "equal"]


def test_each_protocol_trains_the_seen_part_of_the_memory_its_way():
    first = SyntheticStage(torch.zeros(4, 1, 2, 2), torch.tensor([0, 1, 2, 3]), lr=0.1)
    last = SyntheticStage(torch.ones(4, 1, 2, 2), torch.tensor([3, 2, 1, 0]), lr=0.02)
    stages = seen_stages([first, last], [1, 3])
    assert [s.labels.tolist() for s in stages] == [[1, 3], [3, 1]]
    assert [s.lr for s in stages] == [0.1, 0.02]
    config = TrainConfig(epochs=6, lr=0.5, batch_size=256)
    (whole,), epochs = memory_training(stages, config, "union")
    assert whole.labels.tolist() == [1, 3, 3, 1] and whole.lr == 0.02 and epochs == [6]
    assert memory_training(stages, config, "paper")[1] == [6, 6]
    assert memory_training(stages, config, "equal")[1] == [3, 3]
    with pytest.raises(ValueError, match="protocol 'other'"):
        memory_training(stages, config, "other")


def accuracy_table():
    rows = [
        (source, seed, task, acc)
        for source, accs in (("real", [10.0, 30.0, 20.0, 40.0]), ("PDD", [50.0] * 4))
        for (seed, task), acc in zip([(1, 1), (1, 2), (2, 1), (2, 2)], accs, strict=True)
    ]
    return pd.DataFrame(rows, columns=["source", "seed", "task", "test_acc"]).assign(
        classes_seen=lambda t: 2 * t.task, run=0, protocol="union"
    )


def test_continual_metrics_by_task_and_averaged_per_seed():
    accuracy = accuracy_table()
    params = SimpleNamespace(
        common=SimpleNamespace(dataset="tiny"),
        distill=SimpleNamespace(stages=2, ipc_per_stage=3),
        continual=SimpleNamespace(epochs=4, runs=1),
    )
    by_task = seed_summary(accuracy, ["protocol", "source", "task"])
    metrics = continual_metrics(params, accuracy, by_task, tasks=[[0, 1], [2, 3]])
    assert (metrics["memory_ipc"], metrics["epochs"], metrics["dataset"]) == (6, 4, "tiny")
    assert list(metrics["by_task"]["union"]) == ["real", "PDD"]
    assert metrics["by_task"]["union"]["real"] == [
        {"task": 1, "test_mean": 15.0, "test_std": 5.0, "n": 2},
        {"task": 2, "test_mean": 35.0, "test_std": 5.0, "n": 2},
    ]
    # per network: (10 + 30) / 2 = 20 and (20 + 40) / 2 = 30
    average = metrics["average_over_tasks"]["union"]
    assert average["real"] == {"test_mean": 25.0, "test_std": 5.0, "n": 2}
    assert average["PDD"]["test_std"] == 0.0


def test_accuracy_by_task_figure_draws_one_line_per_source():
    fig = accuracy_by_task_figure(accuracy_table(), title="tiny")
    (ax,) = fig.axes
    assert ax.get_title() == "tiny" and ax.get_xlabel() == "classes seen"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["real", "PDD"]
    plt.close(fig)
