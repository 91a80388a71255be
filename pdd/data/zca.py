"""ZCA whitening, as MTT applies it on CIFAR: fitted on the training split only, stored
as plain tensors so it travels with a synthetic set (`torch.load(weights_only=True)`)."""

from __future__ import annotations

import torch
from torch import Tensor


class ZCA:
    def __init__(self, mean: Tensor, whiten: Tensor, unwhiten: Tensor):
        self.mean, self.whiten, self.unwhiten = mean, whiten, unwhiten

    @classmethod
    def fit(cls, x: Tensor, regularization: float = 0.1) -> ZCA:
        """W = U diag(1/sqrt(S + eps)) Uᵀ from the covariance of flattened, centred images."""
        flat = x.flatten(1).double()
        mean = flat.mean(dim=0)
        centred = flat - mean
        covariance = centred.T @ centred / len(flat)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        scale = (eigenvalues + regularization).rsqrt()
        whiten = eigenvectors @ torch.diag(scale) @ eigenvectors.T
        unwhiten = eigenvectors @ torch.diag(1 / scale) @ eigenvectors.T
        return cls(mean.float(), whiten.float(), unwhiten.float())

    def transform(self, x: Tensor) -> Tensor:
        flat = x.flatten(1) - self.mean.to(x.device)
        return (flat @ self.whiten.to(x.device)).view_as(x)

    def inverse(self, x: Tensor) -> Tensor:
        flat = x.flatten(1) @ self.unwhiten.to(x.device)
        return (flat + self.mean.to(x.device)).view_as(x)

    def state_dict(self) -> dict[str, Tensor]:
        return {"mean": self.mean, "whiten": self.whiten, "unwhiten": self.unwhiten}

    @classmethod
    def from_state_dict(cls, state: dict[str, Tensor]) -> ZCA:
        return cls(state["mean"], state["whiten"], state["unwhiten"])
