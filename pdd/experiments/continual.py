"""Class-incremental continual learning with a replay memory, the protocol the distillation
papers use (GDumb-style, as in DSA and DM): classes arrive in tasks; after each task the
memory holds the images of every class seen so far, drawn from one source (random real,
MTT or PDD images, the same number per class), and a fresh network trained on the memory
alone is tested on the test images of the classes seen so far, answering among them. A
memory of several stages (PDD) trains all at once or through its stages (`MEMORY_PROTOCOLS`).
Notebook 08 runs it; `pdd.analyses.continual` makes its metrics and figure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import torch
from torch import Tensor, nn

from pdd.core.augment import DiffAugment
from pdd.core.scoring import stage_epochs, steps_per_epoch, train_through_stages
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import TrainConfig, inference_batch
from pdd.data.tensors import Splits
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


# How a network trains on the memory after every task: `union` all of it at once (every
# memory the same steps); `paper` through the memory's stages, `epochs` each, as PDD
# evaluates; `equal` through the stages, the union's steps shared over them.
MEMORY_PROTOCOLS = ("union", "paper", "equal")


def seen_stages(stages: Sequence[SyntheticStage], seen: Sequence[int]) -> list[SyntheticStage]:
    """Each stage of a memory cut to the classes seen so far (decoded), at its step size."""
    return [SyntheticStage(*of_classes(*union([stage]), seen), stage.lr) for stage in stages]


def memory_training(
    stages: list[SyntheticStage], config: TrainConfig, protocol: str
) -> tuple[list[SyntheticStage], list[int]]:
    """The stages a network trains through under `protocol`, and the epochs of each."""
    if protocol == "union":
        return [SyntheticStage(*union(stages), stages[-1].lr)], [config.epochs]
    if protocol == "paper":
        return stages, [config.epochs] * len(stages)
    if protocol == "equal":
        steps = config.epochs * steps_per_epoch(len(union(stages)[1]), config)
        return stages, stage_epochs(stages, config, steps)
    raise ValueError(f"protocol {protocol!r}; allowed: {', '.join(MEMORY_PROTOCOLS)}")


def continual_accuracy(
    memory: list[SyntheticStage],
    tasks: list[list[int]],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
    protocol: str = "union",
) -> list[dict[str, float]]:
    """Rows (seed, task, classes seen, test accuracy on the seen classes) after every task;
    the seeds run over the workers."""
    learner = Learner(tasks, make_model, config, data, augment, protocol)
    return [
        row for rows in parallel_map(learner.rows, [(memory, s) for s in seeds]) for row in rows
    ]


@dataclasses.dataclass(frozen=True)
class Learner:
    """What every continual-learning run shares; `rows((memory, seed))` is one run."""

    tasks: list[list[int]]
    make_model: Callable[[int], nn.Module]
    config: TrainConfig  # its epochs: per stage (paper) or in all (union, equal)
    data: Splits
    augment: DiffAugment | None
    protocol: str = "union"

    def rows(self, run: tuple[list[SyntheticStage], int]) -> list[dict[str, float]]:
        """A fresh network per task on the memory of the classes seen so far."""
        (memory, seed), rows, seen = run, [], []
        for task, classes in enumerate(self.tasks):
            seen += classes
            stages, epochs = memory_training(seen_stages(memory, seen), self.config, self.protocol)
            task_seed = derive_seed(seed, "task", task)
            *_, (_, model, _) = train_through_stages(
                stages,
                self.make_model(task_seed),
                self.config,
                seed=task_seed,
                augment=self.augment,
                epochs=epochs,
            )
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
    memories: dict[str, list[list[SyntheticStage]]],
    tasks: list[list[int]],
    *,
    make_model: Callable[[int], nn.Module],
    eval_config: TrainConfig,
    epochs: int,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> pd.DataFrame:
    """`continual_accuracy` of every run of every memory under every protocol (source, run,
    protocol, seed, task, classes seen, test accuracy); a one-stage memory trains the same
    under all three, so it trains once and its rows stand for each. All (source, run,
    protocol, seed) runs go over the workers at once."""
    config = dataclasses.replace(eval_config, epochs=epochs)
    jobs = [
        (source, run, protocol, seed)
        for source, runs in memories.items()
        for run in range(len(runs))
        for protocol in (MEMORY_PROTOCOLS if len(runs[run]) > 1 else ("union",))
        for seed in seeds
    ]

    def job_rows(job: tuple[str, int, str, int]) -> list[dict[str, Any]]:
        source, run, protocol, seed = job
        learner = Learner(tasks, make_model, config, data, augment, protocol)
        return learner.rows((memories[source][run], seed))

    with phases.phase("evaluation"):
        results = parallel_map(job_rows, jobs)
    rows = []
    for (source, run, protocol, _), job_result in zip(jobs, results, strict=True):
        labels = MEMORY_PROTOCOLS if len(memories[source][run]) == 1 else (protocol,)
        rows += [
            {"source": source, "run": run, "protocol": label, **row}
            for label in labels
            for row in job_result
        ]
    return pd.DataFrame(rows)


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
