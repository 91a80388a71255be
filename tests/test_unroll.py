"""The two unroll formulations of trajectory matching give the same θ_N and the same
gradients in the synthetic pool and the step size (exactly in float64, to rounding in
float32), with augmentation on and a frozen part of the pool."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from pdd.core.augment import DiffAugment
from pdd.core.models import get_model
from pdd.core.trajectory import flatten_params, param_layout, unflatten
from pdd.infra.runtime import derive_seed
from pdd.methods.unroll import unroll

STEPS, BATCH = 5, 6


def problem(dtype):
    model = get_model(
        "convnet", in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=1
    )
    layout = param_layout(model)
    start = flatten_params(model).to(dtype)
    generator = torch.Generator().manual_seed(0)
    frozen = torch.randn(6, 1, 8, 8, generator=generator, dtype=dtype)
    learnt = torch.randn(6, 1, 8, 8, generator=generator, dtype=dtype).requires_grad_(True)
    labels = torch.arange(3).repeat(4)
    batches = [torch.randperm(12, generator=generator)[:BATCH] for _ in range(STEPS)]
    augment = DiffAugment()

    def step_loss(theta, pool, step):
        x = augment(pool[batches[step]], seed=derive_seed(7, "dsa", step))
        logits = functional_call(model, unflatten(theta, layout), (x,))
        return F.cross_entropy(logits, labels[batches[step]])

    log_lr = torch.tensor(-2.0, dtype=dtype, requires_grad=True)
    return step_loss, start, frozen, learnt, log_lr


def end_and_grads(mode, dtype):
    step_loss, start, frozen, learnt, log_lr = problem(dtype)
    pool = torch.cat([frozen, learnt])
    theta = unroll(step_loss, start, pool, log_lr.exp(), STEPS, mode=mode)
    target = start + 0.1
    loss = (theta - target).pow(2).sum() / (start - target).pow(2).sum()
    image_grad, lr_grad = torch.autograd.grad(loss, (learnt, log_lr))
    return theta.detach(), image_grad, lr_grad


def test_adjoint_equals_graph_in_float64():
    theta_g, images_g, lr_g = end_and_grads("graph", torch.float64)
    theta_a, images_a, lr_a = end_and_grads("adjoint", torch.float64)
    assert images_g.abs().sum() > 0 and lr_g != 0  # the check is not vacuous
    torch.testing.assert_close(theta_a, theta_g, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(images_a, images_g, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(lr_a, lr_g, rtol=1e-9, atol=1e-12)


def test_adjoint_matches_graph_in_float32():
    _, images_g, lr_g = end_and_grads("graph", torch.float32)
    _, images_a, lr_a = end_and_grads("adjoint", torch.float32)
    torch.testing.assert_close(images_a, images_g, rtol=1e-3, atol=1e-5)
    torch.testing.assert_close(lr_a, lr_g, rtol=1e-3, atol=1e-5)


def test_adjoint_keeps_no_graph_of_the_steps():
    step_loss, start, frozen, learnt, log_lr = problem(torch.float32)
    pool = torch.cat([frozen, learnt])
    theta = unroll(step_loss, start, pool, log_lr.exp(), STEPS, mode="adjoint")
    # the only node between θ_N and its inputs is the adjoint's own backward
    assert type(theta.grad_fn).__name__ == "_AdjointUnrollBackward"


def test_unknown_unroll_is_refused():
    step_loss, start, _, learnt, log_lr = problem(torch.float32)
    with pytest.raises(ValueError, match="unknown unroll 'tape'"):
        unroll(step_loss, start, learnt, log_lr.exp(), STEPS, mode="tape")
