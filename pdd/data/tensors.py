"""A dataset as in-memory float tensors: normalised, with a validation split carved from
train (model selection never looks at test) and optional ZCA fitted on train only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from pdd.data.prepare import load_prepared
from pdd.data.registry import DatasetSpec, get_spec
from pdd.data.splits import stratified_split
from pdd.data.zca import ZCA


@dataclass
class Splits:
    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor
    spec: DatasetSpec
    class_names: tuple[str, ...]
    zca: ZCA | None = None


def _stats(spec: DatasetSpec, device) -> tuple[Tensor, Tensor]:
    mean = torch.tensor(spec.mean, device=device).view(1, -1, 1, 1)
    std = torch.tensor(spec.std, device=device).view(1, -1, 1, 1)
    return mean, std


def normalize(x_uint8: Tensor, spec: DatasetSpec) -> Tensor:
    mean, std = _stats(spec, x_uint8.device)
    return (x_uint8.float() / 255.0 - mean) / std


def denormalize(x: Tensor, spec: DatasetSpec, zca: ZCA | None = None) -> Tensor:
    """Back to [0, 1] pixel space (for image grids), undoing ZCA first if it was applied."""
    if zca is not None:
        x = zca.inverse(x)
    mean, std = _stats(spec, x.device)
    return (x * std + mean).clamp(0, 1)


def load_splits(
    name: str,
    prepared_dir: str | Path,
    *,
    val_per_class: int = 500,
    seed: int = 0,
    zca: bool = False,
    device: str | torch.device = "cpu",
) -> Splits:
    spec = get_spec(name)
    data = load_prepared(name, prepared_dir)
    train_idx, val_idx = stratified_split(data["train_y"], val_per_class, seed)
    full_x = normalize(data["train_x"], spec)
    test_x = normalize(data["test_x"], spec)
    train_x, val_x = full_x[train_idx], full_x[val_idx]
    whitening = None
    if zca:
        whitening = ZCA.fit(train_x)
        train_x, val_x, test_x = (whitening.transform(x) for x in (train_x, val_x, test_x))
    return Splits(
        train_x=train_x.to(device),
        train_y=data["train_y"][train_idx].to(device),
        val_x=val_x.to(device),
        val_y=data["train_y"][val_idx].to(device),
        test_x=test_x.to(device),
        test_y=data["test_y"].to(device),
        spec=spec,
        class_names=tuple(data["class_names"]),
        zca=whitening,
    )
