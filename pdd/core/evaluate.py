"""Progressive evaluation (the paper's protocol): one network trains on S_1, then keeps
training, optimiser state and all, on S_1 ∪ S_2, and so on; each stage at its own learned
step size. Accuracy is recorded after every stage."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from torch import nn

from pdd.core.augment import DiffAugment
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import SetScore, TrainConfig, evaluate, evaluate_synthetic_set, train_classifier
from pdd.data import Splits
from pdd.infra.runtime import derive_seed


def train_through_stages(
    stages: list[SyntheticStage],
    model: nn.Module,
    config: TrainConfig,
    *,
    seed: int,
    augment: DiffAugment | None,
) -> Iterator[tuple[int, nn.Module]]:
    """Train `model` on S_1, then on S_1 ∪ S_2 (optimiser state kept), …, each stage at its
    own step size; yield (stage index, model) after every stage."""
    optimizer = None
    for index, stage in enumerate(stages):
        images, labels = union(stages[: index + 1])
        result = train_classifier(
            model,
            images,
            labels,
            replace(config, lr=stage.lr),
            seed=derive_seed(seed, "stage", index),
            optimizer=optimizer,
            augment=augment,
        )
        model, optimizer = result.model, result.optimizer
        yield index, model


def progressive_evaluation(
    stages: list[SyntheticStage],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> list[dict[str, float]]:
    """Rows (seed, stage, test_acc, val_acc): accuracy after training through each stage."""
    rows = []
    for seed in seeds:
        trained = train_through_stages(stages, make_model(seed), config, seed=seed, augment=augment)
        for index, model in trained:
            rows.append(
                {
                    "seed": seed,
                    "stage": index + 1,
                    "images_per_class": sum(s.ipc for s in stages[: index + 1]),
                    "test_acc": evaluate(model, data.test_x, data.test_y)[0],
                    "val_acc": evaluate(model, data.val_x, data.val_y)[0],
                }
            )
    return rows


def union_from_scratch(
    stages: list[SyntheticStage],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> SetScore:
    """A fresh network per seed on S_1 ∪ … ∪ S_P at once, at the last stage's step size."""
    images, labels = union(stages)
    return evaluate_synthetic_set(
        images,
        labels,
        make_model=make_model,
        config=replace(config, lr=stages[-1].lr),
        seeds=seeds,
        test=(data.test_x, data.test_y),
        val=(data.val_x, data.val_y),
        augment=augment,
    )
