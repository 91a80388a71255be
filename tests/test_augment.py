"""DSA: repeatable with a seed, Siamese across batches, differentiable (also twice)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from pdd.core.augment import OPS, AugParams, DiffAugment, DSAConfig, apply_params, parse_strategy


def images(n=8, channels=3, size=16, seed=0):
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed))


def test_same_seed_same_output_other_seed_differs():
    augment, x = DiffAugment(DSAConfig(mode="all")), images()
    assert torch.equal(augment(x, seed=3), augment(x, seed=3))
    assert not torch.equal(augment(x, seed=3), augment(x, seed=4))


def test_siamese_params_give_one_transform_to_two_batches():
    augment, real, synthetic = DiffAugment(DSAConfig(mode="all")), images(8), images(8, seed=1)
    params = augment.sample(8, seed=7)
    assert torch.equal(augment(real, params=params), augment(real.clone(), params=params))
    # A smaller batch gets the transforms of the first rows.
    assert torch.equal(augment(synthetic, params=params)[:3], augment(synthetic[:3], params=params))


@pytest.mark.parametrize("op", OPS)
def test_each_op_keeps_shape_and_passes_gradients(op):
    x = images().requires_grad_(True)
    out = DiffAugment(DSAConfig(strategy=(op,)))(x, seed=1)
    assert out.shape == x.shape and out.dtype == x.dtype
    out.pow(2).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_second_order_gradients_through_augmentation():
    x = images(4, 1, 12).requires_grad_(True)
    weight = torch.randn(4, 1, 3, 3, requires_grad=True)
    augmented = DiffAugment(DSAConfig(mode="all"))(x, seed=0)
    loss = F.conv2d(augmented, weight).pow(2).mean()
    (grad_w,) = torch.autograd.grad(loss, weight, create_graph=True)
    (grad_x,) = torch.autograd.grad(grad_w.pow(2).sum(), x)
    assert torch.isfinite(grad_x).all() and grad_x.abs().sum() > 0


def test_flip_disabled_never_flips():
    config = DSAConfig(strategy=("flip",), flip=False)
    x = images()
    assert all(torch.equal(DiffAugment(config)(x, seed=s), x) for s in range(5))


def test_identity_paths():
    x = images()
    assert DiffAugment(None)(x) is x
    assert DiffAugment(DSAConfig(strategy=()))(x, seed=0) is x


def test_zero_rotation_and_unit_scale_are_identity():
    x, config = images(2), DSAConfig()
    rotate = AugParams(("rotate",), {"angle": torch.zeros(2)})
    scale = AugParams(("scale",), {"scale": torch.ones(2, 2)})
    assert torch.allclose(apply_params(x, rotate, config), x, atol=1e-5)
    assert torch.allclose(apply_params(x, scale, config), x, atol=1e-5)


def test_crop_shifts_by_whole_pixels():
    x = torch.arange(16.0 * 16).view(1, 1, 16, 16)
    shift = AugParams(("crop",), {"shift": torch.tensor([[1 / 16, 0.0]])})
    out = apply_params(x, shift, DSAConfig())
    assert torch.allclose(out[0, 0, :, :-1], x[0, 0, :, 1:], atol=1e-4)


def test_cutout_zeroes_a_square_of_half_the_side():
    x = torch.ones(1, 1, 16, 16)
    cut = AugParams(("cutout",), {"cutout_centre": torch.tensor([[0.5, 0.5]])})
    out = apply_params(x, cut, DSAConfig())
    assert int((out == 0).sum()) == 8 * 8


def test_params_for_fewer_images_than_the_batch_are_refused():
    params = DiffAugment(DSAConfig(strategy=("flip",))).sample(2, seed=0)
    with pytest.raises(ValueError, match="sampled for 2"):
        DiffAugment(DSAConfig(strategy=("flip",)))(images(4), params=params)


def test_parse_strategy():
    assert parse_strategy("color_crop") == ("color", "crop")
    with pytest.raises(ValueError, match="warp"):
        parse_strategy("color_warp")
