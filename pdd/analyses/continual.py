"""Class-incremental continual learning with a replay memory, the protocol the distillation
papers use (GDumb-style, as in DSA and DM): classes arrive in tasks; after each task the
memory holds the images of every class seen so far, drawn from one source (random real,
MTT or PDD images, the same number per class), and a fresh network trained on the memory
alone is tested on the test images of the classes seen so far, answering among them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from pdd.core.augment import DiffAugment
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
