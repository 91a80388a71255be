"""What every base method shares: the stage it is asked to distill (`StageTask`), what it
returns (`StageResult`), the `Distiller` interface the progressive driver calls, and the
optimisation loop around a method's loss (validation selection, checkpoint and resume,
NaN/Inf guard, progress bar), so that each method only says how its loss is computed.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor
from tqdm import tqdm

from pdd.core.augment import DiffAugment
from pdd.core.trajectory import Trajectory
from pdd.infra import checkpoint as checkpoints
from pdd.infra import phases

Scorer = Callable[[Tensor, float], float]
CHECKPOINT_KEYS = {"iteration", "history", "images", "extra", "optimizers", "companions"}


class DistillationDiverged(FloatingPointError):
    """The loss, an image or a learned step size stopped being a finite, sane number."""


@dataclass
class StageTask:
    """One stage to distill: learn `init_images` (labels fixed) given the frozen earlier
    stages. `starts` are the flat parameters the method's networks begin from: random
    initialisations, or for progressive stages the transition parameters (trained on the
    earlier union). `trajectories` are the expert trajectories MTT matches."""

    init_images: Tensor
    labels: Tensor
    frozen_images: Tensor  # (0, C, H, W) when nothing is frozen; decoded training images
    frozen_labels: Tensor
    starts: list[Tensor]
    trajectories: list[Trajectory]
    seed: int
    checkpoint: Path | None = None
    score: Scorer | None = None  # validation accuracy of (decoded images, lr)
    augment: DiffAugment | None = None
    progress: bool = True
    eval_lr: float = 0.01  # step size stored with methods that do not learn one

    @classmethod
    def alone(cls, init_images: Tensor, labels: Tensor, **fields) -> StageTask:
        """A task with no frozen earlier stages (and no starts unless given)."""
        empty = init_images.new_zeros(0, *init_images.shape[1:])
        fields.setdefault("starts", [])
        fields.setdefault("trajectories", [])
        return cls(init_images, labels, empty, labels.new_zeros(0), **fields)


@dataclass
class StageResult:
    images: Tensor  # stored form (multi-formation methods decode them for training)
    lr: float  # the step size to train on these images with
    best_val: float
    best_iteration: int
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    iterations: int = 0  # the stage's whole count: a best snapshot there is still improving

    @property
    def still_improving(self) -> bool:
        """The best validation snapshot is the last one: more iterations might help."""
        return self.best_iteration == self.iterations


class Distiller(Protocol):
    name: str
    needs_trajectories: bool  # the driver then builds real-data trajectories per stage
    factor: int  # multi-formation factor: stored image -> factor² training images

    def distill(self, task: StageTask) -> StageResult: ...


@dataclass(frozen=True)
class LoopConfig:
    iterations: int
    eval_every: int  # iterations between validation scores (best snapshot kept)
    checkpoint_every: int


class Companion(Protocol):
    """State a method carries across iterations besides the images (e.g. its network)."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass
class Learnables:
    """The optimised tensors and their optimisers. `lr` reports the step size to store."""

    images: Tensor
    optimizers: list[torch.optim.Optimizer]
    lr: Callable[[], float]
    extra: dict[str, Tensor] = field(default_factory=dict)  # e.g. MTT's log step size
    check: Callable[[], str | None] = lambda: None  # a method's own sanity check


def optimise(
    learn: Learnables,
    loss_at: Callable[[int], Tensor],
    config: LoopConfig,
    task: StageTask,
    *,
    desc: str,
    decode: Callable[[Tensor], Tensor] = lambda images: images,
    after_step: Callable[[int], None] = lambda iteration: None,
    companions: dict[str, Companion] | None = None,
) -> StageResult:
    """Run `config.iterations` steps of `loss_at(iteration)` on `learn`, resumably.

    Checkpoints every `config.checkpoint_every` iterations; a rerun resumes from the last
    one and reproduces the uninterrupted run exactly on CPU. A non-finite loss, gradient or
    image (or `learn.check()` failing) stops the run at that iteration before the bad step,
    leaving the last good checkpoint on disk."""
    with phases.phase("distillation"):
        return _optimise(learn, loss_at, config, task, desc, decode, after_step, companions or {})


def _optimise(
    learn: Learnables,
    loss_at: Callable[[int], Tensor],
    config: LoopConfig,
    task: StageTask,
    desc: str,
    decode: Callable[[Tensor], Tensor],
    after_step: Callable[[int], None],
    companions: dict[str, Companion],
) -> StageResult:
    state: dict[str, Any] = {
        "iteration": 0,
        "best_val": -1.0,
        "best_iteration": -1,
        "best_images": learn.images.detach().clone(),
        "best_lr": learn.lr(),
        "history": [],
    }
    saved = None if task.checkpoint is None else checkpoints.load_or_none(task.checkpoint)
    if saved is not None and not CHECKPOINT_KEYS <= saved.keys():
        warnings.warn(f"{task.checkpoint}: checkpoint of another format ignored", stacklevel=2)
        saved = None
    if saved is not None:
        state = _resume(saved, learn, companions)
        tqdm.write(
            f"{desc.upper()} resumes at iteration {state['iteration']} from {task.checkpoint.name}"
        )
    # Seconds spent by earlier runs of this stage: a resumed stage reports its whole cost,
    # not only the last run's (checkpoints from before this field count from zero).
    spent = float(state.get("seconds", 0.0))
    started = time.perf_counter()
    bar = tqdm(range(state["iteration"], config.iterations), desc=desc, disable=not task.progress)
    for iteration in bar:
        if task.score is not None and iteration % config.eval_every == 0:
            _select(state, task.score, learn, decode, iteration)
        loss = loss_at(iteration)
        for optimizer in learn.optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        _guard(desc, iteration, loss, learn)
        for optimizer in learn.optimizers:
            optimizer.step()
        after_step(iteration)
        state["history"].append({"iteration": iteration, "loss": loss.item(), "lr": learn.lr()})
        bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{learn.lr():.4g}")
        state["iteration"] = iteration + 1
        if task.checkpoint is not None and state["iteration"] % config.checkpoint_every == 0:
            state["seconds"] = spent + time.perf_counter() - started
            _save(task.checkpoint, state, learn, companions)
    if task.score is not None:
        _select(state, task.score, learn, decode, config.iterations)
    else:
        state.update(
            best_images=learn.images.detach().clone(),
            best_lr=learn.lr(),
            best_iteration=config.iterations,
        )
    return StageResult(
        images=state["best_images"],
        lr=float(state["best_lr"]),
        best_val=float(state["best_val"]),
        best_iteration=int(state["best_iteration"]),
        history=state["history"],
        seconds=spent + time.perf_counter() - started,
        iterations=config.iterations,
    )


def _guard(desc: str, iteration: int, loss: Tensor, learn: Learnables) -> None:
    """Stop at the iteration where things go wrong, before the bad step is taken."""
    images = learn.images
    problem = None
    if not torch.isfinite(loss):
        problem = f"matching loss is {loss.item()}"
    elif images.grad is None or not torch.isfinite(images.grad).all():
        problem = "image gradient is not finite"
    elif not torch.isfinite(images).all():
        problem = "synthetic images contain NaN/Inf"
    else:
        problem = learn.check()
    if problem:
        raise DistillationDiverged(
            f"{desc.upper()} iteration {iteration}: {problem}; lower the image / step-size "
            "learning rates; the last good checkpoint is kept"
        )


def _select(state: dict, score: Scorer, learn: Learnables, decode, iteration: int) -> None:
    lr = learn.lr()
    value = score(decode(learn.images.detach().clone()), lr)
    state["history"].append({"iteration": iteration, "val_acc": value})
    if value > state["best_val"]:
        state.update(
            best_val=value,
            best_iteration=iteration,
            best_images=learn.images.detach().clone(),
            best_lr=lr,
        )


def _save(path: Path, state: dict, learn: Learnables, companions: dict[str, Companion]) -> None:
    payload = {
        **state,
        "images": learn.images.detach(),
        "extra": {name: tensor.detach() for name, tensor in learn.extra.items()},
        "optimizers": [optimizer.state_dict() for optimizer in learn.optimizers],
        "companions": {name: c.state_dict() for name, c in companions.items()},
    }
    checkpoints.save(payload, path)


def _resume(payload: dict, learn: Learnables, companions: dict[str, Companion]) -> dict:
    with torch.no_grad():
        learn.images.copy_(payload.pop("images"))
        for name, tensor in payload.pop("extra").items():
            learn.extra[name].copy_(tensor)
    for optimizer, saved in zip(learn.optimizers, payload.pop("optimizers"), strict=True):
        optimizer.load_state_dict(saved)
    for name, saved in payload.pop("companions").items():
        companions[name].load_state_dict(saved)
    return payload
