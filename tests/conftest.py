"""Shared fixtures. Tests run on CPU with tiny tensors; the real data mirror is optional."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import torch

from pdd.infra.paths import ROOT


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    """The real-data mirror (CI points PDD_DATA_MIRROR at it); tests needing it skip without."""
    mirror = os.environ.get("PDD_DATA_MIRROR")
    if mirror and (Path(mirror) / "fashion-mnist").is_dir():
        return Path(mirror)
    if (ROOT / "data" / "raw" / "fashion-mnist").is_dir():
        return ROOT / "data" / "raw"
    pytest.skip("no Fashion-MNIST copy: set PDD_DATA_MIRROR to a mirror folder")


@pytest.fixture(autouse=True)
def _in_process_scoring_without_cache():
    """Each test starts with one worker and no score cache (stages set both per process)."""
    from pdd.core import scoring
    from pdd.infra import workers

    workers.configure(1)
    scoring.keep_scores_in(None)
    yield
    workers.configure(1)
    scoring.keep_scores_in(None)


def make_tiny_context(
    *,
    net: str = "mlp",
    epochs: int = 2,
    batch_size: int = 6,
    eval_seeds: tuple[int, ...] = (11,),
    separable: bool = False,
    poisoned_test: bool = False,
):
    """A context of 3 classes of 8×8 images on the CPU. `separable`: a class shifts its
    images, 12/4/4 per class in train/val/test, and the network is a small ConvNet;
    otherwise 10 random images per class, the splits cut from them. `poisoned_test`: the
    test images are NaN, so any training or choice on the test split shows."""
    from pdd.config.context import Context
    from pdd.core.train import TrainConfig
    from pdd.data.registry import get_spec
    from pdd.data.tensors import Splits

    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    if separable:

        def part(n):
            y = torch.arange(3).repeat(n)
            return torch.randn(3 * n, 1, 8, 8, generator=generator) + y.view(-1, 1, 1, 1), y

        (tx, ty), (vx, vy), (sx, sy) = part(12), part(4), part(4)
    else:
        tx, ty = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
        vx, vy, sx, sy = tx[:6], ty[:6], tx[:9], ty[:9]
    if poisoned_test:
        sx = torch.full_like(sx, float("nan"))
    data = Splits(tx, ty, vx, vy, sx, sy, spec, ("a", "b", "c"))
    nets = {
        "mlp": {"name": "mlp", "width": 4, "depth": None, "norm": "none"},
        "convnet": {"name": "convnet", "width": 4, "depth": 2, "norm": "instance"},
    }
    config = TrainConfig(epochs=epochs, lr=0.01, batch_size=batch_size, lr_decay_at=())
    return Context(torch.device("cpu"), data, nets[net], config, None, list(eval_seeds))


@pytest.fixture
def tiny_context():
    """`make_tiny_context`, for a test to call with its own settings."""
    return make_tiny_context
