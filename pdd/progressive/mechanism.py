"""Did a PDD stage's student learn? A check to publish beside the accuracies: for windows of
the stage's trajectories (start epoch t, target E epochs later) it reruns the student MTT
matched, from θ_0 = τ_t on the stage's pool (the frozen earlier stages plus the stage's new
images), and puts its matching loss L = ‖θ_N − τ_{t+E}‖² / ‖τ_t − τ_{t+E}‖² between two
references:

- 1.0, the student that does not move;
- the floor: a second real-data run of the experts' own SGD from τ_t over E epochs, with
  another batch order, lands this far from τ_{t+E}; no student can be expected to beat the
  noise of the expert's own training.

It also says how far the student moved against the window (step_ratio) and which share of
its displacement the stage's new images pushed (new_share): a stage whose frozen pool does
all the moving has learned little of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from pdd.core.augment import DiffAugment
from pdd.core.buffers import ExpertConfig, epoch_data
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import evaluate, train_classifier
from pdd.core.trajectory import Trajectory, flatten_params, load_flat, unflatten
from pdd.data.tensors import Splits
from pdd.infra import checkpoint
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map
from pdd.methods.mtt import MTTConfig, _batch_indices
from pdd.progressive.transition import tensor_fingerprint

# The one rule: a stage learned when its final matching loss closes at least half of the
# distance from 1 (a student that does not move) to the floor (the expert's own noise).
CLOSED_FRACTION = 0.5
LEARNED_RULE = (
    "a stage learned when its final matching loss (mean of its last iterations) closes at "
    "least half of the distance from 1 (a student that does not move) to the floor: "
    "loss <= (1 + floor) / 2"
)
LAST_ITERATIONS = 10  # a stage's final (first) loss: the mean of its last (first) 10 losses


def learned(loss: float, floor: float) -> bool:
    """LEARNED_RULE: loss <= 1 − CLOSED_FRACTION · (1 − floor), i.e. (1 + floor) / 2."""
    return loss <= 1.0 - CLOSED_FRACTION * (1.0 - floor)


def _losses(history: list[dict[str, float]]) -> list[float]:
    """The iterations' matching losses; validation entries ("val_acc", no "loss") are not
    iterations and are skipped."""
    losses = [entry["loss"] for entry in history if "loss" in entry]
    if not losses:
        raise ValueError("the history holds no iteration (no entry with a 'loss')")
    return losses


def final_loss(history: list[dict[str, float]]) -> float:
    """Mean matching loss of the last LAST_ITERATIONS iterations of a stage's history; one
    iteration's loss is one random window, so a single value says little."""
    return fmean(_losses(history)[-LAST_ITERATIONS:])


def first_loss(history: list[dict[str, float]]) -> float:
    """Mean matching loss of the first LAST_ITERATIONS iterations: where the stage's images
    (real images at first) started, so that its final loss reads as a gain, not only
    against the rule's references."""
    return fmean(_losses(history)[:LAST_ITERATIONS])


def normalised_distance(theta: Tensor, start: Tensor, target: Tensor) -> float:
    """‖θ − target‖² / ‖start − target‖²: MTT's matching loss of a landing point θ."""
    return float((theta - target).pow(2).sum() / (start - target).pow(2).sum())


def student_batches(pool_size: int, batch_syn: int, syn_steps: int, seed: int) -> list[Tensor]:
    """The pool indices of every unrolled step, drawn exactly as `mtt.matching_loss` draws
    them for the same seed, so the check reruns the student MTT scored."""
    order = torch.Generator().manual_seed(derive_seed(seed, "batches"))
    return _batch_indices(pool_size, batch_syn, syn_steps, order)


def student_movement(
    model: nn.Module,
    trajectory: Trajectory,
    start_epoch: int,
    frozen_images: Tensor,
    frozen_labels: Tensor,
    images: Tensor,
    labels: Tensor,
    lr: float | Tensor,
    *,
    syn_steps: int,
    expert_epochs: int,
    batch_syn: int,
    augment: DiffAugment | None,
    seed: int,
) -> dict[str, float]:
    """MTT's student on one window, pool = frozen ∪ new, without the graph to the images.

    Returns `loss` (equal to `mtt.matching_loss` for the same inputs and seed),
    `student_step` ‖θ_N − θ_0‖, `window_step` ‖τ_{t+E} − τ_t‖, `step_ratio`, and the shares
    ⟨Δ_part, Δ⟩ / ‖Δ‖² of the displacement Δ = θ_N − θ_0 that the new and the frozen images
    pushed (`new_share`, `frozen_share`; they add up to 1, nan for a student that stays)."""
    device = images.device
    pool = torch.cat([frozen_images.to(device), images]).detach()
    pool_labels = torch.cat([frozen_labels.to(device), labels.to(device)])
    start = trajectory.params[start_epoch].to(device)
    target = trajectory.params[start_epoch + expert_epochs].to(device)
    alpha = torch.as_tensor(lr).detach().to(device)
    theta, new_push, frozen_push = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    for step, batch in enumerate(student_batches(len(pool), batch_syn, syn_steps, seed)):
        batch = batch.to(device)
        x = pool[batch]
        if augment is not None:
            x = augment(x, seed=derive_seed(seed, "dsa", step))
        is_new = batch >= len(frozen_images)
        grads = step_gradients(model, trajectory, theta, x, pool_labels[batch], is_new)
        with torch.no_grad():
            theta = theta - alpha * grads[0]
            new_push -= alpha * grads[1]
            frozen_push -= alpha * grads[2]
    return movement_summary(start, theta, target, new_push, frozen_push)


def step_gradients(
    model: nn.Module, trajectory: Trajectory, theta: Tensor, x: Tensor, y: Tensor, is_new: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """One step's mini-batch gradient, taken as MTT takes it, and its parts from the new and
    from the frozen images. The loss is a mean over the batch, so a part is the gradient of
    its examples' summed loss over the batch size; each part is taken on its own, so that
    their adding up to the full gradient checks the split."""
    theta = theta.detach().requires_grad_(True)
    logits = functional_call(model, unflatten(theta, trajectory.layout), (x,))
    per_example = F.cross_entropy(logits, y, reduction="none") / len(y)
    losses = [F.cross_entropy(logits, y), per_example[is_new].sum(), per_example[~is_new].sum()]
    full, new, frozen = (torch.autograd.grad(loss, theta, retain_graph=True)[0] for loss in losses)
    return full, new, frozen


def movement_summary(
    start: Tensor, theta: Tensor, target: Tensor, new_push: Tensor, frozen_push: Tensor
) -> dict[str, float]:
    """The student's loss, its step against the window's, and who pushed it."""
    delta = theta - start
    moved = float(delta.pow(2).sum())
    student_step, window_step = moved**0.5, float((target - start).norm())

    def share(push: Tensor) -> float:
        return float((push * delta).sum()) / moved if moved > 0 else float("nan")

    return {
        "loss": normalised_distance(theta, start, target),
        "student_step": student_step,
        "window_step": window_step,
        "step_ratio": student_step / window_step,
        "new_share": share(new_push),
        "frozen_share": share(frozen_push),
    }


def loss_floor(
    make_model: Callable[[int], nn.Module],
    trajectory: Trajectory,
    start_epoch: int,
    expert_epochs: int,
    data: Splits,
    expert_config: ExpertConfig,
    *,
    seed: int,
    augment: DiffAugment | None,
) -> float:
    """‖θ' − τ_{t+E}‖² / ‖τ_t − τ_{t+E}‖² for θ': τ_t trained E more epochs on the real data
    with the experts' plain SGD. `seed` takes the expert seed's part in pdd.core.buffers
    (epoch e: subset derive_seed(seed, "subset", e), batches derive_seed(seed, e)), so
    `trajectory.seed` reproduces the expert (floor 0) and any other seed gives the same
    training in another batch order: the distance the expert's own noise leaves."""
    device = data.train_x.device
    start = trajectory.params[start_epoch]
    model = load_flat(make_model(seed).to(device), start.to(device))
    for epoch in range(start_epoch, start_epoch + expert_epochs):
        x, y = epoch_data(data, expert_config, derive_seed(seed, "subset", epoch))
        sgd = expert_config.sgd
        train_classifier(model, x, y, sgd, seed=derive_seed(seed, epoch), augment=augment)
    target = trajectory.params[start_epoch + expert_epochs]
    return normalised_distance(flatten_params(model), start, target)


def window_floor(
    make_model: Callable[[int], nn.Module],
    trajectory: Trajectory,
    start_epoch: int,
    expert_epochs: int,
    data: Splits,
    expert_config: ExpertConfig,
    *,
    augment: DiffAugment | None,
    cache: Path | None = None,
) -> float:
    """The window's floor, seeded by the window alone (the trajectory's seed), so a window
    that several schedules, runs or budgets inspect has one floor; kept in `cache` (a
    folder; None: none) under a fingerprint of the window, the data and the settings, since
    each costs E epochs of training."""
    seed = derive_seed(trajectory.seed, "floor")
    path = None
    if cache is not None:
        ends = [trajectory.params[start_epoch], trajectory.params[start_epoch + expert_epochs]]
        settings = (
            trajectory.seed,
            start_epoch,
            expert_epochs,
            expert_config,
            augment_key(augment),
        )
        key = tensor_fingerprint([*ends, data.train_y], repr((settings, data.train_x.shape)))
        path = Path(cache) / f"floor-{key[:16]}.pt"
        saved = checkpoint.load_or_none(path)
        if saved is not None:
            return float(saved["floor"])
    floor = loss_floor(
        make_model, trajectory, start_epoch, expert_epochs, data, expert_config,
        seed=seed, augment=augment,
    )  # fmt: skip
    if path is not None:
        checkpoint.save({"floor": floor}, path)  # exact: a cached floor equals a fresh one
    return floor


def augment_key(augment: DiffAugment | None) -> str:
    return "none" if augment is None else repr(augment.config)


def window_accuracy(
    make_model: Callable[[int], nn.Module], trajectory: Trajectory, epoch: int, x: Tensor, y: Tensor
) -> float:
    """Accuracy (%) on (x, y) of the network holding τ_epoch: where the window sits on the
    expert's way to its final accuracy."""
    model = make_model(trajectory.seed).to(x.device)
    return evaluate(load_flat(model, trajectory.params[epoch].to(x.device)), x, y)[0]


def sample_windows(
    num_trajectories: int, max_start_epoch: int, count: int, seed: int
) -> list[tuple[int, int]]:
    """`count` distinct (expert, start epoch) windows, seeded, from the experts and the start
    epochs 0..M−1 MTT draws from (all of them when there are fewer than `count`)."""
    generator = torch.Generator().manual_seed(derive_seed(seed, "windows"))
    picked = torch.randperm(num_trajectories * max_start_epoch, generator=generator)[:count]
    return [divmod(int(k), max_start_epoch) for k in picked]


@dataclass(frozen=True)
class StageStudent:
    """What one distilled stage left for its student: the frozen pool it drew from, its
    images, labels and learned step size, and its distillation history."""

    frozen_images: Tensor
    frozen_labels: Tensor
    images: Tensor
    labels: Tensor
    lr: float
    history: list[dict[str, float]]

    @classmethod
    def of(cls, stages: list[SyntheticStage], index: int, *, progressive: bool = True):
        """Stage `index` of a schedule's stages: under `progressive` the earlier stages sit
        frozen in its pool (as the driver conditions them), otherwise the pool is its own."""
        stage = stages[index]
        if stage.factor != 1:
            raise ValueError("the check reruns MTT's student: multi-formation is not MTT's")
        frozen = stages[:index] if progressive else []
        x, y = union(frozen) if frozen else (stage.images[:0], stage.labels[:0])
        history = list(stage.info.get("history", []))
        return cls(x, y, stage.images, stage.labels, float(stage.lr), history)


def stage_check(
    student: StageStudent,
    trajectories: list[Trajectory],
    windows: list[tuple[int, int]],
    data: Splits,
    expert_config: ExpertConfig,
    make_model: Callable[[int], nn.Module],
    config: MTTConfig,
    *,
    augment: DiffAugment | None,
    seed: int,
    cache: Path | None = None,
) -> list[dict[str, object]]:
    """One row per window (see `window_row`), each carrying the stage's `first_loss`,
    `final_loss` and whether it `learned` by LEARNED_RULE against the mean floor of the
    windows. `data`: the real data the stage's trajectories trained on (its validation
    split scores τ_t)."""

    def row(k: int) -> dict[str, object]:
        return window_row(
            student,
            trajectories,
            k,
            windows[k],
            data,
            expert_config,
            make_model,
            config,
            augment=augment,
            seed=derive_seed(seed, "window", k),
            cache=cache,
        )

    rows = parallel_map(row, range(len(windows)))  # each floor trains E epochs: spread them
    first, final = first_loss(student.history), final_loss(student.history)
    verdict = learned(final, fmean(row["floor"] for row in rows))
    return [{**row, "first_loss": first, "final_loss": final, "learned": verdict} for row in rows]


def window_row(
    student: StageStudent,
    trajectories: list[Trajectory],
    index: int,
    window: tuple[int, int],
    data: Splits,
    expert_config: ExpertConfig,
    make_model: Callable[[int], nn.Module],
    config: MTTConfig,
    *,
    augment: DiffAugment | None,
    seed: int,
    cache: Path | None = None,
) -> dict[str, object]:
    """Window `index` = (expert, start epoch t): the accuracies of τ_t and τ_{t+E}, the
    stage's student on it, and the floor of a rerun of the expert's epochs."""
    expert, start = window
    trajectory, end = trajectories[expert], start + config.expert_epochs
    if end > trajectory.epochs:
        raise ValueError(f"window {window} ends at epoch {end}; the expert has {trajectory.epochs}")
    movement = student_movement(
        make_model(trajectory.seed).to(student.images.device), trajectory, start,
        student.frozen_images, student.frozen_labels, student.images, student.labels,
        student.lr, syn_steps=config.syn_steps, expert_epochs=config.expert_epochs,
        batch_syn=config.batch_syn, augment=augment, seed=derive_seed(seed, "student"),
    )  # fmt: skip
    floor = window_floor(
        make_model, trajectory, start, config.expert_epochs, data, expert_config,
        augment=augment, cache=cache,
    )  # fmt: skip
    start_acc, end_acc = (
        window_accuracy(make_model, trajectory, epoch, data.val_x, data.val_y)
        for epoch in (start, end)
    )
    return {
        "window": index,
        "expert": expert,
        "start_epoch": start,
        "start_val_acc": start_acc,
        "end_val_acc": end_acc,
        "loss": movement["loss"],
        "floor": floor,
        **{key: movement[key] for key in ("student_step", "window_step", "step_ratio")},
        "new_share": movement["new_share"],  # frozen_share is 1 − new_share
    }
