"""Differentiable Siamese Augmentation (DSA; Zhao & Bilen, ICML 2021) on plain torch ops.

Distillation backpropagates through augmentation into the synthetic images, so every op is
differentiable in the images. Sampling is separate from applying: one `AugParams` can be
applied to a real and a synthetic batch ("Siamese": both see the same transform), and a
seed makes a call repeatable. Random numbers are drawn on the CPU and then moved, so a seed
gives the same transform on every device. Geometric ops are one batched `affine_grid` +
`grid_sample`; there is no per-image Python loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

OPS = ("color", "crop", "cutout", "flip", "scale", "rotate")


def parse_strategy(strategy: str | Sequence[str]) -> tuple[str, ...]:
    """Accept the official underscore string ("color_crop_cutout") or a sequence of ops."""
    ops = (
        tuple(op for op in strategy.split("_") if op)
        if isinstance(strategy, str)
        else tuple(strategy)
    )
    for op in ops:
        if op not in OPS:
            raise ValueError(f"unknown augmentation {op!r}; allowed: {', '.join(OPS)}")
    return ops


@dataclass(frozen=True)
class DSAConfig:
    """Ops and strengths; the defaults are the official DSA/MTT ones."""

    strategy: tuple[str, ...] = OPS
    mode: Literal["single", "all"] = "single"  # single: one random op per call (DSA's 'S')
    flip: bool = True  # horizontal flips; turn off for digits
    brightness: float = 1.0  # added offset in [-0.5, 0.5] * brightness
    saturation: float = 2.0  # channel-spread factor in [0, saturation]
    contrast: float = 0.5  # factor in [contrast, contrast + 1]
    crop: float = 0.125  # shift up to this fraction of the side
    cutout: float = 0.5  # side of the zeroed square, as a fraction of the image side
    scale: float = 1.2  # per-axis factor in [1/scale, scale]
    rotate: float = 15.0  # degrees, in [-rotate, rotate]

    @property
    def active_ops(self) -> tuple[str, ...]:
        return tuple(op for op in parse_strategy(self.strategy) if op != "flip" or self.flip)


@dataclass(frozen=True)
class AugParams:
    """Sampled randomness for one call: the ops applied, in order, and their per-sample
    numbers (first dimension = batch)."""

    ops: tuple[str, ...]
    values: dict[str, Tensor] = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        return min((len(v) for v in self.values.values()), default=0)

    def take(self, n: int) -> AugParams:
        """The transforms of the first `n` samples (for a smaller batch that must match)."""
        return AugParams(self.ops, {name: value[:n] for name, value in self.values.items()})

    def to(self, device: torch.device) -> AugParams:
        return AugParams(self.ops, {name: value.to(device) for name, value in self.values.items()})


# ----------------------------------------------------------------------------- sampling


def sample_params(
    config: DSAConfig, batch_size: int, generator: torch.Generator | None = None
) -> AugParams:
    ops = config.active_ops
    if config.mode == "single" and ops:
        ops = (ops[int(torch.randint(len(ops), (1,), generator=generator))],)
    values: dict[str, Tensor] = {}
    for op in ops:
        values.update(_SAMPLERS[op](config, batch_size, generator))
    return AugParams(ops, values)


def _uniform(n: int, low: float, high: float, generator: torch.Generator | None) -> Tensor:
    return torch.rand(n, generator=generator) * (high - low) + low


def _sample_color(config, n, generator):
    return {
        "brightness": _uniform(n, -0.5 * config.brightness, 0.5 * config.brightness, generator),
        "saturation": _uniform(n, 0.0, config.saturation, generator),
        "contrast": _uniform(n, config.contrast, config.contrast + 1.0, generator),
    }


def _sample_crop(config, n, generator):
    # Shift as a fraction of the side; rounded to whole pixels when applied.
    return {"shift": _uniform(2 * n, -config.crop, config.crop, generator).view(n, 2)}


def _sample_cutout(config, n, generator):
    return {"cutout_centre": torch.rand(n, 2, generator=generator)}


def _sample_flip(config, n, generator):
    return {"flip": torch.rand(n, generator=generator) < 0.5}


def _sample_scale(config, n, generator):
    return {"scale": _uniform(2 * n, 1 / config.scale, config.scale, generator).view(n, 2)}


def _sample_rotate(config, n, generator):
    return {"angle": _uniform(n, -config.rotate, config.rotate, generator) * math.pi / 180}


_SAMPLERS = {
    "color": _sample_color,
    "crop": _sample_crop,
    "cutout": _sample_cutout,
    "flip": _sample_flip,
    "scale": _sample_scale,
    "rotate": _sample_rotate,
}


# ----------------------------------------------------------------------------- applying


def apply_params(x: Tensor, params: AugParams, config: DSAConfig) -> Tensor:
    """Apply sampled transforms to a batch of NCHW images (its first rows if it is smaller)."""
    if params.batch_size < len(x) and params.ops:
        raise ValueError(f"params sampled for {params.batch_size} images, batch has {len(x)}")
    values = params.take(len(x)).to(x.device).values
    for op in params.ops:
        x = _APPLIERS[op](x, values, config)
    return x


def _per_sample(value: Tensor) -> Tensor:
    return value.view(-1, 1, 1, 1)


def _apply_color(x, values, config):
    x = x + _per_sample(values["brightness"])
    if x.shape[1] > 1:  # saturation is meaningless on one channel
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * _per_sample(values["saturation"]) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _per_sample(values["contrast"]) + mean


def _apply_crop(x, values, config):
    size = torch.tensor([x.shape[3], x.shape[2]], device=x.device, dtype=x.dtype)
    pixels = torch.round(values["shift"] * size)  # whole-pixel shifts, as the official crop
    eye = torch.eye(2, device=x.device, dtype=x.dtype).expand(len(x), 2, 2)
    # In align_corners=True grid units one pixel is 2 / (side - 1).
    return _warp(x, eye, pixels * 2 / (size - 1))


def _apply_cutout(x, values, config):
    height, width = x.shape[2], x.shape[3]
    side_h, side_w = round(height * config.cutout), round(width * config.cutout)
    top = (values["cutout_centre"][:, 0] * height).long() - side_h // 2
    left = (values["cutout_centre"][:, 1] * width).long() - side_w // 2
    rows = torch.arange(height, device=x.device).view(1, -1, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, -1)
    inside = (rows >= top.view(-1, 1, 1)) & (rows < (top + side_h).view(-1, 1, 1))
    inside = inside & (cols >= left.view(-1, 1, 1)) & (cols < (left + side_w).view(-1, 1, 1))
    return x * (~inside).unsqueeze(1).to(x.dtype)


def _apply_flip(x, values, config):
    return torch.where(_per_sample(values["flip"]), x.flip(3), x)


def _apply_scale(x, values, config):
    return _warp(x, torch.diag_embed(values["scale"].to(x.dtype)), None)


def _apply_rotate(x, values, config):
    cos, sin = torch.cos(values["angle"]).to(x.dtype), torch.sin(values["angle"]).to(x.dtype)
    rotation = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
    return _warp(x, rotation, None)


def _warp(x: Tensor, linear: Tensor, translation: Tensor | None) -> Tensor:
    """Resample x through the affine map [linear | translation] (zeros outside)."""
    if translation is None:
        translation = torch.zeros(len(x), 2, device=x.device, dtype=x.dtype)
    theta = torch.cat([linear, translation.unsqueeze(-1)], dim=-1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, align_corners=True)


_APPLIERS = {
    "color": _apply_color,
    "crop": _apply_crop,
    "cutout": _apply_cutout,
    "flip": _apply_flip,
    "scale": _apply_scale,
    "rotate": _apply_rotate,
}


# ----------------------------------------------------------------------------- front door


class DiffAugment:
    """`aug(x, seed=s)`: sample and apply; the same seed gives the same output.
    `params = aug.sample(n, seed=s)` then `aug(real, params=params)` and `aug(syn,
    params=params)` applies one transform to two batches. `DiffAugment(None)` is identity."""

    def __init__(self, config: DSAConfig | None = DSAConfig()):
        self.config = config if config is not None and config.active_ops else None

    def sample(
        self, batch_size: int, *, seed: int | None = None, generator: torch.Generator | None = None
    ) -> AugParams:
        if self.config is None:
            return AugParams(())
        if generator is None and seed is not None:
            generator = torch.Generator().manual_seed(seed)
        return sample_params(self.config, batch_size, generator)

    def __call__(
        self,
        x: Tensor,
        *,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        params: AugParams | None = None,
    ) -> Tensor:
        if self.config is None:
            return x
        if params is None:
            params = self.sample(len(x), seed=seed, generator=generator)
        return apply_params(x, params, self.config)

    def __repr__(self) -> str:
        return f"DiffAugment({self.config})"
