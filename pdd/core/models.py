"""The dataset-distillation literature's networks, behind one factory `get_model`.

ConvNet is the workhorse of MTT/DC/DM/IDC/PDD; ResNet-10/18, AlexNet and VGG-11 serve the
cross-architecture tables. "instance" norm is GroupNorm with one group per channel, as MTT
implements it: it has no running buffers, so trajectory matching can run a network purely
from a list of parameters (torch.func.functional_call).

Parameter counts (10 classes; measured with `count_parameters`):

| model | 28×28×1 | 32×32×3 | 64×64×3 |
|---|---|---|---|
| convnet (width 128; depth 3, 4 at 64 px) | 308,746 | 320,010 | 467,850 |
| convnet (width 32, the CPU default) | 21,898 | 24,714 | — |
| resnet10 (batch norm) | 4,902,090 | 4,903,242 | 4,903,242 |
| resnet18 (batch norm) | 11,172,810 | 11,173,962 | 11,173,962 |
| alexnet (no norm) | 1,865,802 | 1,872,202 | 1,964,362 |
| vgg11 (instance norm) | 9,229,962 | 9,231,114 | 9,246,474 |
| mlp (width 128) | 118,282 | 411,146 | 1,590,794 |
"""

from __future__ import annotations

import torch
from torch import nn

MODEL_NAMES = ("convnet", "resnet10", "resnet18", "alexnet", "vgg11", "mlp")
NORMS = ("instance", "batch", "none")


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "instance":
        return nn.GroupNorm(channels, channels, affine=True)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; allowed: {', '.join(NORMS)}")


# ----------------------------------------------------------------------------- ConvNet


class AvgPool2x2(nn.Module):
    """`nn.AvgPool2d(2)` (stride 2, odd edges dropped) as the mean of four strided slices:
    the same numbers to float rounding. PyTorch's pooling kernel took a quarter of
    ConvNet-32's time on one CPU thread; with the slices, inference ran 1.45x and training
    steps on 20 and 100 images 1.15x as fast, on 250 images 0.92x (medians of alternating
    repeats, reports/bench/README.md)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
        rows = x[..., 0:height:2, :width] + x[..., 1:height:2, :width]
        return (rows[..., 0::2] + rows[..., 1::2]) * 0.25


class ConvNet(nn.Module):
    """`depth` × [conv3×3 → norm → ReLU → avg-pool 2], then one linear layer."""

    def __init__(
        self, *, in_channels, num_classes, image_size, width=128, depth=3, norm="instance"
    ):
        super().__init__()
        layers, channels, size = [], in_channels, image_size
        for _ in range(depth):
            layers += [
                nn.Conv2d(channels, width, kernel_size=3, padding=1),
                norm_layer(norm, width),
                nn.ReLU(inplace=True),
                AvgPool2x2(),
            ]
            channels, size = width, size // 2
        if size < 1:
            raise ValueError(f"ConvNet depth {depth} is too deep for {image_size}px inputs")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(width * size * size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


def default_depth(image_size: int) -> int:
    """3 blocks for 28/32 px (MTT's ConvNet), 4 for 64 px (Tiny-ImageNet's ConvNetD4); on
    smaller images as many as leave feature maps of at least 2×2 (2 blocks for 8 px)."""
    most = 3 if image_size <= 32 else 4
    return max(1, min(most, (image_size // 2).bit_length() - 1))


# ----------------------------------------------------------------------------- ResNet


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, channels: int, stride: int, norm: str):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.norm1 = norm_layer(norm, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.norm2 = norm_layer(norm, channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False),
                norm_layer(norm, channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.norm1(self.conv1(x)))
        return torch.relu(self.norm2(self.conv2(out)) + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR-style ResNet: 3×3 stem at stride 1 and no max-pool, so 28-64 px inputs keep
    enough resolution; four stages of 64/128/256/512 channels, global average pool. A stage
    halves the maps only while they are at least 4 px, so small images (8 px) keep 2×2."""

    def __init__(self, *, in_channels, num_classes, blocks_per_stage, image_size=32, norm="batch"):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 64, 3, padding=1, bias=False),
            norm_layer(norm, 64),
            nn.ReLU(inplace=True),
        )
        stages, channels, size = [], 64, image_size
        for index, (width, blocks) in enumerate(
            zip((64, 128, 256, 512), blocks_per_stage, strict=True)
        ):
            stride = 1 if index == 0 or size < 4 else 2
            size = (size + 1) // stride  # a 3×3 convolution, padding 1
            for block in range(blocks):
                stages.append(BasicBlock(channels, width, stride if block == 0 else 1, norm))
                channels = width
        self.stages = nn.Sequential(*stages)
        self.classifier = nn.Linear(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.stages(self.stem(x))
        return self.classifier(features.mean(dim=(2, 3)))


# ----------------------------------------------------------------------------- AlexNet, VGG, MLP


class AlexNet(nn.Module):
    """The small AlexNet of the DC/MTT benchmarks: five convs (128-192-256-192-192),
    max-pools after the 1st, 2nd and 5th; padding 2 on the first conv (the benchmarks' 4
    for 28 px inputs) keeps 28, 32 and 64 px inputs valid."""

    def __init__(self, *, in_channels, num_classes, image_size, norm="none"):
        super().__init__()

        def conv(c_in: int, c_out: int, kernel: int, padding: int) -> list[nn.Module]:
            return [
                nn.Conv2d(c_in, c_out, kernel, padding=padding),
                norm_layer(norm, c_out),
                nn.ReLU(inplace=True),
            ]

        first_padding = 4 if image_size == 28 else 2
        self.features = nn.Sequential(
            *conv(in_channels, 128, 5, first_padding),
            nn.MaxPool2d(2),
            *conv(128, 192, 5, 2),
            nn.MaxPool2d(2),
            *conv(192, 256, 3, 1),
            *conv(256, 192, 3, 1),
            *conv(192, 192, 3, 1),
            nn.MaxPool2d(2),
        )
        size = (image_size + 2 * first_padding - 4) // 8
        self.classifier = nn.Linear(192 * size * size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


VGG11_LAYOUT = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


class VGG11(nn.Module):
    """VGG-11 with a norm after every conv. 28 px inputs are padded to 32 by the first conv
    (padding 3), so all five max-pools fit; the classifier is one linear layer on 512·s².
    On small images (8 px) a pool that would leave the next convolutions 1×1 is skipped."""

    def __init__(self, *, in_channels, num_classes, image_size, norm="instance"):
        super().__init__()
        layers, channels = [], in_channels
        size = image_size + 4 if image_size == 28 else image_size
        last_pool = len(VGG11_LAYOUT) - 1
        for index, item in enumerate(VGG11_LAYOUT):
            if item == "M":
                if size // 2 >= 2 or (index == last_pool and size >= 2):
                    layers.append(nn.MaxPool2d(2))
                    size //= 2
                continue
            padding = 3 if index == 0 and image_size == 28 else 1
            layers += [
                nn.Conv2d(channels, item, 3, padding=padding),
                norm_layer(norm, item),
                nn.ReLU(inplace=True),
            ]
            channels = item
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(512 * size * size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class MLP(nn.Module):
    """Two hidden layers of 128: a fast model for tests and a weak cross-architecture point."""

    def __init__(self, *, in_channels, num_classes, image_size, width=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * image_size * image_size, width),
            nn.ReLU(inplace=True),
            nn.Linear(width, width),
            nn.ReLU(inplace=True),
            nn.Linear(width, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ----------------------------------------------------------------------------- factory


def get_model(
    name: str,
    *,
    in_channels: int,
    num_classes: int,
    image_size: int,
    width: int = 128,
    depth: int | None = None,
    norm: str = "instance",
    seed: int | None = None,
) -> nn.Module:
    """Build a network. `width`/`depth` apply to ConvNet (width also to the MLP); ResNets,
    AlexNet and VGG have the fixed widths of the benchmarks. With `seed`, the initial
    weights depend on nothing else, so two calls with one seed give identical networks."""
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; allowed: {', '.join(MODEL_NAMES)}")
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; allowed: {', '.join(NORMS)}")
    if seed is None:
        return _build(name, in_channels, num_classes, image_size, width, depth, norm)
    with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
        torch.manual_seed(seed)
        return _build(name, in_channels, num_classes, image_size, width, depth, norm)


def _build(name, in_channels, num_classes, image_size, width, depth, norm) -> nn.Module:
    shape = {"in_channels": in_channels, "num_classes": num_classes}
    if name == "convnet":
        depth = depth or default_depth(image_size)
        return ConvNet(**shape, image_size=image_size, width=width, depth=depth, norm=norm)
    if name in ("resnet10", "resnet18"):
        blocks = (1, 1, 1, 1) if name == "resnet10" else (2, 2, 2, 2)
        return ResNet(**shape, blocks_per_stage=blocks, image_size=image_size, norm=norm)
    if name == "alexnet":
        return AlexNet(**shape, image_size=image_size, norm=norm)
    if name == "vgg11":
        return VGG11(**shape, image_size=image_size, norm=norm)
    return MLP(**shape, image_size=image_size, width=width)


def count_parameters(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())
