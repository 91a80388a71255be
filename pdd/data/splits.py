"""Class-balanced index selection: the validation split and random per-class subsets."""

from __future__ import annotations

import torch
from torch import Tensor


def class_indices(labels: Tensor, num_classes: int) -> list[Tensor]:
    """Indices of each class, in dataset order."""
    order = torch.argsort(labels, stable=True)
    counts = torch.bincount(labels, minlength=num_classes).tolist()
    return list(torch.split(order, counts))


def sample_per_class(labels: Tensor, per_class: int, generator: torch.Generator) -> Tensor:
    """`per_class` random indices of every class, grouped by class (class 0 first)."""
    picked = []
    for label, members in enumerate(class_indices(labels, int(labels.max()) + 1)):
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, {per_class} requested")
        picked.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(picked)


def stratified_split(labels: Tensor, val_per_class: int, seed: int) -> tuple[Tensor, Tensor]:
    """Deterministic (train_idx, val_idx): `val_per_class` of each class go to validation;
    both sorted, disjoint, and together covering every index."""
    generator = torch.Generator().manual_seed(seed)
    val = torch.sort(sample_per_class(labels, val_per_class, generator)).values
    is_val = torch.zeros(len(labels), dtype=torch.bool)
    is_val[val] = True
    return torch.nonzero(~is_val).flatten(), val
