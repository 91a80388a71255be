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
from pdd.core.train import TrainConfig, inference_batch, train_classifier
from pdd.data import Splits
from pdd.infra import phases
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map


def class_tasks(num_classes: int, num_tasks: int, seed: int) -> list[list[int]]:
    """A seeded random class order cut into `num_tasks` equal tasks."""
    if num_tasks < 1 or num_classes % num_tasks:
        raise ValueError(
            f"{num_classes} classes do not split into {num_tasks} equal tasks (continual.num_tasks)"
        )
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
    """Rows (seed, task, classes seen, test accuracy on the seen classes) after every task;
    the seeds run over the workers."""
    learner = Learner(tasks, make_model, config, data, augment)
    return [
        row for rows in parallel_map(learner.rows, [(memory, s) for s in seeds]) for row in rows
    ]


@dataclasses.dataclass(frozen=True)
class Learner:
    """What every continual-learning run shares; `rows((memory, seed))` is one run."""

    tasks: list[list[int]]
    make_model: Callable[[int], nn.Module]
    config: TrainConfig
    data: Splits
    augment: DiffAugment | None

    def rows(self, run: tuple[tuple[Tensor, Tensor], int]) -> list[dict[str, float]]:
        """A fresh network per task on the memory of the classes seen so far."""
        (memory, seed), rows, seen = run, [], []
        for task, classes in enumerate(self.tasks):
            seen += classes
            images, labels = of_classes(*memory, seen)
            model = train_classifier(
                self.make_model(derive_seed(seed, "task", task)),
                images,
                labels,
                self.config,
                seed=derive_seed(seed, "task", task),
                augment=self.augment,
            ).model
            test_x, test_y = of_classes(self.data.test_x, self.data.test_y, seen)
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
    accuracy): each source's set as one memory, trained `epochs` at its last step size. All
    (source, seed) runs go over the workers at once."""
    runs = [(source, seed) for source in memories for seed in seeds]

    def run(source_seed: tuple[str, int]) -> list[dict[str, float]]:
        source, seed = source_seed
        stages = memories[source]
        config = dataclasses.replace(eval_config, epochs=epochs, lr=stages[-1].lr)
        learner = Learner(tasks, make_model, config, data, augment)
        return [{"source": source, **row} for row in learner.rows((union(stages), seed))]

    with phases.phase("evaluation"):
        return pd.DataFrame([row for rows in parallel_map(run, runs) for row in rows])


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
    correct, batch = 0, inference_batch(model)
    for start in range(0, len(images), batch):
        logits = model(images[start : start + batch])
        unseen = torch.ones(logits.shape[1], dtype=torch.bool, device=logits.device)
        unseen[classes] = False
        logits = logits.masked_fill(unseen, -float("inf"))
        correct += (logits.argmax(dim=1) == labels[start : start + batch]).sum().item()
    model.train(was_training)
    return 100.0 * correct / len(images)
