"""The training and evaluation engine every experiment uses.

Whole datasets live on the device as tensors and are batched by index slices of a seeded
permutation (no DataLoader, no workers: the fastest shape on 2 CPU cores, as in airbench).
Training can *continue* an existing model and optimiser, which progressive evaluation needs:
a network trains on S_1, then keeps training, momentum and all, on S_1 ∪ S_2, and so on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm import tqdm

from pdd.core.augment import DiffAugment
from pdd.infra.runtime import derive_seed


@dataclass(frozen=True)
class TrainConfig:
    """SGD with momentum, weight decay and a step schedule (the distillation papers' protocol)."""

    epochs: int
    lr: float
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_size: int = 256
    lr_decay_at: tuple[float, ...] = (0.5,)  # fractions of `epochs`
    lr_decay_factor: float = 0.1

    def lr_at(self, epoch: int) -> float:
        """Learning rate for 0-based `epoch`: multiplied once per decay point passed."""
        passed = sum(epoch >= math.floor(point * self.epochs) for point in self.lr_decay_at)
        return self.lr * self.lr_decay_factor**passed


@dataclass
class TrainResult:
    model: nn.Module
    optimizer: torch.optim.SGD
    epoch_losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.SGD:
    return torch.optim.SGD(
        model.parameters(),
        lr=config.lr,
        momentum=config.momentum,
        weight_decay=config.weight_decay,
    )


def train_classifier(
    model: nn.Module,
    images: Tensor,
    labels: Tensor,
    config: TrainConfig,
    *,
    seed: int,
    optimizer: torch.optim.SGD | None = None,
    augment: DiffAugment | None = None,
    progress: bool = False,
    desc: str = "train",
    on_batch: Callable[[Tensor, Tensor, Tensor], None] | None = None,
) -> TrainResult:
    """Train `model` on (images, labels) for `config.epochs` epochs and return it.

    `on_batch(indices, logits, labels)` sees every mini-batch (e.g. forgetting statistics).

    Pass the `optimizer` of an earlier call to continue training with its momentum buffers
    (progressive evaluation). `seed` fixes batch order and augmentation, so CPU runs repeat
    bit for bit. Raises FloatingPointError on the first non-finite loss."""
    device = next(model.parameters()).device
    images, labels = images.to(device), labels.to(device)
    optimizer = optimizer or make_optimizer(model, config)
    order = torch.Generator().manual_seed(derive_seed(seed, "order"))
    result = TrainResult(model=model, optimizer=optimizer)
    started = time.perf_counter()
    model.train()
    for epoch in tqdm(range(config.epochs), desc=desc, disable=not progress, leave=False):
        _set_lr(optimizer, config.lr_at(epoch))
        permutation = torch.randperm(len(images), generator=order).to(device)
        total, seen = 0.0, 0
        for start in range(0, len(images), config.batch_size):
            batch = permutation[start : start + config.batch_size]
            x = images[batch]
            if augment is not None:
                x = augment(x, seed=derive_seed(seed, epoch, start))
            logits = model(x)
            loss = F.cross_entropy(logits, labels[batch])
            if on_batch is not None:
                on_batch(batch, logits, labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        epoch_loss = total / seen
        if not math.isfinite(epoch_loss):
            raise FloatingPointError(f"{desc}: loss became {epoch_loss} in epoch {epoch}")
        result.epoch_losses.append(epoch_loss)
    result.seconds = time.perf_counter() - started
    return result


def _set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def inference_batch(model: nn.Module) -> int:
    """Images per forward pass in `evaluate` and `predict`. On one CPU thread ConvNet-32
    scored 1.6x faster in batches of 256 than of 2048, and ResNet-18 17 % faster in batches
    of 32 than of 256, whose activations stay in cache (reports/bench/inference.json;
    single-shot timings, and batch 128 did as well or better for every network there)."""
    return 32 if sum(p.numel() for p in model.parameters()) > 1_000_000 else 256


@torch.no_grad()
def evaluate(
    model: nn.Module, images: Tensor, labels: Tensor, *, batch_size: int | None = None
) -> tuple[float, float]:
    """Accuracy (in %) and mean cross-entropy of `model` on a labelled set, in eval mode."""
    batch_size = batch_size or inference_batch(model)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    correct, loss = 0, 0.0
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].to(device)
        y = labels[start : start + batch_size].to(device)
        logits = model(x)
        loss += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(dim=1) == y).sum().item()
    model.train(was_training)
    return 100.0 * correct / len(images), loss / len(images)


@torch.no_grad()
def predict(model: nn.Module, images: Tensor, *, batch_size: int | None = None) -> Tensor:
    """Predicted classes of `model` on `images`, in eval mode."""
    batch_size = batch_size or inference_batch(model)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    classes = [
        model(images[start : start + batch_size].to(device)).argmax(dim=1)
        for start in range(0, len(images), batch_size)
    ]
    model.train(was_training)
    return torch.cat(classes)


@dataclass(frozen=True)
class SetScore:
    """Accuracies (in %) of several networks trained on one set, with different seeds."""

    seeds: tuple[int, ...]
    test_acc: tuple[float, ...]
    val_acc: tuple[float, ...]
    seconds: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.test_acc))

    @property
    def std(self) -> float:
        # Population std over seeds, as the distillation papers report it.
        return float(np.std(self.test_acc))

    @property
    def val_mean(self) -> float:
        return float(np.mean(self.val_acc))

    def summary(self) -> dict[str, object]:
        return {
            "test_mean": self.mean,
            "test_std": self.std,
            "val_mean": self.val_mean,
            "val_std": float(np.std(self.val_acc)),
            "n": len(self.seeds),
            "test_acc": list(self.test_acc),
            "val_acc": list(self.val_acc),
            "seeds": list(self.seeds),
        }

    def __str__(self) -> str:
        return f"{self.mean:.2f} ± {self.std:.2f} (n={len(self.seeds)})"
