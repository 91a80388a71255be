"""Which real training examples are easy: forgetting statistics (Toneva et al., ICLR 2019)
and the PDD paper's correct-by-all variant, and dropping the easiest before later stages.

An example is *learnt* the first time a mini-batch containing it is classified correctly
and *forgotten* each time it goes from correct to incorrect between two presentations.
Easy = learnt early and never forgotten; examples never learnt are the hardest. The
statistics come for free from the logits training computes anyway (`train_classifier`'s
`on_batch` hook).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class ForgettingTracker:
    """Per-example state over the presentations seen so far."""

    size: int

    def __post_init__(self) -> None:
        self.presentations = 0
        self.last_correct = torch.zeros(self.size, dtype=torch.bool)
        self.forgotten = torch.zeros(self.size, dtype=torch.long)
        self.first_learnt = torch.full((self.size,), -1, dtype=torch.long)  # presentation no.

    def update(self, indices: Tensor, logits: Tensor, labels: Tensor) -> None:
        """Record one mini-batch: `indices` into the training set, its logits and labels."""
        indices = indices.cpu()
        correct = (logits.detach().argmax(dim=1) == labels).cpu()
        self.forgotten[indices] += (self.last_correct[indices] & ~correct).long()
        newly = correct & (self.first_learnt[indices] < 0)
        self.first_learnt[indices[newly]] = self.presentations
        self.last_correct[indices] = correct
        self.presentations += 1

    def easiness(self) -> Tensor:
        """Higher = easier: never forgotten and learnt early first; never learnt lowest."""
        never = self.first_learnt < 0
        learnt_at = torch.where(never, self.presentations, self.first_learnt).double()
        score = -(self.forgotten.double() * (self.presentations + 1) + learnt_at)
        return torch.where(never, torch.full_like(score, -float("inf")), score)


def correct_by_all(predictions: list[Tensor], labels: Tensor) -> Tensor:
    """The paper's variant: True where every network (trained on the current union)
    classifies the example correctly. `predictions`: one (N,) tensor of classes per net."""
    return torch.stack([p == labels for p in predictions]).all(dim=0)


def keep_hardest(labels: Tensor, easiness: Tensor, drop_rate: float) -> Tensor:
    """Indices kept after dropping the `drop_rate` easiest examples of every class (ties
    broken by index, so the choice is deterministic)."""
    if not 0.0 <= drop_rate < 1.0:
        raise ValueError(f"drop_rate must be in [0, 1), got {drop_rate}")
    kept = []
    for label in labels.unique(sorted=True):
        members = (labels == label).nonzero().flatten()
        # stable sort by easiness, hardest first: the first (1 - rate) fraction stays
        order = torch.sort(easiness[members], stable=True).indices
        keep = len(members) - int(round(drop_rate * len(members)))
        kept.append(members[order[:keep]])
    return torch.cat(kept).sort().values
