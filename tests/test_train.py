"""The training engine on tiny problems: it learns, continues, repeats bit for bit."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from pdd.core.evaluate import evaluate_synthetic_set
from pdd.core.train import TrainConfig, evaluate, train_classifier


def blobs(n_per_class: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two well separated Gaussian classes shaped as 1x4x4 images."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor([-1.5, 1.5]).repeat_interleave(n_per_class)
    x = centres[:, None] + 0.5 * torch.randn(2 * n_per_class, 16, generator=generator)
    y = torch.arange(2).repeat_interleave(n_per_class)
    return x.view(-1, 1, 4, 4), y


def tiny_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))


CONFIG = TrainConfig(epochs=30, lr=0.05, batch_size=32, lr_decay_at=(0.5,), lr_decay_factor=0.1)


def test_learns_a_separable_problem():
    x, y = blobs()
    test_x, test_y = blobs(seed=1)
    before, _ = evaluate(tiny_model(), test_x, test_y)
    result = train_classifier(tiny_model(), x, y, CONFIG, seed=0)
    accuracy, loss = evaluate(result.model, test_x, test_y)
    assert accuracy > 95.0 and accuracy > before
    assert result.epoch_losses[-1] < result.epoch_losses[0]
    assert loss < 0.3


def test_runs_repeat_bit_for_bit():
    x, y = blobs()
    first = train_classifier(tiny_model(), x, y, CONFIG, seed=3).model.state_dict()
    second = train_classifier(tiny_model(), x, y, CONFIG, seed=3).model.state_dict()
    other = train_classifier(tiny_model(), x, y, CONFIG, seed=4).model.state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_continuing_changes_the_model_and_keeps_momentum():
    x, y = blobs()
    first = train_classifier(tiny_model(), x, y, CONFIG, seed=0)
    snapshot = copy.deepcopy(first.model.state_dict())
    buffers = [state["momentum_buffer"] for state in first.optimizer.state.values()]
    assert len(buffers) == 4, "SGD with momentum keeps a buffer per parameter"
    more = TrainConfig(epochs=5, lr=0.01, batch_size=32)
    second = train_classifier(first.model, x, y, more, seed=1, optimizer=first.optimizer)
    assert second.model is first.model and second.optimizer is first.optimizer
    changed = [not torch.equal(snapshot[k], v) for k, v in second.model.state_dict().items()]
    assert all(changed)


def test_continuing_with_carried_state_differs_from_a_fresh_optimizer():
    x, y = blobs()
    first = train_classifier(tiny_model(), x, y, CONFIG, seed=0)
    fresh_start = copy.deepcopy(first.model)
    more = TrainConfig(epochs=1, lr=0.01, batch_size=256)
    carried = train_classifier(first.model, x, y, more, seed=1, optimizer=first.optimizer).model
    fresh = train_classifier(fresh_start, x, y, more, seed=1).model
    assert not torch.equal(carried[1].weight, fresh[1].weight)


def test_lr_schedule_steps_at_fractions():
    config = TrainConfig(epochs=10, lr=1.0, lr_decay_at=(0.5, 0.8), lr_decay_factor=0.1)
    assert [round(config.lr_at(e), 6) for e in (0, 4, 5, 7, 8, 9)] == [1, 1, 0.1, 0.1, 0.01, 0.01]


def test_non_finite_loss_is_caught():
    x, y = blobs()
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="epoch 0"):
        train_classifier(tiny_model(), x, y, CONFIG, seed=0)


def test_evaluate_synthetic_set_scores_every_seed():
    x, y = blobs()
    score = evaluate_synthetic_set(
        x,
        y,
        make_model=tiny_model,
        config=CONFIG,
        seeds=[0, 1, 2],
        test=blobs(seed=1),
        val=blobs(seed=2),
    )
    assert len(score.test_acc) == len(score.val_acc) == 3
    assert score.mean > 95.0 and score.std >= 0.0
    assert score.summary()["n"] == 3
