"""The PDD driver: P stages under one of three schedules, over any base method (a
`pdd.methods` Distiller; MTT in the paper's headline).

- progressive (PDD): stage i learns S_i with S_1 … S_{i-1} frozen in the pool, on
  trajectories that start from the *transition* parameters: each expert's start is trained
  on S_1 ∪ … ∪ S_{i-1} (with that stage's learned step size), then on real data.
- sequential: every stage is plain MTT on the original trajectories, ignoring the others.
- union: one stage holding all P × ipc images per class (plain MTT at the total IPC).
All three are evaluated the same progressive way (pdd.core.evaluate).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from pdd.core.multiformation import decode, encode_from_real
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import evaluate
from pdd.core.trajectory import Trajectory
from pdd.data.tensors import Splits
from pdd.infra import checkpoint, phases
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map
from pdd.methods.base import StageTask
from pdd.progressive.schedule import Schedule
from pdd.progressive.setup import StageSetup, real_init, train_from
from pdd.progressive.transition import transition


def validation_scorer(
    setup: StageSetup, starts: list[Tensor], frozen: tuple[Tensor, Tensor] | None, labels: Tensor
) -> Callable[[Tensor, float], float]:
    """score(images, lr): mean validation accuracy of nets trained from `starts` on the
    stage's union, spread over the workers. Validation only: test is never used for
    selection."""

    def score(images: Tensor, lr: float) -> float:
        x, y = (
            (images, labels)
            if frozen is None
            else (torch.cat([frozen[0], images]), torch.cat([frozen[1], labels]))
        )

        def accuracy(k: int) -> float:
            seed = derive_seed(setup.seed, "select", k)
            model = train_from(setup, starts[k], x, y, lr, setup.select_epochs, seed)
            return evaluate(model, setup.data.val_x, setup.data.val_y)[0]

        with phases.phase("validation"):
            accuracies = parallel_map(accuracy, range(min(setup.select_nets, len(starts))))
        return sum(accuracies) / len(accuracies)

    return score


def run_schedule(
    schedule: Schedule,
    setup: StageSetup,
    experts: list[Trajectory],
    *,
    work: Path,
    progress: bool = True,
) -> list[SyntheticStage]:
    """Distil every stage of `schedule`, resumable through the work folder `work`."""
    with checkpoint.exclusive(work, schedule.name):
        return _distill_stages(schedule, setup, experts, work, progress)


def _distill_stages(
    schedule: Schedule, setup: StageSetup, experts: list[Trajectory], work: Path, progress: bool
) -> list[SyntheticStage]:
    stages: list[SyntheticStage] = []
    method = setup.distiller
    trajectories = experts
    initial = [t.params[0] for t in experts]  # the experts' random initialisations
    starts = initial  # transition parameters, per expert
    real = setup.real_data(0)  # what the current stage learns from
    for index, ipc in enumerate(schedule.ipcs()):
        stage_seed = derive_seed(setup.seed, schedule.name, index)
        conditioned = schedule.name == "progressive" and index > 0
        frozen_x, frozen_y = union(stages) if conditioned else empty_set(setup.data)
        if index > 0 and not conditioned:
            real = setup.real_data(index)
        images, labels = init_stage(real, ipc, method.factor, stage_seed)
        decoded_labels = decode(images, labels, method.factor)[1]
        task = StageTask(
            init_images=images,
            labels=labels,
            frozen_images=frozen_x,
            frozen_labels=frozen_y,
            starts=starts if conditioned else [],
            trajectories=trajectories,
            seed=stage_seed,
            checkpoint=work / f"{schedule.name}_stage{index + 1}.pt",
            score=validation_scorer(
                setup,
                starts if conditioned else initial,
                (frozen_x, frozen_y) if conditioned else None,
                decoded_labels,
            ),
            augment=setup.augment,
            progress=progress,
            eval_lr=setup.train.lr,
        )
        result = method.distill(task)
        stages.append(
            SyntheticStage(
                result.images,
                labels,
                result.lr,
                {
                    "stage": index + 1,
                    "schedule": schedule.name,
                    "method": method.name,
                    "best_val": result.best_val,
                    "best_iteration": result.best_iteration,
                    "iterations": result.iterations,
                    "still_improving": result.still_improving,
                    "seconds": result.seconds,
                    "real_examples": len(real.train_y),
                    "history": result.history,
                },
                method.factor,
            )
        )
        if schedule.name == "progressive" and index + 1 < schedule.stages:
            starts = starts[: setup.transition_starts]  # None keeps them all
            starts, trajectories, real = transition(
                setup, stages, starts, index, work, method.needs_trajectories
            )
    return stages


def empty_set(data: Splits) -> tuple[Tensor, Tensor]:
    return data.train_x[:0], data.train_y[:0]


def init_stage(data: Splits, ipc: int, factor: int, seed: int) -> tuple[Tensor, Tensor]:
    """Real images of every class; multi-formation packs factor² of them per stored image."""
    images, labels = real_init(data, ipc * factor * factor, seed)
    return encode_from_real(images, factor), labels[:: factor * factor].clone()
