"""Class-balanced index selection: the validation split carved from train, and random
per-class subsets (random-real baselines, synthetic-set initialisation). All indices are
CPU int64 tensors; randomness comes only from the generator or seed passed in."""

from __future__ import annotations

import torch
from torch import Tensor


def _labels(labels: Tensor) -> Tensor:
    labels = torch.as_tensor(labels).detach().cpu()
    if labels.ndim != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be a 1-D integer tensor, got {labels.dtype} {labels.shape}")
    if len(labels) and labels.min() < 0:
        raise ValueError("labels must be non-negative")
    return labels.long()


def class_indices(labels: Tensor, num_classes: int) -> list[Tensor]:
    """For each class 0..num_classes-1, the indices holding it, in ascending order."""
    labels = _labels(labels)
    counts = torch.bincount(labels, minlength=num_classes)
    if len(counts) > num_classes:
        raise ValueError(f"label {len(counts) - 1} is not below num_classes={num_classes}")
    order = torch.argsort(labels, stable=True)  # stable: dataset order within a class
    return list(torch.split(order, counts.tolist()))


def sample_per_class(labels: Tensor, per_class: int, generator: torch.Generator) -> Tensor:
    """`per_class` distinct random indices of every class 0..max(labels), concatenated
    class by class (class 0 first). One draw per class, never one per sample."""
    labels = _labels(labels)
    picked = []
    for label, members in enumerate(class_indices(labels, int(labels.max()) + 1)):
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, {per_class} requested")
        picked.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(picked)


def stratified_split(labels: Tensor, val_per_class: int, seed: int) -> tuple[Tensor, Tensor]:
    """(train_idx, val_idx): `val_per_class` random examples of each class go to validation,
    the rest to train. Deterministic in `seed`; both sorted, disjoint, covering every index."""
    labels = _labels(labels)
    generator = torch.Generator().manual_seed(seed)
    val_idx = torch.sort(sample_per_class(labels, val_per_class, generator)).values
    in_val = torch.zeros(len(labels), dtype=torch.bool)
    in_val[val_idx] = True
    return torch.nonzero(~in_val).flatten(), val_idx
