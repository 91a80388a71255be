"""Scaling curve: large real subsets get a step budget, small ones the full protocol; the
curve places each set by its share of the training data and of full-data accuracy."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import torch

from pdd.analyses.scaling import (
    epochs_for_steps,
    random_real_scores,
    real_seeds,
    relative_curve,
    smallest_fraction_reaching,
)
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 1, 8, 8, generator=generator), torch.arange(3).repeat(20)
    return Splits(x, y, x[:6], y[:6], x[:9], y[:9], spec, ("a", "b", "c"))


@pytest.mark.parametrize(
    ("size", "batch", "steps", "max_epochs", "expected"),
    [
        (100, 256, 300, 300, 300),  # one batch: the protocol's epochs
        (4400, 256, 300, 300, 17),  # 18 batches: ~300 steps
        (4400, 256, 10, 300, 1),  # never fewer than one epoch
        (512, 256, 1000, 300, 300),  # never more than the protocol
    ],
)
def test_epochs_for_steps(size, batch, steps, max_epochs, expected):
    assert epochs_for_steps(size, batch, steps, max_epochs) == expected


def test_random_real_scores_one_row_per_size_and_seed_with_its_epochs():
    config = TrainConfig(epochs=8, lr=0.01, batch_size=6, lr_decay_at=())

    def make_model(seed):
        return get_model("mlp", in_channels=1, num_classes=3, image_size=8, width=4, seed=seed)

    rows = random_real_scores(
        tiny_splits(),
        [2, 4],
        make_model=make_model,
        config=config,
        steps=4,
        seeds=real_seeds(0, 2),
        augment=None,
    )
    table = pd.DataFrame(rows)
    assert table.groupby("images_per_class").size().tolist() == [2, 2]
    # 6 images = 1 batch -> min(8, 4) epochs; 12 images = 2 batches -> 2 epochs
    assert table.groupby("images_per_class").epochs.first().tolist() == [4, 2]
    assert table.test_acc.between(0, 100).all()
    again = random_real_scores(
        tiny_splits(),
        [2],
        make_model=make_model,
        config=config,
        steps=4,
        seeds=real_seeds(0, 2),
        augment=None,
    )
    assert [r["test_acc"] for r in again] == table.test_acc[:2].tolist()  # seeded


def test_relative_curve_and_the_smallest_share_reaching_the_target():
    rows = pd.DataFrame(
        {
            "source": ["pdd", "pdd", "pdd", "real", "real"],
            "images_per_class": [10, 10, 20, 10, 50],
            "test_acc": [80.0, 82.0, 88.0, 70.0, 80.0],
        }
    )
    curve = relative_curve(rows, full_data_acc=90.0, train_size=1000, num_classes=2)
    pdd10 = curve[(curve.source == "pdd") & (curve.images_per_class == 10)].iloc[0]
    assert pdd10.test_mean == 81.0 and pdd10.test_std == 1.0 and pdd10.n == 2
    assert pdd10.data_fraction == pytest.approx(0.02)
    assert pdd10.relative_acc == pytest.approx(0.9)
    assert smallest_fraction_reaching(curve, 0.9) == {"pdd": pytest.approx(0.02), "real": None}
