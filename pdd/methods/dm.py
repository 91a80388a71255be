"""DM, distribution matching (Zhao & Bilen, WACV 2023): per class, the mean embedding of
the synthetic images matches the mean embedding of a real batch, under a network drawn
afresh every iteration; no bi-level optimisation, so it is the cheapest method on CPU.

Embeddings are the features the network's classifier head sees. For PDD the frozen
earlier stages enter every class's synthetic mean, and the networks start from
parameters trained on the earlier union instead of a random initialisation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from pdd.infra.runtime import derive_seed
from pdd.methods.base import Learnables, LoopConfig, StageResult, StageTask, optimise
from pdd.methods.surrogate import MatchingNet, embedder, pool, real_class_batches


@dataclass(frozen=True)
class DMConfig:
    iterations: int
    eval_every: int
    checkpoint_every: int
    batch_real: int  # real images per class per iteration
    lr_img: float


def mean_embedding_distance(real: Tensor, synthetic: Tensor) -> Tensor:
    """‖mean(real) − mean(synthetic)‖² over the feature dimension."""
    return (real.mean(dim=0) - synthetic.mean(dim=0)).pow(2).sum()


@dataclass(frozen=True)
class DistributionMatching:
    config: DMConfig
    make_model: Callable[[int], nn.Module]
    real_x: Tensor
    real_y: Tensor
    name: str = "dm"
    needs_trajectories: bool = False
    factor: int = 1

    def distill(self, task: StageTask) -> StageResult:
        config = self.config
        images = task.init_images.detach().clone().requires_grad_(True)
        net = MatchingNet(self.make_model, task.starts, lr=0.0, seed=task.seed)

        def loss_at(iteration: int) -> Tensor:
            model = net.reset(iteration)
            for parameter in model.parameters():
                parameter.requires_grad_(False)  # only the images learn
            embed = embedder(model)
            x_syn, y_syn = pool(task.frozen_images, task.frozen_labels, images, task.labels)
            seed = derive_seed(task.seed, "match", iteration)
            total = images.new_zeros(())
            for label, real_index in enumerate(
                real_class_batches(self.real_y, config.batch_real, seed)
            ):
                x_real, x_mine = self.real_x[real_index], x_syn[y_syn == label]
                if task.augment is not None:
                    shared = task.augment.sample(
                        max(len(x_real), len(x_mine)), seed=derive_seed(seed, "dsa", label)
                    ).to(images.device)
                    x_real = task.augment(x_real, params=shared)
                    x_mine = task.augment(x_mine, params=shared)
                with torch.no_grad():
                    real_features = embed(x_real)
                total = total + mean_embedding_distance(real_features, embed(x_mine))
            return total

        learn = Learnables(
            images=images,
            optimizers=[torch.optim.SGD([images], lr=config.lr_img, momentum=0.5)],
            lr=lambda: task.eval_lr,
        )
        loop = LoopConfig(config.iterations, config.eval_every, config.checkpoint_every)
        return optimise(learn, loss_at, loop, task, desc="dm")
