"""Pieces shared by the methods that match real and synthetic data through a network
(DC, DSA, IDC, DM): per-class real batches, the synthetic pool (frozen earlier stages plus
this stage's decoded images), and the matching network, which starts from a fresh random
initialisation or, in progressive stages, from parameters trained on the earlier union."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from pdd.core.trajectory import load_flat
from pdd.data.splits import sample_per_class
from pdd.infra.runtime import derive_seed


def real_class_batches(real_y: Tensor, per_class: int, seed: int) -> list[Tensor]:
    """For every class, `per_class` random indices into the real training split."""
    picked = sample_per_class(real_y.cpu(), per_class, torch.Generator().manual_seed(seed))
    return list(picked.to(real_y.device).split(per_class))


def pool(
    frozen_x: Tensor, frozen_y: Tensor, decoded_x: Tensor, decoded_y: Tensor
) -> tuple[Tensor, Tensor]:
    """Earlier stages first, then this stage's (differentiable) training images."""
    return torch.cat([frozen_x, decoded_x]), torch.cat([frozen_y, decoded_y])


class MatchingNet:
    """The network a method matches through, with its own SGD state; a checkpoint companion
    (so a resumed run continues with the same network, not a fresh one)."""

    def __init__(
        self,
        make_model: Callable[[int], nn.Module],
        starts: list[Tensor],
        lr: float,
        seed: int,
    ):
        self.make_model, self.starts, self.lr, self.seed = make_model, starts, lr, seed
        self.model: nn.Module | None = None
        self.optimizer: torch.optim.Optimizer | None = None

    def reset(self, window: int) -> nn.Module:
        """Network number `window`: random, or one of the given starts (chosen by seed)."""
        seed = derive_seed(self.seed, "net", window)
        model = self.make_model(seed)
        if self.starts:
            pick = torch.randint(
                len(self.starts), (1,), generator=torch.Generator().manual_seed(seed)
            )
            load_flat(model, self.starts[int(pick)].to(next(model.parameters()).device))
        self._use(model)
        return model

    def _use(self, model: nn.Module) -> None:
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=self.lr, momentum=0.5)

    def train_on(self, x: Tensor, y: Tensor, steps: int, batch: int, seed: int) -> None:
        """`steps` SGD steps on mini-batches of (x, y); the data is not learnt through."""
        generator = torch.Generator().manual_seed(seed)
        x, y = x.detach(), y.detach()
        for _ in range(steps):
            index = torch.randperm(len(x), generator=generator)[:batch].to(x.device)
            loss = nn.functional.cross_entropy(self.model(x[index]), y[index])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    def state_dict(self) -> dict[str, Any]:
        if self.model is None:
            return {}
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not state:
            return
        model = self.make_model(0)
        model.load_state_dict(state["model"])
        self._use(model)
        self.optimizer.load_state_dict(state["optimizer"])


def embedder(model: nn.Module) -> Callable[[Tensor], Tensor]:
    """x -> the features the classifier head sees (every project model ends in
    `classifier`), captured with a forward pre-hook so no model needs an `embed` method."""
    captured: list[Tensor] = []
    model.classifier.register_forward_pre_hook(lambda module, args: captured.append(args[0]))

    def embed(x: Tensor) -> Tensor:
        captured.clear()
        model(x)
        return captured[0].flatten(1)

    return embed
