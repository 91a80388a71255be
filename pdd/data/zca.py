"""ZCA whitening as MTT applies it on CIFAR (kornia's ZCAWhitening with eps=0.1): on the
flattened, mean-centred images, W = U diag(1/sqrt(S + eps)) Uᵀ where U S Uᵀ is the
(unbiased) covariance. Unlike PCA whitening, ZCA rotates back, so whitened images still
look like images (with edges emphasised). Fitted on the training split only, and stored as
plain tensors so it travels with a synthetic set and loads with weights_only=True."""

from __future__ import annotations

import torch
from torch import Tensor

FIT_CHUNK = 4096  # rows per step, so fitting never holds a float64 copy of the whole set


class ZCA:
    def __init__(self, mean: Tensor, whiten: Tensor, unwhiten: Tensor):
        self.mean, self.whiten, self.unwhiten = mean, whiten, unwhiten

    @classmethod
    def fit(cls, x: Tensor, regularization: float = 0.1) -> ZCA:
        """Fit on images (N, C, H, W); statistics accumulate in float64 for stability."""
        flat = x.flatten(1)
        n, d = flat.shape
        if n < 2:
            raise ValueError(f"ZCA needs at least 2 examples, got {n}")
        mean = torch.zeros(d, dtype=torch.float64, device=x.device)
        for start in range(0, n, FIT_CHUNK):
            mean += flat[start : start + FIT_CHUNK].double().sum(dim=0)
        mean /= n
        covariance = torch.zeros(d, d, dtype=torch.float64, device=x.device)
        for start in range(0, n, FIT_CHUNK):
            centred = flat[start : start + FIT_CHUNK].double() - mean
            covariance += centred.T @ centred
        covariance /= n - 1
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        eigenvalues = eigenvalues.clamp_min(0) + regularization  # rounding can go below 0
        # U diag(s) Uᵀ without building diag(s): scale U's columns, then multiply by Uᵀ.
        whiten = (eigenvectors * eigenvalues.rsqrt()) @ eigenvectors.T
        unwhiten = (eigenvectors * eigenvalues.sqrt()) @ eigenvectors.T
        return cls(mean.float(), whiten.float(), unwhiten.float())

    def transform(self, x: Tensor) -> Tensor:
        """Whiten images (N, C, H, W) with the fitted statistics."""
        flat = x.flatten(1) - self.mean.to(x)
        return (flat @ self.whiten.to(x)).view_as(x)

    def inverse(self, x: Tensor) -> Tensor:
        """Undo `transform` (for showing whitened images, e.g. synthetic sets)."""
        flat = x.flatten(1) @ self.unwhiten.to(x)
        return (flat + self.mean.to(x)).view_as(x)

    def to(self, device: str | torch.device) -> ZCA:
        return ZCA(self.mean.to(device), self.whiten.to(device), self.unwhiten.to(device))

    def state_dict(self) -> dict[str, Tensor]:
        """CPU tensors, so a saved file loads on any machine."""
        return {
            "mean": self.mean.cpu(),
            "whiten": self.whiten.cpu(),
            "unwhiten": self.unwhiten.cpu(),
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Tensor]) -> ZCA:
        return cls(state["mean"], state["whiten"], state["unwhiten"])
