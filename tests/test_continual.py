"""Class-incremental protocol: tasks partition the classes, memories keep only seen
classes, predictions are restricted to them, and one row comes per seed and task."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.analyses.continual import accuracy_among, class_tasks, continual_accuracy, of_classes
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec


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
        (x, y),
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
