"""Cross-architecture scoring: random real sets are class-balanced, test subsets are
seeded, the union protocol trains on all stages at once, and every network × set × seed
gives one row."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.analyses.cross_arch import (
    as_one_stage,
    cross_arch_rows,
    held_out_subset,
    random_real_set,
    score_on_network,
)
from pdd.core.models import get_model
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
    return Splits(x, y, x[:6], y[:6], x, y, spec, ("a", "b", "c"))


def factory(name: str):
    def make_model(seed):
        return get_model(
            name, in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=seed
        )

    return make_model


def test_random_real_set_is_one_balanced_stage_at_the_given_step_size():
    data = tiny_splits()
    (stage,) = random_real_set(data, ipc=2, lr=0.05, seed=1)
    assert stage.labels.bincount().tolist() == [2, 2, 2] and stage.lr == 0.05
    picked = [int((data.train_x == image).all(dim=(1, 2, 3)).nonzero()) for image in stage.images]
    assert len(set(picked)) == 6  # distinct real images
    assert torch.equal(random_real_set(data, 2, 0.05, seed=1)[0].images, stage.images)


def test_test_subset_is_seeded_and_all_of_test_without_a_size():
    data = tiny_splits()
    x, y = held_out_subset(data, 7, seed=3)
    assert len(y) == 7 and torch.equal(held_out_subset(data, 7, seed=3)[0], x)
    assert not torch.equal(held_out_subset(data, 7, seed=4)[0], x)
    assert held_out_subset(data, None, seed=3)[0] is data.test_x
    assert held_out_subset(data, 1000, seed=3)[0] is data.test_x


def test_union_protocol_trains_on_every_stage_at_the_last_step_size():
    first = SyntheticStage(torch.zeros(3, 1, 8, 8), torch.arange(3), lr=0.1)
    second = SyntheticStage(torch.ones(3, 1, 8, 8), torch.arange(3), lr=0.02)
    (merged,) = as_one_stage([first, second])
    assert merged.lr == 0.02 and merged.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert torch.equal(merged.images[3:], second.images)


def test_a_one_stage_set_scores_the_same_under_both_protocols():
    data = tiny_splits()
    stages = random_real_set(data, ipc=2, lr=0.01, seed=0)
    common = dict(
        make_model=factory("convnet"),
        config=TrainConfig(epochs=2, lr=0.01),
        seeds=[5, 6],
        test=(data.test_x, data.test_y),
        augment=None,
    )
    union = score_on_network(stages, protocol="union", **common)
    assert union == score_on_network(stages, protocol="progressive", **common)
    with pytest.raises(ValueError, match="protocol"):
        score_on_network(stages, protocol="sideways", **common)


def test_one_row_per_network_set_and_seed():
    data = tiny_splits()
    sets = {
        "real": random_real_set(data, 1, 0.01, seed=0),
        "other": random_real_set(data, 1, 0.01, 1),
    }
    rows = cross_arch_rows(
        sets,
        ["convnet", "mlp"],
        model_for=factory,
        config=TrainConfig(epochs=1, lr=0.01),
        seeds=[1, 2],
        test=(data.test_x, data.test_y),
        augment=None,
        protocol="union",
    )
    assert [(r["net"], r["set"], r["seed"]) for r in rows] == [
        (net, name, seed) for net in ("convnet", "mlp") for name in sets for seed in (1, 2)
    ]
    assert all(0.0 <= r["test_acc"] <= 100.0 for r in rows)


def test_a_rerun_reuses_finished_pairs_and_redoes_a_changed_set(tmp_path):
    data = tiny_splits()
    sets = {"real": random_real_set(data, 1, 0.01, seed=0)}
    calls = []

    def counting(name):
        calls.append(name)
        return factory(name)

    common = dict(
        config=TrainConfig(epochs=1, lr=0.01),
        seeds=[1, 2],
        test=(data.test_x, data.test_y),
        augment=None,
        protocol="union",
        resume_dir=tmp_path,
    )
    first = cross_arch_rows(sets, ["convnet", "mlp"], model_for=counting, **common)
    assert calls == ["convnet", "mlp"] and len(list(tmp_path.glob("*.json"))) == 2
    again = cross_arch_rows(sets, ["convnet", "mlp"], model_for=counting, **common)
    assert again == first and calls == ["convnet", "mlp"]  # nothing trained the second time

    changed = {"real": random_real_set(data, 1, 0.01, seed=1)}  # same name, other images
    cross_arch_rows(changed, ["mlp"], model_for=counting, **common)
    assert calls == ["convnet", "mlp", "mlp"]
