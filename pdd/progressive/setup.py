"""What every stage of a PDD schedule shares (`StageSetup`) and the two trainings the
driver and the transitions both do: real images to start a stage, and a network trained
from flat parameters on a set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from pdd.core.augment import DiffAugment
from pdd.core.buffers import ExpertConfig
from pdd.core.train import TrainConfig, train_classifier
from pdd.core.trajectory import load_flat
from pdd.data.splits import sample_per_class
from pdd.data.tensors import Splits
from pdd.methods.base import Distiller


@dataclass(frozen=True)
class StageSetup:
    """What every stage of a schedule shares."""

    data: Splits
    make_model: Callable[[int], nn.Module]
    distiller: Distiller
    experts: ExpertConfig  # for the transition trajectories (epochs = M - 1 + E)
    train: TrainConfig  # transitions and validation scoring (lr replaced by the stage's)
    transition_epochs: int
    select_epochs: int
    select_nets: int
    augment: DiffAugment | None
    seed: int
    # Stages after the first draw their initial images and their transition trajectories
    # from this training split instead (easy-example dropping); None: from `data`.
    later_data: Splits | None = None
    # The paper's correct-by-all variant: before each later stage, the real examples that
    # every transition network (trained on the union so far) classifies correctly are kept
    # only with this probability (the official MTT code: 0.2); None: off.
    keep_learned: float | None = None
    # PDD: how many of the run's experts continue through the transitions (the first
    # ones); each later stage matches that many trajectories. None: every expert.
    transition_starts: int | None = None

    def real_data(self, stage_index: int) -> Splits:
        """The training split stage `stage_index` (0-based) learns from."""
        return self.later_data if stage_index > 0 and self.later_data is not None else self.data


def real_init(data: Splits, ipc: int, seed: int) -> tuple[Tensor, Tensor]:
    """Random real training images of every class: MTT's initialisation."""
    picked = sample_per_class(data.train_y.cpu(), ipc, torch.Generator().manual_seed(seed))
    picked = picked.to(data.train_x.device)
    return data.train_x[picked].clone(), data.train_y[picked].clone()


def train_from(
    setup: StageSetup,
    start: Tensor,
    images: Tensor,
    labels: Tensor,
    lr: float,
    epochs: int,
    seed: int,
) -> nn.Module:
    """A network loaded with flat params `start`, trained on (images, labels) at step `lr`."""
    model = load_flat(setup.make_model(seed), start)
    config = replace(setup.train, epochs=epochs, lr=lr)
    return train_classifier(model, images, labels, config, seed=seed, augment=setup.augment).model
