"""Which real training examples are easy, measured once for the whole training split
(notebook 06a): one network trains with the experts' plain SGD while forgetting statistics
are kept for every example (pdd.core.forgetting). `pdd.analyses.easiness` counts and
tabulates what it recorded."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from pdd.config.sections.buffers import Buffers
from pdd.core.forgetting import ForgettingTracker
from pdd.core.train import TrainConfig, TrainResult, train_classifier
from pdd.infra.runtime import derive_seed


def forgetting_config(buffers: Buffers, epochs: int) -> TrainConfig:
    """The experts' plain SGD (no momentum, no decay, constant step size) for `epochs`; no
    augmentation is applied, so every presentation sees the example itself."""
    return TrainConfig(
        epochs=epochs,
        lr=buffers.lr_teacher,
        momentum=0.0,
        weight_decay=0.0,
        batch_size=buffers.batch_size,
        lr_decay_at=(),
    )


def track_forgetting(
    make_model: Callable[[int], nn.Module],
    images: Tensor,
    labels: Tensor,
    config: TrainConfig,
    *,
    seed: int,
) -> tuple[ForgettingTracker, TrainResult]:
    """Train one network on (images, labels), recording every mini-batch's forgetting
    statistics; the network and its batch order derive from `seed`."""
    run_seed = derive_seed(seed, "forgetting")
    tracker = ForgettingTracker(len(labels))
    result = train_classifier(
        make_model(run_seed),
        images,
        labels,
        config,
        seed=run_seed,
        progress=True,
        desc="forgetting statistics",
        on_batch=tracker.update,
    )
    return tracker, result
