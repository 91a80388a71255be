"""A dataset as in-memory float tensors: scaled to [0, 1] and normalised with the
registry's per-channel statistics (a user dataset's own, from its prepared file), with a class-balanced validation split carved from
train (model selection never looks at test), and optional ZCA fitted on train only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from pdd.data.prepared import load_prepared
from pdd.data.registry import DatasetSpec, spec_from_prepared
from pdd.data.splits import sample_per_class, stratified_split
from pdd.data.zca import ZCA
from pdd.infra.runtime import derive_seed


@dataclass
class Splits:
    """Normalised float32 NCHW images and int64 labels of each split."""

    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor
    spec: DatasetSpec
    class_names: tuple[str, ...]
    zca: ZCA | None = None  # applied to all three splits when set


def _channel_stats(spec: DatasetSpec, like: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and std shaped (1, C, 1, 1), so they broadcast over a batch."""
    mean = torch.tensor(spec.mean, dtype=torch.float32, device=like.device).view(1, -1, 1, 1)
    std = torch.tensor(spec.std, dtype=torch.float32, device=like.device).view(1, -1, 1, 1)
    return mean, std


def normalize(x_uint8: Tensor, spec: DatasetSpec) -> Tensor:
    """uint8 pixels (N, C, H, W) -> float32 (x / 255 - mean) / std, per channel."""
    mean, std = _channel_stats(spec, x_uint8)
    return (x_uint8.float() / 255.0 - mean) / std


def denormalize(x: Tensor, spec: DatasetSpec, zca: ZCA | None = None) -> Tensor:
    """Back to [0, 1] pixels for image grids, undoing ZCA first when it was applied."""
    if zca is not None:
        x = zca.inverse(x)
    mean, std = _channel_stats(spec, x)
    return (x * std + mean).clamp(0, 1)


def load_splits(
    name: str,
    prepared_dir: str | Path,
    val_per_class: int = 500,
    seed: int = 0,
    zca: bool = False,
    device: str | torch.device = "cpu",
    test_per_class: int | None = None,
) -> Splits:
    """The prepared dataset `name` as normalised train/val/test tensors on `device`; with
    `test_per_class`, a seeded class-balanced part of the test split (the smoke profile's
    scores cost little: a whole test split outweighs its training many times)."""
    data = load_prepared(name, prepared_dir)
    spec = spec_from_prepared(name, data)
    train_idx, val_idx = stratified_split(data["train_y"], val_per_class, seed)
    if test_per_class is not None:
        picker = torch.Generator().manual_seed(derive_seed(seed, "test subset"))
        test_idx = torch.sort(sample_per_class(data["test_y"], test_per_class, picker)).values
        data = {**data, "test_x": data["test_x"][test_idx], "test_y": data["test_y"][test_idx]}
    # index the uint8 tensor first: the float copy is then made once per split
    train_x = normalize(data["train_x"][train_idx], spec)
    val_x = normalize(data["train_x"][val_idx], spec)
    test_x = normalize(data["test_x"], spec)
    whitening = None
    if zca:
        whitening = ZCA.fit(train_x)  # train part only: val and test stay unseen
        train_x, val_x, test_x = (whitening.transform(x) for x in (train_x, val_x, test_x))
        whitening = whitening.to(device)
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
