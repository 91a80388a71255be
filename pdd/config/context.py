"""What every notebook builds from its parameters cell: the device, the dataset splits, the
network factory, the evaluation protocol and DSA. One place, so all stages agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from pdd.core.augment import DiffAugment, DSAConfig, parse_strategy
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data import Splits, load_splits
from pdd.infra.runtime import derive_seed, setup


@dataclass
class Context:
    device: torch.device
    data: Splits
    net: dict[str, Any]
    eval_config: TrainConfig
    augment: DiffAugment | None
    eval_seeds: list[int]

    def make_model(self, seed: int) -> nn.Module:
        spec = self.data.spec
        return get_model(
            self.net["name"],
            in_channels=spec.channels,
            num_classes=spec.num_classes,
            image_size=spec.image_size,
            width=self.net["width"],
            depth=self.net["depth"],
            norm=self.net["norm"],
            seed=seed,
        ).to(self.device)


def context_from(p: Mapping[str, Any]) -> Context:
    """Build the context from a notebook's parameters (pass `globals()`)."""
    device = setup(seed=p["seed"], threads=p["threads"], device=p["device"])
    data = load_splits(
        p["dataset"],
        p["prepared_dir"],
        val_per_class=p["val_per_class"],
        seed=p["seed"],
        zca=p["zca"],
        device=device,
    )
    eval_config = TrainConfig(
        epochs=p["eval_epochs"],
        lr=p["eval_lr"],
        momentum=p["eval_momentum"],
        weight_decay=p["eval_weight_decay"],
        batch_size=p["eval_batch_size"],
        lr_decay_at=tuple(p["eval_lr_decay_at"]),
        lr_decay_factor=p["eval_lr_decay_factor"],
    )
    augment = None
    if p["eval_dsa"]:
        augment = DiffAugment(
            DSAConfig(strategy=parse_strategy(p["eval_dsa_strategy"]), flip=p["eval_dsa_flip"])
        )
    net = {key: p[f"net_{key}"] for key in ("name", "width", "depth", "norm")}
    seeds = [derive_seed(p["seed"], "eval", run) for run in range(p["eval_num_seeds"])]
    return Context(device, data, net, eval_config, augment, seeds)


def section(p: Mapping[str, Any], name: str) -> dict[str, Any]:
    """An upstream section's parameters back as a dict (`matching_lr_img` -> `lr_img`)."""
    prefix = f"{name}_"
    return {key[len(prefix) :]: value for key, value in p.items() if key.startswith(prefix)}
