"""One function builds any base method's `Distiller` from its own typed params section
(`mtt`, `matching` or `dm`) and the loop keys of `distill`."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from pdd.config.sections.distill import METHOD_SECTIONS, Distill
from pdd.config.sections.dm import DM
from pdd.config.sections.matching import Matching
from pdd.config.sections.mtt import MTT
from pdd.data.tensors import Splits
from pdd.methods.base import Distiller
from pdd.methods.dm import DistributionMatching, DMConfig
from pdd.methods.gradient_matching import VARIANTS, GradientMatching, MatchingConfig
from pdd.methods.mtt import MTT as TrajectoryMatching
from pdd.methods.mtt import MTTConfig

MethodSection = MTT | Matching | DM
SECTION_TYPES = {"mtt": MTT, "matching": Matching, "dm": DM}


def build_distiller(
    method: str,
    section: MethodSection,
    *,
    distill: Distill,
    make_model: Callable[[int], nn.Module],
    data: Splits,
    lr_init: float,
    scale: int = 1,
) -> Distiller:
    """`method` with the settings of its `section`; `lr_init`: MTT's initial step size
    (the experts' `buffers.lr_teacher`); `scale` multiplies the iterations (the union
    schedule runs stages × iterations)."""
    expected = METHOD_SECTIONS.get(method)
    if expected is None:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHOD_SECTIONS)}")
    if not isinstance(section, SECTION_TYPES[expected]):
        raise ValueError(f"method {method!r} reads the {expected!r} section")
    loop = {
        "iterations": section.iterations * scale,
        "eval_every": distill.eval_every,
        "checkpoint_every": distill.checkpoint_every,
    }
    if isinstance(section, MTT):
        return TrajectoryMatching(mtt_config(section, lr_init, **loop), make_model)
    if isinstance(section, DM):
        config = DMConfig(batch_real=section.batch_real, lr_img=section.lr_img, **loop)
        return DistributionMatching(config, make_model, data.train_x, data.train_y)
    augmented, train_net_on, multi_formation = VARIANTS[method]
    config = MatchingConfig(
        batch_real=section.batch_real,
        lr_img=section.lr_img,
        lr_net=section.lr_net,
        net_steps=section.net_steps,
        net_batch=section.net_batch,
        refresh_every=section.refresh_every,
        train_net_on=train_net_on,
        factor=section.idc_factor if multi_formation else 1,
        **loop,
    )
    return GradientMatching(method, config, make_model, data.train_x, data.train_y, augmented)


def mtt_config(
    section: MTT, lr_init: float, *, iterations: int, eval_every: int, checkpoint_every: int
) -> MTTConfig:
    """MTT's settings from its section; the step size starts at `lr_init`."""
    return MTTConfig(
        iterations=iterations,
        syn_steps=section.syn_steps,
        expert_epochs=section.expert_epochs,
        max_start_epoch=section.max_start_epoch,
        batch_syn=section.batch_syn,
        lr_img=section.lr_img,
        lr_lr=section.lr_lr,
        lr_init=lr_init,
        eval_every=eval_every,
        checkpoint_every=checkpoint_every,
        unroll=section.unroll,
    )
