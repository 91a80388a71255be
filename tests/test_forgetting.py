"""Forgetting statistics on hand-made presentation sequences, per-class dropping of the
easiest examples, the correct-by-all variant, and the training hook that feeds them."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.core.forgetting import ForgettingTracker, correct_by_all, keep_hardest
from pdd.core.models import get_model
from pdd.core.train import TrainConfig, train_classifier
from pdd.data import Splits, get_spec
from pdd.progressive.setup import StageSetup
from pdd.progressive.transition import drop_learned


def logits_for(predicted: list[int], classes: int = 2) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor(predicted), classes).float()


def test_tracker_counts_forgetting_events_and_first_learning():
    tracker = ForgettingTracker(3)
    labels = torch.tensor([0, 0, 1])
    everyone = torch.arange(3)
    # example 0: right, right, right; 1: wrong, right, wrong; 2: never right
    for predicted in ([0, 1, 0], [0, 0, 0], [0, 1, 0]):
        tracker.update(everyone, logits_for(predicted), labels)
    assert tracker.forgotten.tolist() == [0, 1, 0]
    assert tracker.first_learnt.tolist() == [0, 1, -1]
    easiness = tracker.easiness()
    assert easiness[0] > easiness[1] > easiness[2] and easiness[2] == -float("inf")


def test_learnt_later_is_less_easy_than_learnt_first():
    tracker = ForgettingTracker(2)
    labels = torch.tensor([0, 0])
    tracker.update(torch.tensor([0, 1]), logits_for([0, 1]), labels)
    tracker.update(torch.tensor([0, 1]), logits_for([0, 0]), labels)
    assert tracker.easiness()[0] > tracker.easiness()[1]


def test_keep_hardest_drops_the_easiest_share_of_every_class():
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    easiness = torch.tensor([4.0, 1.0, 3.0, 2.0, 0.0, 9.0, 5.0, 7.0])
    assert keep_hardest(labels, easiness, 0.5).tolist() == [1, 3, 4, 6]
    assert keep_hardest(labels, easiness, 0.0).tolist() == list(range(8))
    with pytest.raises(ValueError, match="drop_rate"):
        keep_hardest(labels, easiness, 1.0)


def test_correct_by_all_needs_every_network():
    labels = torch.tensor([0, 1, 2])
    predictions = [torch.tensor([0, 1, 0]), torch.tensor([0, 0, 2])]
    assert correct_by_all(predictions, labels).tolist() == [True, False, False]


def test_training_hook_sees_every_example_once_per_epoch():
    model = get_model(
        "convnet", in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=0
    )
    images, labels = torch.randn(10, 1, 8, 8), torch.arange(10) % 3
    tracker = ForgettingTracker(10)
    seen = []

    def record(indices, logits, batch_labels):
        seen.append(indices.clone())
        tracker.update(indices, logits, batch_labels)

    config = TrainConfig(epochs=3, lr=0.01, batch_size=4)
    train_classifier(model, images, labels, config, seed=0, on_batch=record)
    assert len(seen) == 9 and tracker.presentations == 9
    for epoch in range(3):
        assert sorted(torch.cat(seen[3 * epoch : 3 * epoch + 3]).tolist()) == list(range(10))


def test_only_later_stages_learn_from_the_kept_split():
    full, kept = object(), object()
    setup = StageSetup(*([None] * 10), later_data=kept)
    setup = dataclasses.replace(setup, data=full)
    assert setup.real_data(0) is full and setup.real_data(1) is kept and setup.real_data(4) is kept
    assert dataclasses.replace(setup, later_data=None).real_data(3) is full


class Reads(torch.nn.Module):
    """A "network" whose logits are two given pixels of its input: the test picks its
    predictions by what it writes there."""

    def __init__(self, first: int) -> None:
        super().__init__()
        self.first = first
        self.unused = torch.nn.Parameter(torch.zeros(1))  # predict() asks for a device

    def forward(self, x):
        return x.flatten(1)[:, self.first : self.first + 2] + 0 * self.unused


def test_correct_by_all_drops_what_every_network_gets_right_keeping_a_share():
    labels = torch.tensor([0, 1] * 100)
    right = torch.nn.functional.one_hot(labels, 2).float()
    wrong_at_first_ten = right.clone()
    wrong_at_first_ten[:10] = 1 - wrong_at_first_ten[:10]
    x = torch.cat([right, wrong_at_first_ten], dim=1).reshape(-1, 1, 1, 4)
    data = Splits(x, labels, x[:2], labels[:2], x[:2], labels[:2], get_spec("mnist"), ("a", "b"))
    networks = [Reads(0), Reads(2)]  # the second gets the first ten examples wrong
    hard_only = drop_learned(data, networks, keep=0.0, seed=0)
    assert torch.equal(hard_only.train_x, x[:10]) and torch.equal(hard_only.train_y, labels[:10])
    some_learnt = drop_learned(data, networks, keep=0.5, seed=1)
    assert torch.equal(some_learnt.train_x[:10], x[:10])  # the hard ten always stay
    assert 10 + 60 < len(some_learnt.train_y) < 10 + 130  # about half of the 190 learnt
    again = drop_learned(data, networks, keep=0.5, seed=1)
    assert torch.equal(again.train_x, some_learnt.train_x)  # seeded
