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

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import Tensor, nn

from pdd.core.augment import DiffAugment
from pdd.core.buffers import ExpertConfig, generate_buffers
from pdd.core.forgetting import correct_by_all
from pdd.core.schedule import Schedule
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import TrainConfig, evaluate, predict, train_classifier
from pdd.core.trajectory import Trajectory, flatten_params, load_flat
from pdd.data import Splits, sample_per_class
from pdd.infra import checkpoint, phases
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map
from pdd.methods.base import Distiller, StageTask
from pdd.methods.multiformation import decode, encode_from_real


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
    folder: Path,
    work: Path,
    progress: bool = True,
) -> list[SyntheticStage]:
    """Distil every stage of `schedule` into `folder` (resumable through `work`)."""
    with checkpoint.exclusive(work, schedule.name):
        return _distil_stages(schedule, setup, experts, work, progress)


def _distil_stages(
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
                    "seconds": result.seconds,
                    "real_examples": len(real.train_y),
                    "history": result.history,
                },
                method.factor,
            )
        )
        if schedule.name == "progressive" and index + 1 < schedule.stages:
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


def transition(
    setup: StageSetup,
    stages: list[SyntheticStage],
    starts: list[Tensor],
    index: int,
    work: Path,
    with_trajectories: bool = True,
) -> tuple[list[Tensor], list[Trajectory], Splits]:
    """Train each start on S_≤i with α_i; for trajectory methods continue on real data:
    stage i+1's buffer. Matching methods start their networks from the new starts.
    Also returns the real data stage i+1 learns from (correct-by-all applied)."""
    with phases.phase("transition"):
        return _transition(setup, stages, starts, index, work, with_trajectories)


def _transition(
    setup: StageSetup,
    stages: list[SyntheticStage],
    starts: list[Tensor],
    index: int,
    work: Path,
    with_trajectories: bool,
) -> tuple[list[Tensor], list[Trajectory], Splits]:
    images, labels = union(stages)
    networks = transition_networks(setup, images, labels, stages[-1].lr, starts, index, work)
    new_starts = [flatten_params(model) for model in networks]
    real = setup.real_data(index + 1)
    if setup.keep_learned is not None:
        real = drop_learned(
            real, networks, setup.keep_learned, derive_seed(setup.seed, "cba", index)
        )
    if not with_trajectories:
        return new_starts, [], real
    buffers = generate_buffers(
        setup.make_model,
        len(starts),
        real,
        setup.experts,
        seed=derive_seed(setup.seed, "transition-buffer", index),
        folder=work / f"buffer_stage{index + 2}",
        augment=setup.augment,
        starts=new_starts,
        progress=False,
        score=False,  # its accuracy is never read; scoring 6 experts on 15k images is ~30 s
    )
    return new_starts, buffers, real


def transition_networks(
    setup: StageSetup,
    images: Tensor,
    labels: Tensor,
    lr: float,
    starts: list[Tensor],
    index: int,
    work: Path,
) -> list[nn.Module]:
    """Each start trained on the union S_≤i at step `lr`, over the workers. Kept in `work`
    with a fingerprint of what they were trained on, so a resumed run skips this (minutes
    per transition) and a changed union (a stage distilled again) trains them afresh."""
    path = work / f"transition_stage{index + 2}.pt"
    fingerprint = union_fingerprint(images, labels, lr, starts)
    seeds = [derive_seed(setup.seed, "transition", index, k) for k in range(len(starts))]
    saved = checkpoint.load_or_none(path)
    if saved is not None and saved.get("fingerprint") == fingerprint:
        return loaded(setup, seeds, saved["networks"], images.device)

    def trained_state(k: int) -> dict[str, Tensor]:
        start = starts[k].to(images.device)
        model = train_from(setup, start, images, labels, lr, setup.transition_epochs, seeds[k])
        # state_dict, not flat parameters: batch-norm statistics matter to correct-by-all.
        return {name: t.detach().cpu() for name, t in model.state_dict().items()}

    states = parallel_map(trained_state, range(len(starts)))
    checkpoint.save({"fingerprint": fingerprint, "networks": states}, path)
    return loaded(setup, seeds, states, images.device)


def loaded(
    setup: StageSetup, seeds: list[int], states: list[dict[str, Tensor]], device: torch.device
) -> list[nn.Module]:
    """The networks built with `seeds`, holding the trained `states`."""
    models = [setup.make_model(seed) for seed in seeds]
    for model, state in zip(models, states, strict=True):
        model.load_state_dict(state)
    return [model.to(device) for model in models]


def union_fingerprint(images: Tensor, labels: Tensor, lr: float, starts: list[Tensor]) -> str:
    digest = hashlib.sha256()
    for tensor in (images, labels, torch.as_tensor(float(lr)), *starts):
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def drop_learned(data: Splits, networks: list[nn.Module], keep: float, seed: int) -> Splits:
    """The training split without the examples every network classifies correctly, each of
    those kept with probability `keep` instead (the paper's correct-by-all dropping)."""
    predictions = [predict(network, data.train_x) for network in networks]
    learned = correct_by_all(predictions, data.train_y).cpu()
    chance = torch.rand(len(learned), generator=torch.Generator().manual_seed(seed))
    kept = (~learned | (chance < keep)).nonzero().flatten().to(data.train_y.device)
    return replace(data, train_x=data.train_x[kept], train_y=data.train_y[kept])
