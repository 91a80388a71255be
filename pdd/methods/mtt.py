"""MTT (Cazenavette et al., CVPR 2022): learn synthetic images and a step size so that N
SGD steps on them, from an expert's epoch-t parameters, land near its epoch-(t+E) ones.

For PDD, the images of earlier stages sit frozen in the pool that every unrolled step
draws its mini-batch from; only the current stage's images and step size learn. The
student runs functionally (torch.func.functional_call) from a flat parameter vector; how
its N steps are differentiated is pdd/methods/unroll.py's choice (`graph` or `adjoint`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from pdd.core.augment import DiffAugment
from pdd.core.trajectory import Trajectory, unflatten
from pdd.infra.runtime import derive_seed
from pdd.methods.base import (
    Learnables,
    LoopConfig,
    StageResult,
    StageTask,
    optimise,
)
from pdd.methods.unroll import unroll


@dataclass(frozen=True)
class MTTConfig:
    iterations: int
    syn_steps: int  # N: unrolled student steps per iteration
    expert_epochs: int  # E: target is the expert E epochs after the start
    max_start_epoch: int  # M: start epochs drawn from 0..M-1
    batch_syn: int  # images per unrolled step
    lr_img: float
    lr_lr: float  # on log(step size), so the step size stays positive
    lr_init: float  # initial step size (MTT: lr_teacher)
    eval_every: int  # iterations between validation scores (best snapshot kept)
    checkpoint_every: int
    min_lr: float = 1e-6  # below this the step size has collapsed: stop and say so
    unroll: str = "graph"  # graph | adjoint (pdd/methods/unroll.py): same gradients,
    # adjoint's memory does not grow with syn_steps


def matching_loss(
    model: nn.Module,
    trajectory: Trajectory,
    start_epoch: int,
    pool_images: Tensor,
    pool_labels: Tensor,
    lr: Tensor,
    config: MTTConfig,
    *,
    augment: DiffAugment | None,
    seed: int,
) -> Tensor:
    """‖θ_N − θ*_{t+E}‖² / ‖θ*_t − θ*_{t+E}‖² after N steps on mini-batches of the pool."""
    device = pool_images.device
    start = trajectory.params[start_epoch].to(device)
    target = trajectory.params[start_epoch + config.expert_epochs].to(device)
    order = torch.Generator().manual_seed(derive_seed(seed, "batches"))
    batches = _batch_indices(len(pool_images), config.batch_syn, config.syn_steps, order)
    batches = [batch.to(device) for batch in batches]

    def step_loss(theta: Tensor, pool: Tensor, step: int) -> Tensor:
        x = pool[batches[step]]
        if augment is not None:
            x = augment(x, seed=derive_seed(seed, "dsa", step))
        logits = functional_call(model, unflatten(theta, trajectory.layout), (x,))
        return F.cross_entropy(logits, pool_labels[batches[step]])

    theta = unroll(step_loss, start, pool_images, lr, config.syn_steps, mode=config.unroll)
    return (theta - target).pow(2).sum() / (start - target).pow(2).sum()


def _batch_indices(size: int, batch: int, steps: int, generator: torch.Generator) -> list[Tensor]:
    """`steps` mini-batches walking through fresh random permutations of the pool; a batch
    larger than the pool takes the whole pool (no image twice in one step)."""
    batch = min(batch, size)
    needed = batch * steps
    permutations = [torch.randperm(size, generator=generator) for _ in range(-(-needed // size))]
    return list(torch.cat(permutations)[:needed].split(batch))


def distill(model: nn.Module, config: MTTConfig, task: StageTask) -> StageResult:
    """Learn the task's images (initialised from `task.init_images`) and the step size,
    matching `task.trajectories` with `task.frozen_images` in every unrolled pool.

    `task.score(images, lr)` returns a validation accuracy; the best-scoring snapshot is
    kept. With `task.checkpoint`, state is saved every `config.checkpoint_every` iterations
    and a rerun resumes from it, reproducing the uninterrupted run exactly on CPU."""
    trajectories, augment, seed = task.trajectories, task.augment, task.seed
    _check_config(config, trajectories)
    images = task.init_images.detach().clone().requires_grad_(True)
    log_lr = torch.tensor(math.log(config.lr_init), device=images.device, requires_grad=True)
    frozen_x = task.frozen_images.detach()
    pool_labels = torch.cat([task.frozen_labels, task.labels])

    def loss_at(iteration: int) -> Tensor:
        it_seed = derive_seed(seed, "iteration", iteration)
        generator = torch.Generator().manual_seed(it_seed)
        expert = trajectories[int(torch.randint(len(trajectories), (1,), generator=generator))]
        start_epoch = int(torch.randint(config.max_start_epoch, (1,), generator=generator))
        return matching_loss(
            model,
            expert,
            start_epoch,
            torch.cat([frozen_x, images]),
            pool_labels,
            log_lr.exp(),
            config,
            augment=augment,
            seed=it_seed,
        )

    def step_size_check() -> str | None:
        lr = log_lr.exp().item()
        if not math.isfinite(lr) or lr < config.min_lr:
            return f"step size collapsed to {lr:.3g} (min_lr {config.min_lr})"
        return None

    learn = Learnables(
        images=images,
        optimizers=[
            torch.optim.SGD([images], lr=config.lr_img, momentum=0.5),
            torch.optim.SGD([log_lr], lr=config.lr_lr, momentum=0.5),
        ],
        lr=lambda: log_lr.exp().item(),
        extra={"log_lr": log_lr},
        check=step_size_check,
    )
    loop = LoopConfig(config.iterations, config.eval_every, config.checkpoint_every)
    return optimise(learn, loss_at, loop, task, desc="mtt")


@dataclass(frozen=True)
class MTT:
    """MTT behind the `Distiller` interface."""

    config: MTTConfig
    make_model: Callable[[int], nn.Module]
    name: str = "mtt"
    needs_trajectories: bool = True
    factor: int = 1

    def distill(self, task: StageTask) -> StageResult:
        return distill(self.make_model(0), self.config, task)


def epochs_matched(max_start_epoch: int, expert_epochs: int) -> int:
    """The last expert epoch MTT reads: a start drawn from 0..M-1, its target E later."""
    return max_start_epoch - 1 + expert_epochs


def _check_config(config: MTTConfig, trajectories: list[Trajectory]) -> None:
    needed = epochs_matched(config.max_start_epoch, config.expert_epochs)
    shortest = min(t.epochs for t in trajectories)
    if shortest < needed:
        raise ValueError(
            f"experts have {shortest} epochs; max_start_epoch - 1 + expert_epochs needs {needed}"
        )
