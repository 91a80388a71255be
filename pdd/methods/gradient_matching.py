"""Gradient matching: DC (Zhao et al., ICLR 2021), DSA (Zhao & Bilen, ICML 2021) and IDC
(Kim et al., ICML 2022) as one method with three settings.

Each iteration, for every class, the gradient of the network's loss on a real batch of
that class is matched by the gradient on the class's synthetic images (DSA/IDC: both
batches under the same sampled augmentation); the images take one SGD step on the summed
distance. Between iterations the network itself trains: on the synthetic set (DC/DSA) or
on real data (IDC), and it is replaced by a fresh one every `refresh_every` iterations.
IDC stores multi-formation mosaics, decoded into factor² images for training.

For PDD the frozen earlier stages are part of every class's synthetic batch and the fresh
networks start from parameters trained on the earlier union (the transition)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pdd.core.multiformation import decode
from pdd.infra.runtime import derive_seed
from pdd.methods.base import Learnables, LoopConfig, StageResult, StageTask, optimise
from pdd.methods.surrogate import MatchingNet, pool, real_class_batches


def gradient_distance(real: list[Tensor], synthetic: list[Tensor]) -> Tensor:
    """DC's layer-wise distance: Σ over output units of (1 − cos) between the two
    gradients of every weight tensor. 1-D tensors (biases, norm scales) are left out, as in
    DC; identical gradients give exactly zero."""
    total = synthetic[0].new_zeros(())
    for g_real, g_syn in zip(real, synthetic, strict=True):
        if g_syn.dim() == 1:
            continue
        cosine = F.cosine_similarity(g_real.flatten(1), g_syn.flatten(1), dim=1, eps=1e-6)
        total = total + (1.0 - cosine).sum()
    return total


# The three gradient-matching methods: (augment the matched batches, the set the matching
# network trains on, multi-formation).
VARIANTS = {
    "dc": (False, "synthetic", False),
    "dsa": (True, "synthetic", False),
    "idc": (True, "real", True),
}


@dataclass(frozen=True)
class MatchingConfig:
    iterations: int
    eval_every: int
    checkpoint_every: int
    batch_real: int  # real images per class per matching step
    lr_img: float
    lr_net: float  # the matching network's SGD step size
    net_steps: int  # network updates between iterations
    net_batch: int  # images per network update
    refresh_every: int  # iterations per network (then a fresh one)
    train_net_on: Literal["synthetic", "real"]
    factor: int = 1  # multi-formation (IDC: 2)


@dataclass(frozen=True)
class GradientMatching:
    name: str  # "dc", "dsa" or "idc"
    config: MatchingConfig
    make_model: Callable[[int], nn.Module]
    real_x: Tensor
    real_y: Tensor
    use_augment: bool = True
    needs_trajectories: bool = False

    @property
    def factor(self) -> int:
        return self.config.factor

    def distill(self, task: StageTask) -> StageResult:
        config = self.config
        augment = task.augment if self.use_augment else None
        images = task.init_images.detach().clone().requires_grad_(True)
        net = MatchingNet(self.make_model, task.starts, config.lr_net, task.seed)
        classes = int(self.real_y.max()) + 1

        def loss_at(iteration: int) -> Tensor:
            if iteration % config.refresh_every == 0:
                net.reset(iteration // config.refresh_every)
            x_syn, y_syn = self._pool(task, images)
            params = list(net.model.parameters())
            seed = derive_seed(task.seed, "match", iteration)
            total = images.new_zeros(())
            for label, real_index in enumerate(
                real_class_batches(self.real_y, config.batch_real, seed)
            ):
                x_real = self.real_x[real_index]
                x_mine = x_syn[y_syn == label]
                if augment is not None:
                    shared = augment.sample(
                        max(len(x_real), len(x_mine)), seed=derive_seed(seed, "dsa", label)
                    ).to(images.device)
                    x_real, x_mine = augment(x_real, params=shared), augment(x_mine, params=shared)
                target = torch.full((len(x_real),), label, device=images.device)
                g_real = torch.autograd.grad(F.cross_entropy(net.model(x_real), target), params)
                target = torch.full((len(x_mine),), label, device=images.device)
                g_syn = torch.autograd.grad(
                    F.cross_entropy(net.model(x_mine), target), params, create_graph=True
                )
                total = total + gradient_distance([g.detach() for g in g_real], list(g_syn))
            return total / classes

        def after_step(iteration: int) -> None:
            seed = derive_seed(task.seed, "net-train", iteration)
            if config.train_net_on == "real":
                x, y = self.real_x, self.real_y
            else:
                x, y = self._pool(task, images)
            net.train_on(x, y, config.net_steps, config.net_batch, seed)

        learn = Learnables(
            images=images,
            optimizers=[torch.optim.SGD([images], lr=config.lr_img, momentum=0.5)],
            lr=lambda: task.eval_lr,
        )
        loop = LoopConfig(config.iterations, config.eval_every, config.checkpoint_every)
        return optimise(
            learn,
            loss_at,
            loop,
            task,
            desc=self.name,
            decode=lambda x: decode(x, task.labels, config.factor)[0],
            after_step=after_step,
            companions={"net": net},
        )

    def _pool(self, task: StageTask, images: Tensor) -> tuple[Tensor, Tensor]:
        decoded_x, decoded_y = decode(images, task.labels, self.config.factor)
        return pool(task.frozen_images, task.frozen_labels, decoded_x, decoded_y)
