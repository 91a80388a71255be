"""What every notebook builds from its params: the device, the dataset splits, the
network factory, the evaluation protocol and DSA. One place, so all stages agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from pdd.config.recipes import RECIPES
from pdd.config.sections.buffers import Buffers
from pdd.config.sections.eval import Eval
from pdd.core import scoring
from pdd.core.augment import DiffAugment, DSAConfig, parse_strategy
from pdd.core.buffers import ExpertConfig
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data.registry import DatasetSpec
from pdd.data.tensors import Splits, load_splits
from pdd.infra import workers
from pdd.infra.runtime import derive_seed, setup

if TYPE_CHECKING:
    from pdd.config.schema import Params


@dataclass
class Context:
    device: torch.device
    data: Splits
    net: dict[str, Any]
    eval_config: TrainConfig
    augment: DiffAugment | None
    eval_seeds: list[int]

    def make_model(self, seed: int) -> nn.Module:
        return build_model(self.net, self.data.spec, seed).to(self.device)


def build_model(net: Mapping[str, Any], spec: DatasetSpec, seed: int) -> nn.Module:
    """The `net` section's network (a dict of it), shaped for the dataset `spec`."""
    return get_model(
        net["name"],
        in_channels=spec.channels,
        num_classes=spec.num_classes,
        image_size=spec.image_size,
        width=net["width"],
        depth=net["depth"],
        norm=net["norm"],
        seed=seed,
    )


def expert_config(buffers: Buffers) -> ExpertConfig:
    """The experts' plain SGD run from params.yaml's `buffers` section."""
    return ExpertConfig(
        epochs=buffers.epochs,
        lr=buffers.lr_teacher,
        batch_size=buffers.batch_size,
        examples_per_epoch=buffers.examples_per_epoch,
    )


def train_config(section: Eval) -> TrainConfig:
    """The evaluation protocol of params.yaml's `eval` section as a training config."""
    return TrainConfig(
        epochs=section.epochs,
        lr=section.lr,
        momentum=section.momentum,
        weight_decay=section.weight_decay,
        batch_size=section.batch_size,
        lr_decay_at=tuple(section.lr_decay_at),
        lr_decay_factor=section.lr_decay_factor,
    )


def dsa_from(section: Eval) -> DiffAugment | None:
    if not section.dsa:
        return None
    return DiffAugment(
        DSAConfig(strategy=parse_strategy(section.dsa_strategy), flip=section.dsa_flip)
    )


def context_from(
    params: Params, prepared: str | Path, *, score_cache: Path | None = None
) -> Context:
    """Build the context from a stage's params (its `common`, `net` and `eval` sections), and
    set up the process: threads, worker processes, the cache of set scores (None: none)."""
    common = params.common
    device = setup(seed=common.seed, threads=common.threads, device=common.device)
    workers.configure(common.workers)
    scoring.keep_scores_in(score_cache)
    data = load_splits(
        common.dataset,
        prepared,
        val_per_class=common.val_per_class,
        test_per_class=common.test_per_class,
        seed=common.seed,
        zca=common.zca,
        device=device,
    )
    seeds = [derive_seed(common.seed, "eval", run) for run in range(params.eval.num_seeds)]
    return Context(
        device,
        data,
        params.net.model_dump(),
        train_config(params.eval),
        dsa_from(params.eval),
        seeds,
    )


@dataclass(frozen=True)
class Recipe:
    """How networks are built and augmented while they score a set (`evaluate.recipes`)."""

    name: str
    make_model: Callable[[int], nn.Module]
    augment: DiffAugment | None


def recipe(ctx: Context, name: str) -> Recipe:
    """`default`: the `net` and `eval` sections as they are; `shift`: random translations
    (DSA's crop, no flips) instead of DSA; `plain`: no augmentation; `wide`: the default
    recipe on a ConvNet of width 128, the paper's."""
    if name == "default":
        return Recipe(name, ctx.make_model, ctx.augment)
    if name == "shift":
        return Recipe(name, ctx.make_model, DiffAugment(DSAConfig(strategy=("crop",), flip=False)))
    if name == "plain":
        return Recipe(name, ctx.make_model, None)
    if name == "wide":
        net = {**ctx.net, "width": 128}

        def wide_model(seed: int) -> nn.Module:
            return build_model(net, ctx.data.spec, seed).to(ctx.device)

        return Recipe(name, wide_model, ctx.augment)
    raise ValueError(f"unknown recipe {name!r}; allowed: {', '.join(RECIPES)}")
