"""Which real training examples are easy, from the forgetting statistics of one network
trained on the whole training split (`pdd.experiments.forgetting`): the stage's counts, the
per-class table and the easiest and hardest examples; the stage publishes the easiness
score of every example."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import torch
from torch import Tensor

from pdd.core.forgetting import ForgettingTracker


def forgetting_metrics(
    tracker: ForgettingTracker, *, epochs: int, test_acc: float, seconds: float
) -> dict[str, Any]:
    """The forgetting stage's metrics.json: how many examples were never forgotten, forgotten
    at least once or never learnt, and the network's test accuracy."""
    learnt = tracker.first_learnt >= 0
    return {
        "examples": tracker.size,
        "epochs": epochs,
        "never_forgotten": int(((tracker.forgotten == 0) & learnt).sum()),
        "forgotten_at_least_once": int((tracker.forgotten > 0).sum()),
        "never_learnt": int((~learnt).sum()),
        "test_acc": test_acc,
        "seconds": round(seconds, 1),
    }


def forgotten_by_class(
    forgotten: Tensor, labels: Tensor, class_names: Sequence[str]
) -> pd.DataFrame:
    """Mean, median and most forgetting events of the examples of each class (by name)."""
    events = pd.DataFrame(
        {
            "class": [class_names[c] for c in labels.cpu().tolist()],
            "forgotten": forgotten.tolist(),
        }
    )
    return events.groupby("class").forgotten.describe()[["mean", "50%", "max"]]


def easiest_and_hardest(
    easiness: Tensor, labels: Tensor, *, num_classes: int, per_side: int
) -> Tensor:
    """Indices, class by class: the `per_side` easiest examples (easiest first), then the
    `per_side` hardest (hardest last); ties keep the training order."""
    labels = labels.cpu()
    picked = []
    for label in range(num_classes):
        members = (labels == label).nonzero().flatten()
        order = torch.sort(easiness[members], descending=True, stable=True).indices
        picked.append(torch.cat([members[order[:per_side]], members[order[-per_side:]]]))
    return torch.cat(picked)
