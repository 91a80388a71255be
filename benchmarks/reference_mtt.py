"""MTT's official formulation of one distillation iteration, rewritten here as the
benchmark's reference (not used by the pipeline).

As in the official `distill.py`: the student is one hand-flattened parameter vector that a
re-parameterised network slices into its layers at every forward; each unrolled step takes
`torch.autograd.grad(..., create_graph=True)` and appends the next vector to a list, so
every step's graph stays alive until the matching loss is backpropagated; the loss is
sum-squared parameter distance normalised by the expert's own distance.

Only ConvNet (conv → instance norm → ReLU → avg-pool, × depth, then linear) is written out,
for any width and depth, with the project's parameter order, so both formulations run
from the same flat vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


class FlatConvNet:
    """ConvNet evaluated from a flat parameter vector sliced by hand at every call."""

    def __init__(self, shapes: Sequence[tuple[int, ...]], depth: int):
        self.shapes = [tuple(shape) for shape in shapes]
        self.depth = depth

    def _slices(self, flat: Tensor) -> list[Tensor]:
        pieces, offset = [], 0
        for shape in self.shapes:
            size = int(torch.Size(shape).numel())
            pieces.append(flat[offset : offset + size].view(shape))
            offset += size
        return pieces

    def __call__(self, x: Tensor, flat: Tensor) -> Tensor:
        pieces = self._slices(flat)
        for block in range(self.depth):
            conv_w, conv_b, norm_w, norm_b = pieces[4 * block : 4 * block + 4]
            x = F.conv2d(x, conv_w, conv_b, padding=1)
            x = F.group_norm(x, x.shape[1], norm_w, norm_b)
            x = F.avg_pool2d(F.relu(x), 2)
        return F.linear(x.flatten(1), pieces[-2], pieces[-1])


def reference_iteration(
    net: FlatConvNet,
    start: Tensor,
    target: Tensor,
    pool: Tensor,
    labels: Tensor,
    syn_lr: Tensor,
    batches: Sequence[Tensor],
    augment: Callable[[Tensor, int], Tensor] | None,
) -> Tensor:
    """The normalised matching loss after len(batches) steps, graph kept for backward."""
    student_params = [start.clone().requires_grad_(True)]
    for step, batch in enumerate(batches):
        x = pool[batch]
        if augment is not None:
            x = augment(x, step)
        ce = F.cross_entropy(net(x, student_params[-1]), labels[batch])
        grad = torch.autograd.grad(ce, student_params[-1], create_graph=True)[0]
        student_params.append(student_params[-1] - syn_lr * grad)
    param_loss = F.mse_loss(student_params[-1], target, reduction="sum")
    param_dist = F.mse_loss(start, target, reduction="sum")
    return param_loss / param_dist
