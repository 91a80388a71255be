"""The forgetting stage: the experts' plain SGD, the tracked run, its counts, the per-class
table and the easiest/hardest picks."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from pdd.analyses.easiness import easiest_and_hardest, forgetting_metrics, forgotten_by_class
from pdd.core.forgetting import ForgettingTracker
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.experiments.forgetting import forgetting_config, track_forgetting


def hand_made_tracker() -> ForgettingTracker:
    # example 0: always right; 1: right, wrong, right; 2: never right; 3: wrong then right
    tracker = ForgettingTracker(4)
    labels = torch.tensor([0, 0, 1, 1])
    for predicted in ([0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1]):
        tracker.update(
            torch.arange(4), torch.nn.functional.one_hot(torch.tensor(predicted), 2).float(), labels
        )
    return tracker


def test_forgetting_config_is_plain_sgd_at_the_teacher_rate():
    buffers = SimpleNamespace(lr_teacher=0.02, batch_size=64)
    assert forgetting_config(buffers, 5) == TrainConfig(
        epochs=5, lr=0.02, momentum=0.0, weight_decay=0.0, batch_size=64, lr_decay_at=()
    )


def test_track_forgetting_sees_every_batch_and_repeats_with_its_seed():
    x, y = (
        torch.randn(12, 1, 8, 8, generator=torch.Generator().manual_seed(0)),
        torch.arange(3).repeat(4),
    )

    def make_model(seed):
        return get_model("mlp", in_channels=1, num_classes=3, image_size=8, width=4, seed=seed)

    config = TrainConfig(
        epochs=2, lr=0.1, momentum=0.0, weight_decay=0.0, batch_size=5, lr_decay_at=()
    )
    tracker, result = track_forgetting(make_model, x, y, config, seed=3)
    assert tracker.size == 12 and tracker.presentations == 2 * 3  # epochs × batches
    again, _ = track_forgetting(make_model, x, y, config, seed=3)
    assert torch.equal(again.first_learnt, tracker.first_learnt)
    assert len(result.epoch_losses) == 2


def test_forgetting_metrics_count_each_kind_of_example():
    metrics = forgetting_metrics(hand_made_tracker(), epochs=3, test_acc=50.0, seconds=12.345)
    assert metrics == {
        "examples": 4,
        "epochs": 3,
        "never_forgotten": 2,  # examples 0 and 3
        "forgotten_at_least_once": 1,
        "never_learnt": 1,
        "test_acc": 50.0,
        "seconds": 12.3,
    }


def test_forgotten_by_class_summarises_events_per_class_name():
    table = forgotten_by_class(torch.tensor([0, 2, 1, 1]), torch.tensor([0, 0, 1, 1]), ["a", "b"])
    assert list(table.columns) == ["mean", "50%", "max"]
    assert table.loc["a"].tolist() == [1.0, 1.0, 2.0]
    assert table.loc["b"].tolist() == [1.0, 1.0, 1.0]


def test_easiest_and_hardest_per_class_ties_in_training_order():
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    easiness = torch.tensor([1.0, 5.0, 3.0, 5.0, 2.0, 0.0, 4.0, 1.0])
    picked = easiest_and_hardest(easiness, labels, num_classes=2, per_side=1)
    assert picked.tolist() == [6, 0, 1, 5]
    two = easiest_and_hardest(easiness, labels, num_classes=2, per_side=2)
    assert two.tolist() == [6, 2, 4, 0, 1, 3, 7, 5]
