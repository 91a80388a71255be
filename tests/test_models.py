"""Every network at every input size, the documented parameter counts, seeded init."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call

from pdd.core.models import MODEL_NAMES, NORMS, AvgPool2x2, count_parameters, get_model

SHAPES = [(1, 8), (3, 12), (1, 28), (3, 32), (3, 64)]  # 8, 12: a user's small images


def build(name, channels=1, size=28, **kwargs):
    return get_model(name, in_channels=channels, num_classes=10, image_size=size, **kwargs)


@pytest.mark.parametrize("channels,size", SHAPES)
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_at_every_input_size(name, channels, size):
    norm = "batch" if name.startswith("resnet") else "instance"
    model = build(name, channels, size, width=16, norm=norm, seed=0)
    logits = model(torch.randn(2, channels, size, size))
    assert logits.shape == (2, 10)
    model.eval()
    assert model(torch.randn(1, channels, size, size)).shape == (1, 10)


@pytest.mark.parametrize("size", [8, 28])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["convnet", "resnet10", "alexnet", "vgg11"])
def test_every_norm(name, norm, size):
    """Instance norm needs maps of 2x2 or more: small images keep them (no 1x1 convolutions)."""
    model = build(name, size=size, norm=norm, width=8)
    assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


@pytest.mark.parametrize(
    "size, depth", [(4, 1), (8, 2), (12, 2), (16, 3), (28, 3), (32, 3), (64, 4)]
)
def test_convnet_depth_follows_the_image_size(size, depth):
    model = build("convnet", 1, size, width=4)
    assert sum(isinstance(m, AvgPool2x2) for m in model.modules()) == depth


@pytest.mark.parametrize(
    "channels,size,width,expected",
    [(1, 28, 128, 308_746), (3, 32, 128, 320_010), (1, 28, 32, 21_898), (3, 32, 32, 24_714)],
)
def test_convnet_parameter_counts(channels, size, width, expected):
    assert count_parameters(build("convnet", channels, size, width=width)) == expected


def test_default_depth_handles_64px():
    model = build("convnet", 3, 64, width=8)
    assert sum(isinstance(m, AvgPool2x2) for m in model.modules()) == 4


def test_same_seed_same_weights_other_seed_differs():
    first, second, other = (build("convnet", width=8, seed=s) for s in (1, 1, 2))
    pairs = zip(first.parameters(), second.parameters(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert not torch.equal(first.classifier.weight, other.classifier.weight)


def test_seeded_init_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    build("convnet", width=8, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())


def test_functional_call_matches_the_module():
    model = build("convnet", width=8, seed=0)
    x = torch.randn(3, 1, 28, 28)
    params = {name: p.detach().clone() for name, p in model.named_parameters()}
    assert torch.allclose(functional_call(model, params, (x,)), model(x))


@pytest.mark.parametrize("bad", [{"name": "transformer"}, {"name": "convnet", "norm": "layer"}])
def test_unknown_names_list_the_allowed_ones(bad):
    with pytest.raises(ValueError, match="allowed"):
        get_model(in_channels=1, num_classes=10, image_size=28, **bad)


@pytest.mark.parametrize("size", [28, 7, 5])
def test_the_pooling_of_convnet_is_avg_pool_2x2(size):
    x = torch.randn(3, 4, size, size, dtype=torch.float64, requires_grad=True)
    ours, theirs = AvgPool2x2()(x), torch.nn.functional.avg_pool2d(x, 2)
    assert ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-12)
    (grad_ours,) = torch.autograd.grad(ours.square().sum(), x)
    (grad_theirs,) = torch.autograd.grad(theirs.square().sum(), x)
    assert torch.allclose(grad_ours, grad_theirs, atol=1e-12)
