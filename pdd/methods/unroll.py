"""The unrolled student of trajectory matching: N SGD steps on synthetic mini-batches from an
expert's parameters, differentiable in the synthetic pool and in the step size.

Two formulations give the same gradients (up to float rounding):

- `graph` (MTT's own): each step's gradient is taken with `create_graph=True` and the whole
  chain stays alive until the matching loss is backpropagated, so memory grows with
  N × (one step's forward and backward graph). Fastest when it fits.
- `adjoint`: the forward pass keeps only the N parameter vectors θ_0 … θ_{N-1}; the backward
  pass walks the steps in reverse, rebuilding one step's graph at a time and carrying the
  adjoint λ_k = ∂L/∂θ_k. With θ_{k+1} = θ_k − α g_k(θ_k, x):
      λ_k = λ_{k+1} − α (∂g_k/∂θ_k)ᵀ λ_{k+1}
      ∂L/∂x += −α (∂g_k/∂x)ᵀ λ_{k+1}
      ∂L/∂α += −g_kᵀ λ_{k+1}
  This is exact reverse-mode through the optimiser (not TESLA's approximation): memory is
  one step's graph plus N·P floats, time is one extra forward and backward per step.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

UNROLLS = ("graph", "adjoint")
# (theta, pool, step) -> the student's loss on step `step`'s mini-batch of `pool`. It must be
# a pure function of its arguments: the adjoint pass calls it again for every step.
StepLoss = Callable[[Tensor, Tensor, int], Tensor]


def unroll(
    step_loss: StepLoss, start: Tensor, pool: Tensor, lr: Tensor, steps: int, *, mode: str
) -> Tensor:
    """θ_N after `steps` SGD steps of size `lr` from `start`; differentiable in pool and lr."""
    if mode == "graph":
        return _unroll_graph(step_loss, start, pool, lr, steps)
    if mode == "adjoint":
        return _AdjointUnroll.apply(pool, lr, start, step_loss, steps)
    raise ValueError(f"unknown unroll {mode!r}; allowed: {', '.join(UNROLLS)}")


def _unroll_graph(step_loss: StepLoss, start: Tensor, pool: Tensor, lr: Tensor, steps: int):
    theta = start.clone().requires_grad_(True)
    for step in range(steps):
        (grad,) = torch.autograd.grad(step_loss(theta, pool, step), theta, create_graph=True)
        theta = theta - lr * grad
    return theta


class _AdjointUnroll(torch.autograd.Function):
    @staticmethod
    def forward(ctx, pool, lr, start, step_loss, steps):
        theta, visited = start.detach(), []
        for step in range(steps):
            visited.append(theta)
            with torch.enable_grad():
                leaf = theta.detach().requires_grad_(True)
                (grad,) = torch.autograd.grad(step_loss(leaf, pool.detach(), step), leaf)
            theta = theta - lr.detach() * grad
        ctx.step_loss, ctx.steps = step_loss, steps
        ctx.save_for_backward(pool, lr, torch.stack(visited))
        return theta

    @staticmethod
    def backward(ctx, adjoint):
        pool, lr, visited = ctx.saved_tensors
        alpha = lr.detach()
        pool_grad, lr_grad = torch.zeros_like(pool), torch.zeros_like(lr)
        for step in reversed(range(ctx.steps)):
            with torch.enable_grad():
                theta = visited[step].detach().requires_grad_(True)
                x = pool.detach().requires_grad_(True)
                loss = ctx.step_loss(theta, x, step)
                (grad,) = torch.autograd.grad(loss, theta, create_graph=True)
                along = (grad * adjoint).sum()  # g_kᵀ λ_{k+1}
                theta_grad, x_grad = torch.autograd.grad(along, (theta, x), allow_unused=True)
            lr_grad -= along.detach()
            if x_grad is not None:
                pool_grad -= alpha * x_grad
            if theta_grad is not None:
                adjoint = adjoint - alpha * theta_grad
        return pool_grad, lr_grad, adjoint, None, None
