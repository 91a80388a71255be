"""One place that turns a method name and its settings into a `Distiller`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from torch import nn

from pdd.data import Splits
from pdd.methods import METHODS
from pdd.methods.base import Distiller
from pdd.methods.dm import DistributionMatching, DMConfig
from pdd.methods.gradient_matching import GradientMatching, MatchingConfig
from pdd.methods.mtt import MTT, MTTConfig

# name -> (augment the matched batches, train the network on, multi-formation)
GRADIENT_MATCHING = {
    "dc": (False, "synthetic", False),
    "dsa": (True, "synthetic", False),
    "idc": (True, "real", True),
}


def build_distiller(
    method: str,
    *,
    make_model: Callable[[int], nn.Module],
    data: Splits,
    mtt: MTTConfig,
    matching: dict[str, Any],
    dm: dict[str, Any],
    eval_every: int,
    checkpoint_every: int,
    scale: int = 1,
) -> Distiller:
    """`scale` multiplies the iterations (the union schedule runs stages × iterations)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    loop = {"eval_every": eval_every, "checkpoint_every": checkpoint_every}
    if method == "mtt":
        return MTT(dataclasses.replace(mtt, iterations=mtt.iterations * scale), make_model)
    if method == "dm":
        config = DMConfig(
            iterations=dm["iterations"] * scale,
            batch_real=dm["batch_real"],
            lr_img=dm["lr_img"],
            **loop,
        )
        return DistributionMatching(config, make_model, data.train_x, data.train_y)
    augmented, train_net_on, multi_formation = GRADIENT_MATCHING[method]
    config = MatchingConfig(
        iterations=matching["iterations"] * scale,
        batch_real=matching["batch_real"],
        lr_img=matching["lr_img"],
        lr_net=matching["lr_net"],
        net_steps=matching["net_steps"],
        net_batch=matching["net_batch"],
        refresh_every=matching["refresh_every"],
        train_net_on=train_net_on,
        factor=matching["idc_factor"] if multi_formation else 1,
        **loop,
    )
    return GradientMatching(method, config, make_model, data.train_x, data.train_y, augmented)
