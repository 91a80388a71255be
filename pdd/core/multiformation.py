"""IDC's multi-formation (Kim et al., ICML 2022): each stored synthetic image is a
factor × factor mosaic of smaller images; training decodes it into factor² full-size
images (each tile upsampled back). The same pixel budget then holds factor² more
examples. Differentiable, so images learn through the decoding."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def decode(images: Tensor, labels: Tensor, factor: int) -> tuple[Tensor, Tensor]:
    """(n, C, H, W) mosaics -> (n·factor², C, H, W) images and their repeated labels.

    Tiles come out row by row; each keeps its parent's label."""
    if factor == 1:
        return images, labels
    n, channels, height, width = images.shape
    if height % factor or width % factor:
        raise ValueError(f"image size {height}x{width} is not divisible by factor {factor}")
    tile_h, tile_w = height // factor, width // factor
    tiles = (
        images.reshape(n, channels, factor, tile_h, factor, tile_w)
        .permute(0, 2, 4, 1, 3, 5)
        .reshape(n * factor * factor, channels, tile_h, tile_w)
    )
    upsampled = F.interpolate(tiles, size=(height, width), mode="bilinear", align_corners=False)
    return upsampled, labels.repeat_interleave(factor * factor)


def encode_from_real(images: Tensor, factor: int) -> Tensor:
    """A mosaic initialisation: factor² real images (n·factor², C, H, W) shrunk into n tiles
    (IDC initialises its mosaics from downsampled real images)."""
    if factor == 1:
        return images
    total, channels, height, width = images.shape
    n = total // (factor * factor)
    small = F.interpolate(
        images[: n * factor * factor], size=(height // factor, width // factor), mode="area"
    )
    return (
        small.reshape(n, factor, factor, channels, height // factor, width // factor)
        .permute(0, 3, 1, 4, 2, 5)
        .reshape(n, channels, height, width)
    )
