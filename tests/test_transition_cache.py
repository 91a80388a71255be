"""A transition's networks trained on the union are kept in the work folder: a resumed run
loads them instead of training them again, and a changed union trains them afresh. Its
trajectories are kept by a fingerprint of their starts and data in the same way."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import pdd.progressive.transition as progressive
from pdd.core.buffers import ExpertConfig
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.core.trajectory import flatten_params
from pdd.infra import workers
from pdd.progressive.setup import StageSetup
from pdd.progressive.transition import transition_buffers, transition_networks


def tiny_setup(norm: str) -> StageSetup:
    def make_model(seed: int) -> torch.nn.Module:
        return get_model(
            "convnet",
            in_channels=1,
            num_classes=3,
            image_size=8,
            width=4,
            depth=2,
            norm=norm,
            seed=seed,
        )

    return StageSetup(
        data=None,
        make_model=make_model,
        distiller=None,
        experts=None,
        train=TrainConfig(epochs=1, lr=0.01, batch_size=4),
        transition_epochs=3,
        select_epochs=1,
        select_nets=1,
        augment=None,
        seed=0,
    )


@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_resumed_transition_loads_the_same_networks(tmp_path, monkeypatch, norm):
    setup = tiny_setup(norm)
    starts = [flatten_params(setup.make_model(k)) for k in range(2)]
    images, labels = torch.randn(6, 1, 8, 8), torch.arange(6) % 3
    trained = transition_networks(setup, images, labels, 0.05, starts, 0, tmp_path)
    assert (tmp_path / "transition_stage2.pt").is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("a resumed transition trained its networks again")

    monkeypatch.setattr(progressive, "train_from", no_training)
    loaded = transition_networks(setup, images, labels, 0.05, starts, 0, tmp_path)
    probe = torch.randn(5, 1, 8, 8)
    for before, after in zip(trained, loaded, strict=True):
        assert torch.equal(flatten_params(before), flatten_params(after))
        before.eval(), after.eval()  # batch norm: the running statistics came back too
        assert torch.equal(before(probe), after(probe))


def test_a_changed_union_trains_the_transition_again(tmp_path, monkeypatch):
    setup = tiny_setup("instance")
    starts = [flatten_params(setup.make_model(0))]
    images, labels = torch.randn(6, 1, 8, 8), torch.arange(6) % 3
    transition_networks(setup, images, labels, 0.05, starts, 0, tmp_path)
    calls = []
    original = progressive.train_from
    monkeypatch.setattr(
        progressive, "train_from", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    transition_networks(setup, images + 1, labels, 0.05, starts, 0, tmp_path)  # new images
    transition_networks(setup, images + 1, labels, 0.07, starts, 0, tmp_path)  # new step size
    transition_networks(setup, images + 1, labels, 0.07, starts, 0, tmp_path)  # resumed
    assert len(calls) == 2


@pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork")
@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_transition_networks_over_two_workers_equal_one(tmp_path, norm):
    setup = tiny_setup(norm)
    starts = [flatten_params(setup.make_model(k)) for k in range(3)]
    images, labels = torch.randn(6, 1, 8, 8), torch.arange(6) % 3
    nets = {}
    for count in (1, 2):
        workers.configure(count)
        nets[count] = transition_networks(
            setup, images, labels, 0.05, starts, 0, tmp_path / str(count)
        )
    for one, two in zip(nets[1], nets[2], strict=True):
        assert all(
            torch.equal(a, b)
            for a, b in zip(one.state_dict().values(), two.state_dict().values(), strict=True)
        )


def test_transition_trajectories_are_kept_by_their_starts_and_data(tmp_path, tiny_context):
    setup = dataclasses.replace(tiny_setup("instance"), experts=ExpertConfig(1, 0.05, 8))
    data = tiny_context().data  # 3 classes of 8×8 images, as tiny_setup's networks take
    starts = [flatten_params(setup.make_model(k)) for k in range(2)]
    first = transition_buffers(setup, starts, data, 0, tmp_path)
    resumed = transition_buffers(setup, starts, data, 0, tmp_path)
    assert len(list(tmp_path.glob("buffer_stage2-*"))) == 1
    for a, b in zip(first, resumed, strict=True):
        assert torch.equal(a.params, b.params)

    others = [flatten_params(setup.make_model(k + 10)) for k in range(2)]
    moved = transition_buffers(setup, others, data, 0, tmp_path)  # a stage distilled again
    assert all(torch.equal(t.params[0], start) for t, start in zip(moved, others, strict=True))
    fewer = dataclasses.replace(data, train_x=data.train_x[:15], train_y=data.train_y[:15])
    transition_buffers(setup, starts, fewer, 0, tmp_path)  # other real data (easy dropping)
    assert len(list(tmp_path.glob("buffer_stage2-*"))) == 3
