"""Expert trajectories: one flattened parameter snapshot per epoch, stored one file per
expert, written atomically and read back with `torch.load(weights_only=True)`.

A flat vector keeps a trajectory one dense (epochs+1, P) tensor; `unflatten` turns a row
back into the name -> tensor dict that `torch.func.functional_call` takes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from pdd.infra import checkpoint


def flatten_params(model: nn.Module) -> Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).cpu()


def param_layout(model: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    return [(name, tuple(p.shape)) for name, p in model.named_parameters()]


def unflatten(flat: Tensor, layout: list[tuple[str, tuple[int, ...]]]) -> dict[str, Tensor]:
    """Split a flat vector into named views shaped like the model's parameters."""
    sizes = [int(torch.Size(shape).numel()) for _, shape in layout]
    if sum(sizes) != flat.numel():
        raise ValueError(f"flat vector has {flat.numel()} entries, layout needs {sum(sizes)}")
    pieces = torch.split(flat, sizes)
    return {name: piece.view(shape) for (name, shape), piece in zip(layout, pieces, strict=True)}


def load_flat(model: nn.Module, flat: Tensor) -> nn.Module:
    """Copy a flat snapshot into `model`'s parameters (in place) and return the model."""
    with torch.no_grad():
        for parameter, value in zip(
            model.parameters(), unflatten(flat, param_layout(model)).values(), strict=True
        ):
            parameter.copy_(value)
    return model


@dataclass
class Trajectory:
    """Snapshots of one expert: `params[e]` after e epochs (row 0 = the start point)."""

    params: Tensor
    layout: list[tuple[str, tuple[int, ...]]]
    seed: int
    complete: bool = False
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        return len(self.params) - 1

    def save(self, path: Path) -> None:
        payload = {
            "params": self.params.contiguous(),
            "layout_names": [name for name, _ in self.layout],
            "layout_shapes": [list(shape) for _, shape in self.layout],
            "seed": self.seed,
            "complete": self.complete,
            "metrics": dict(self.metrics),
        }
        checkpoint.save(payload, path)

    @classmethod
    def load(cls, path: Path) -> Trajectory:
        return cls._from_payload(checkpoint.load(path))

    @classmethod
    def _from_payload(cls, payload: dict) -> Trajectory:
        layout = [
            (name, tuple(shape))
            for name, shape in zip(payload["layout_names"], payload["layout_shapes"], strict=True)
        ]
        return cls(
            payload["params"], layout, payload["seed"], payload["complete"], payload["metrics"]
        )

    @classmethod
    def load_or_none(cls, path: Path) -> Trajectory | None:
        """A readable checkpoint, or None (with a warning) if it is truncated or foreign."""
        payload = checkpoint.load_or_none(path)
        if payload is None:
            return None
        try:
            return cls._from_payload(payload)
        except (KeyError, TypeError, ValueError) as error:
            warnings.warn(f"{path}: not an expert trajectory, ignored ({error!r})", stacklevel=2)
            return None
