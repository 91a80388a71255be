"""Class-incremental continual learning with a replay memory, the protocol the distillation
papers use (GDumb-style, as in DSA and DM): classes arrive in tasks; after each task the
memory holds the images of every class seen so far, drawn from one source (random real,
MTT or PDD images, the same number per class), and a fresh network trained on the memory
alone is tested on the test images of the classes seen so far, answering among them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch
from torch import Tensor, nn

from pdd.analyses.figures import lines_over_seeds
from pdd.core.augment import DiffAugment
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import TrainConfig, train_classifier
from pdd.data import Splits
from pdd.infra.runtime import derive_seed


def class_tasks(num_classes: int, num_tasks: int, seed: int) -> list[list[int]]:
    """A seeded random class order cut into `num_tasks` equal tasks."""
    if num_tasks < 1 or num_classes % num_tasks:
        raise ValueError(f"{num_classes} classes do not split into {num_tasks} equal tasks")
    order = torch.randperm(num_classes, generator=torch.Generator().manual_seed(seed)).tolist()
    size = num_classes // num_tasks
    return [sorted(order[start : start + size]) for start in range(0, num_classes, size)]


def of_classes(images: Tensor, labels: Tensor, classes: Sequence[int]) -> tuple[Tensor, Tensor]:
    """The examples whose label is one of `classes`, in their original order."""
    keep = torch.isin(labels, torch.tensor(list(classes), device=labels.device))
    return images[keep], labels[keep]


def continual_accuracy(
    memory: tuple[Tensor, Tensor],
    tasks: list[list[int]],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> list[dict[str, float]]:
    """Rows (seed, task, classes seen, test accuracy on the seen classes) after every task."""
    rows = []
    for seed in seeds:
        seen: list[int] = []
        for task, classes in enumerate(tasks):
            seen += classes
            images, labels = of_classes(*memory, seen)
            model = train_classifier(
                make_model(derive_seed(seed, "task", task)),
                images,
                labels,
                config,
                seed=derive_seed(seed, "task", task),
                augment=augment,
            ).model
            test_x, test_y = of_classes(data.test_x, data.test_y, seen)
            rows.append(
                {
                    "seed": seed,
                    "task": task + 1,
                    "classes_seen": len(seen),
                    "test_acc": accuracy_among(model, test_x, test_y, seen),
                }
            )
    return rows


def accuracy_by_memory(
    memories: dict[str, list[SyntheticStage]],
    tasks: list[list[int]],
    *,
    make_model: Callable[[int], nn.Module],
    eval_config: TrainConfig,
    epochs: int,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> pd.DataFrame:
    """`continual_accuracy` of every memory (source, seed, task, classes seen, test
    accuracy): each source's set as one memory, trained `epochs` at its last step size."""
    rows = []
    for source, stages in memories.items():
        config = dataclasses.replace(eval_config, epochs=epochs, lr=stages[-1].lr)
        scored = continual_accuracy(
            union(stages),
            tasks,
            make_model=make_model,
            config=config,
            seeds=seeds,
            data=data,
            augment=augment,
        )
        rows += [{"source": source, **row} for row in scored]
    return pd.DataFrame(rows)


def continual_metrics(
    params: Any, accuracy: pd.DataFrame, by_task: pd.DataFrame, *, tasks: list[list[int]]
) -> dict:
    """The stage's metrics.json: each source's score after every task (`by_task`, a
    `seed_summary` by source and task) and averaged over the tasks, per seed first."""
    distill = params.distill
    sources = list(accuracy.source.unique())
    per_seed_average = accuracy.groupby(["source", "seed"], sort=False).test_acc.mean()
    return {
        "dataset": params.common.dataset,
        "memory_ipc": distill.stages * distill.ipc_per_stage,
        "tasks": tasks,
        "epochs": params.continual.epochs,
        "by_task": {
            source: [_task_score(row) for row in by_task[by_task.source == source].itertuples()]
            for source in sources
        },
        "average_over_tasks": {
            source: {
                "test_mean": float(per_seed_average[source].mean()),
                "test_std": float(per_seed_average[source].std(ddof=0)),
                "n": int(per_seed_average[source].count()),
            }
            for source in sources
        },
    }


def _task_score(row: Any) -> dict:
    return {
        "task": int(row.task),
        "test_mean": row.test_mean,
        "test_std": row.test_std,
        "n": int(row.n),
    }


def accuracy_by_task_figure(accuracy: pd.DataFrame, *, title: str) -> plt.Figure:
    """Test accuracy on the seen classes against classes seen, one line per source."""
    fig = lines_over_seeds(
        accuracy,
        x="classes_seen",
        hue="source",
        xlabel="classes seen",
        ylabel="test accuracy on seen classes (%)",
        title=title,
    )
    fig.axes[0].legend(fontsize="small", title=None)
    return fig


@torch.no_grad()
def accuracy_among(model: nn.Module, images: Tensor, labels: Tensor, classes: list[int]) -> float:
    """Accuracy (%) when the network may only answer one of `classes` (as GDumb: the
    classes not seen yet are masked out of the prediction)."""
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, len(images), 2048):
        logits = model(images[start : start + 2048])
        unseen = torch.ones(logits.shape[1], dtype=torch.bool, device=logits.device)
        unseen[classes] = False
        logits = logits.masked_fill(unseen, -float("inf"))
        correct += (logits.argmax(dim=1) == labels[start : start + 2048]).sum().item()
    model.train(was_training)
    return 100.0 * correct / len(images)
