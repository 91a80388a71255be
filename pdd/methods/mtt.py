"""MTT (Cazenavette et al., CVPR 2022): learn synthetic images and a step size so that N
SGD steps on them, from an expert's epoch-t parameters, land near its epoch-(t+E) ones.

For PDD, the images of earlier stages sit frozen in the pool that every unrolled step
draws its mini-batch from; only the current stage's images and step size learn. The
student runs functionally (torch.func.functional_call) from a flat parameter vector.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call
from tqdm import tqdm

from pdd import checkpoint as checkpoints
from pdd.augment import DiffAugment
from pdd.runtime import derive_seed
from pdd.trajectory import Trajectory, unflatten


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


@dataclass
class MTTResult:
    images: Tensor
    lr: float
    best_val: float
    best_iteration: int
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


class DistillationDiverged(FloatingPointError):
    """The matching loss, an image or the step size stopped being a finite, sane number."""


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
    theta = start.clone().requires_grad_(True)
    for step, batch in enumerate(batches):
        x = pool_images[batch.to(device)]
        if augment is not None:
            x = augment(x, seed=derive_seed(seed, "dsa", step))
        logits = functional_call(model, unflatten(theta, trajectory.layout), (x,))
        loss = F.cross_entropy(logits, pool_labels[batch.to(device)])
        (grad,) = torch.autograd.grad(loss, theta, create_graph=True)
        theta = theta - lr * grad
    return (theta - target).pow(2).sum() / (start - target).pow(2).sum()


def _batch_indices(size: int, batch: int, steps: int, generator: torch.Generator) -> list[Tensor]:
    """`steps` mini-batches walking through fresh random permutations of the pool."""
    needed = batch * steps
    permutations = [torch.randperm(size, generator=generator) for _ in range(-(-needed // size))]
    return list(torch.cat(permutations)[:needed].split(batch))


def distill(
    model: nn.Module,
    trajectories: list[Trajectory],
    init_images: Tensor,
    labels: Tensor,
    config: MTTConfig,
    *,
    frozen_images: Tensor | None = None,
    frozen_labels: Tensor | None = None,
    augment: DiffAugment | None = None,
    score: Callable[[Tensor, float], float] | None = None,
    seed: int,
    checkpoint: Path | None = None,
    progress: bool = True,
) -> MTTResult:
    """Learn this stage's images (initialised from `init_images`) and step size.

    `score(images, lr)` returns a validation accuracy; the best-scoring snapshot is kept.
    With `checkpoint`, state is saved every `config.checkpoint_every` iterations and a
    rerun resumes from it, reproducing the uninterrupted run exactly on CPU."""
    _check_config(config, trajectories)
    device = init_images.device
    images = init_images.detach().clone().requires_grad_(True)
    log_lr = torch.tensor(math.log(config.lr_init), device=device, requires_grad=True)
    image_opt = torch.optim.SGD([images], lr=config.lr_img, momentum=0.5)
    lr_opt = torch.optim.SGD([log_lr], lr=config.lr_lr, momentum=0.5)
    frozen_x = (
        frozen_images.detach()
        if frozen_images is not None
        else images.new_zeros(0, *images.shape[1:])
    )
    frozen_y = frozen_labels if frozen_labels is not None else labels.new_zeros(0)
    pool_labels = torch.cat([frozen_y, labels])
    state = {
        "iteration": 0,
        "best_val": -1.0,
        "best_iteration": -1,
        "best_images": images.detach().clone(),
        "best_lr": config.lr_init,
        "history": [],
    }
    saved = None if checkpoint is None else checkpoints.load_or_none(checkpoint)
    if saved is not None:
        state = _resume(saved, images, log_lr, image_opt, lr_opt)
        tqdm.write(f"MTT resumes at iteration {state['iteration']} from {checkpoint.name}")
    started = time.perf_counter()
    bar = tqdm(range(state["iteration"], config.iterations), desc="mtt", disable=not progress)
    for iteration in bar:
        if score is not None and iteration % config.eval_every == 0:
            _select(state, score, images, log_lr, iteration)
        it_seed = derive_seed(seed, "iteration", iteration)
        generator = torch.Generator().manual_seed(it_seed)
        expert = trajectories[int(torch.randint(len(trajectories), (1,), generator=generator))]
        start_epoch = int(torch.randint(config.max_start_epoch, (1,), generator=generator))
        loss = matching_loss(
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
        image_opt.zero_grad(set_to_none=True)
        lr_opt.zero_grad(set_to_none=True)
        loss.backward()
        _guard(iteration, loss, images, log_lr, config)
        image_opt.step()
        lr_opt.step()
        state["history"].append(
            {"iteration": iteration, "loss": loss.item(), "lr": log_lr.exp().item()}
        )
        bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{log_lr.exp().item():.4g}")
        state["iteration"] = iteration + 1
        if checkpoint is not None and state["iteration"] % config.checkpoint_every == 0:
            _save(checkpoint, state, images, log_lr, image_opt, lr_opt)
    if score is not None:
        _select(state, score, images, log_lr, config.iterations)
    else:
        state.update(
            best_images=images.detach().clone(),
            best_lr=log_lr.exp().item(),
            best_iteration=config.iterations,
        )
    return MTTResult(
        images=state["best_images"],
        lr=float(state["best_lr"]),
        best_val=float(state["best_val"]),
        best_iteration=int(state["best_iteration"]),
        history=state["history"],
        seconds=time.perf_counter() - started,
    )


def _check_config(config: MTTConfig, trajectories: list[Trajectory]) -> None:
    needed = config.max_start_epoch + config.expert_epochs
    shortest = min(t.epochs for t in trajectories)
    if shortest < needed:
        raise ValueError(
            f"experts have {shortest} epochs; max_start_epoch + expert_epochs needs {needed}"
        )


def _guard(iteration: int, loss: Tensor, images: Tensor, log_lr: Tensor, config: MTTConfig):
    """Stop at the iteration where things go wrong, before the bad step is taken."""
    problem = None
    if not torch.isfinite(loss):
        problem = f"matching loss is {loss.item()}"
    elif images.grad is None or not torch.isfinite(images.grad).all():
        problem = "image gradient is not finite"
    elif not torch.isfinite(images).all():
        problem = "synthetic images contain NaN/Inf"
    elif not torch.isfinite(log_lr) or log_lr.exp().item() < config.min_lr:
        problem = f"step size collapsed to {log_lr.exp().item():.3g} (min_lr {config.min_lr})"
    if problem:
        raise DistillationDiverged(
            f"MTT iteration {iteration}: {problem}; lower lr_img / lr_lr, the last good "
            "checkpoint is kept"
        )


def _select(state: dict, score, images: Tensor, log_lr: Tensor, iteration: int) -> None:
    lr = log_lr.exp().item()
    value = score(images.detach().clone(), lr)
    state["history"].append({"iteration": iteration, "val_acc": value})
    if value > state["best_val"]:
        state.update(
            best_val=value,
            best_iteration=iteration,
            best_images=images.detach().clone(),
            best_lr=lr,
        )


def _save(path: Path, state: dict, images, log_lr, image_opt, lr_opt) -> None:
    payload = {
        **state,
        "images": images.detach(),
        "log_lr": log_lr.detach(),
        "image_opt": image_opt.state_dict(),
        "lr_opt": lr_opt.state_dict(),
    }
    checkpoints.save(payload, path)


def _resume(payload: dict, images, log_lr, image_opt, lr_opt) -> dict:
    with torch.no_grad():
        images.copy_(payload.pop("images"))
        log_lr.copy_(payload.pop("log_lr"))
    image_opt.load_state_dict(payload.pop("image_opt"))
    lr_opt.load_state_dict(payload.pop("lr_opt"))
    return payload
