"""Expert trajectory buffers (MTT's `buffer.py`, rewritten): E experts trained on real data
with plain SGD, one parameter snapshot per epoch, one file per expert.

Resumable: every epoch rewrites the expert's file atomically (complete=False until the
end), and each epoch's batches derive from (seed, expert, epoch) alone, so a rerun skips
finished experts and continues an unfinished one from its last epoch with the same result.
Shardable: shard i of N trains the experts whose index is i mod N; merging is reading
the folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from tqdm import tqdm

from pdd.core.augment import DiffAugment
from pdd.core.train import TrainConfig, evaluate, train_classifier
from pdd.core.trajectory import Trajectory, flatten_params, load_flat, param_layout
from pdd.data.splits import sample_per_class
from pdd.data.tensors import Splits
from pdd.infra import checkpoint, phases
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map


@dataclass(frozen=True)
class ExpertConfig:
    epochs: int
    lr: float = 0.01  # MTT's lr_teacher; no momentum, no weight decay, no decay schedule
    batch_size: int = 256
    # CPU budget: train each epoch on a fresh class-balanced subset of this many images
    # (None = the whole training split, as MTT does).
    examples_per_epoch: int | None = None

    @property
    def sgd(self) -> TrainConfig:
        return TrainConfig(
            epochs=1,
            lr=self.lr,
            momentum=0.0,
            weight_decay=0.0,
            batch_size=self.batch_size,
            lr_decay_at=(),
        )


def expert_path(folder: Path, index: int) -> Path:
    return Path(folder) / f"expert_{index:03d}.pt"


def shard_indices(num_experts: int, shard: int, num_shards: int) -> list[int]:
    if not 0 <= shard < num_shards:
        raise ValueError(f"shard {shard} outside 0..{num_shards - 1}")
    return [index for index in range(num_experts) if index % num_shards == shard]


def check_functional(model: nn.Module) -> None:
    """A trajectory stores parameters only, so the network must have no running buffers."""
    buffers = [name for name, _ in model.named_buffers()]
    if buffers:
        raise ValueError(
            f"trajectory matching needs a network without running buffers, found {buffers[:3]}"
            " (use norm 'instance' or 'none')"
        )


def epoch_data(data: Splits, config: ExpertConfig, seed: int) -> tuple[Tensor, Tensor]:
    if config.examples_per_epoch is None:
        return data.train_x, data.train_y
    per_class = config.examples_per_epoch // data.spec.num_classes
    picked = sample_per_class(data.train_y.cpu(), per_class, torch.Generator().manual_seed(seed))
    picked = picked.to(data.train_x.device)
    return data.train_x[picked], data.train_y[picked]


def train_expert(
    make_model: Callable[[int], nn.Module],
    index: int,
    data: Splits,
    config: ExpertConfig,
    *,
    seed: int,
    folder: Path,
    augment: DiffAugment | None = None,
    start: Tensor | None = None,
    score: bool = True,
) -> Trajectory:
    """Train (or finish, or just load) expert `index` and return its trajectory.

    `start` replaces the random init (PDD's transition parameters). `score`: record the
    expert's validation and test accuracy after every epoch in `metrics` (`val_curve`,
    `test_curve`; the last epoch's as `val_acc`, `test_acc`); transitions skip it."""
    path = expert_path(folder, index)
    with checkpoint.exclusive(folder, path.stem):
        return _train_or_resume(make_model, index, data, config, seed, path, augment, start, score)


def _train_or_resume(
    make_model: Callable[[int], nn.Module],
    index: int,
    data: Splits,
    config: ExpertConfig,
    seed: int,
    path: Path,
    augment: DiffAugment | None,
    start: Tensor | None,
    score: bool,
) -> Trajectory:
    expert_seed = derive_seed(seed, "expert", index)
    saved = Trajectory.load_or_none(path)
    if saved is not None and saved.complete:
        return saved
    model = make_model(expert_seed)
    check_functional(model)
    if saved is not None and saved.epochs > 0:
        rows = list(saved.params)
        load_flat(model, rows[-1])
        tqdm.write(f"expert {index} resumes after epoch {saved.epochs} of {config.epochs}")
    else:
        if start is not None:
            load_flat(model, start)
        rows = [flatten_params(model)]
    trajectory = Trajectory(torch.stack(rows), param_layout(model), expert_seed)
    trajectory.metrics = dict(saved.metrics) if saved is not None else {}
    for epoch in range(len(rows) - 1, config.epochs):
        x, y = epoch_data(data, config, derive_seed(expert_seed, "subset", epoch))
        train_classifier(
            model,
            x,
            y,
            config.sgd,
            seed=derive_seed(expert_seed, epoch),
            augment=augment,
            desc=f"expert {index}",
        )
        rows.append(flatten_params(model))
        trajectory.params = torch.stack(rows)
        if score:
            record_accuracy(trajectory.metrics, model, data)
        trajectory.save(path)
    trajectory.complete = True
    trajectory.save(path)
    return trajectory


def record_accuracy(metrics: dict, model: nn.Module, data: Splits) -> None:
    """Append the model's validation and test accuracy to the curves in `metrics` and keep
    the latest as the expert's final accuracy (1 s an epoch: the curve shows where the
    matched windows sit on the way to the expert's final accuracy)."""
    for split, x, y in (("val", data.val_x, data.val_y), ("test", data.test_x, data.test_y)):
        accuracy = evaluate(model, x, y)[0]
        metrics[f"{split}_curve"] = [*metrics.get(f"{split}_curve", []), accuracy]
        metrics[f"{split}_acc"] = accuracy


def generate_buffers(
    make_model: Callable[[int], nn.Module],
    num_experts: int,
    data: Splits,
    config: ExpertConfig,
    *,
    seed: int,
    folder: Path,
    augment: DiffAugment | None = None,
    starts: list[Tensor] | None = None,
    shard: int = 0,
    num_shards: int = 1,
    progress: bool = True,
    score: bool = True,
) -> list[Trajectory]:
    """Train this shard's experts (skipping finished ones) over the workers and return
    their trajectories."""

    def expert(index: int) -> Trajectory:
        start = None if starts is None else starts[index]
        return train_expert(
            make_model,
            index,
            data,
            config,
            seed=seed,
            folder=folder,
            augment=augment,
            start=start,
            score=score,
        )

    indices = shard_indices(num_experts, shard, num_shards)
    # a transition's trajectories are part of the transition's cost
    with phases.phase("experts" if starts is None else "transition"):
        return parallel_map(expert, indices, desc="experts" if progress else None)


def load_buffers(folder: Path, num_experts: int) -> list[Trajectory]:
    """All experts of a finished buffer folder; a missing or unfinished one is an error."""
    trajectories = []
    for index in range(num_experts):
        trajectory = Trajectory.load_or_none(expert_path(folder, index))
        if trajectory is None or not trajectory.complete:
            raise FileNotFoundError(f"{expert_path(folder, index)}: expert missing or unfinished")
        trajectories.append(trajectory)
    return trajectories
