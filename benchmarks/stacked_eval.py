"""K evaluation networks trained at once (`torch.func`: the K parameter sets stacked, one
vmapped forward and backward per step) against the same K trained one after another.

    python -m benchmarks.stacked_eval --device cuda --out reports/gpu/stacked_eval.json

Both ways train the same K ConvNets (their own initialisations and batch orders) with SGD,
momentum and weight decay on a set of `--ipc` images per class of the dataset's shape, then
score them on `--test` images; the result gives seconds for each way, the speed-up, and the
largest difference between the two ways' final weights (float rounding only: the stacked
step computes the same sums in another order). On a GPU a small network's step is a few
kernel launches, so stacking K of them is the main lever; on the 2-core CPU the
convolutions are compute-bound and stacking gains nothing at 100 images per network
(measured there: 0.54x), so a CPU run of this script only checks that it works.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, grad, stack_module_state, vmap

from pdd.core.models import get_model
from pdd.infra import machine
from pdd.infra.runtime import derive_seed

SHAPES = {"mnist": (1, 28), "cifar10": (3, 32)}


def networks(k: int, shape: str, width: int, device: torch.device) -> list[nn.Module]:
    channels, size = SHAPES[shape]
    return [
        get_model("convnet", in_channels=channels, num_classes=10, image_size=size, width=width,
                  norm="instance", seed=derive_seed(0, "stacked", i)).to(device)
        for i in range(k)
    ]  # fmt: skip


def orders(k: int, n: int, epochs: int, device: torch.device) -> Tensor:
    """Each network's batch order: [K, epochs, n] permutations from its own seed."""
    return torch.stack(
        [
            torch.stack([torch.randperm(n, generator=torch.Generator().manual_seed(
                derive_seed(i, "order", epoch))) for epoch in range(epochs)])
            for i in range(k)
        ]
    ).to(device)  # fmt: skip


def train_sequential(models, images, labels, order, args) -> list[dict[str, Tensor]]:
    states = []
    for model, model_order in zip(models, order, strict=True):
        optimizer = torch.optim.SGD(
            model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay
        )
        for epoch_order in model_order:
            for start in range(0, len(images), args.batch):
                batch = epoch_order[start : start + args.batch]
                loss = F.cross_entropy(model(images[batch]), labels[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        states.append({name: p.detach().clone() for name, p in model.named_parameters()})
    return states


def train_stacked(models, images, labels, order, args) -> list[dict[str, Tensor]]:
    """The same SGD (PyTorch's momentum form) on all K networks in one vmapped step."""
    params, buffers = stack_module_state(models)
    template = copy.deepcopy(models[0]).to("meta")

    def loss_of(p, b, x, y):
        return F.cross_entropy(functional_call(template, (p, b), (x,)), y)

    step_grads = vmap(grad(loss_of))
    velocity: dict[str, Tensor] = {}
    for epoch in range(order.shape[1]):
        for start in range(0, len(images), args.batch):
            batch = order[:, epoch, start : start + args.batch]  # [K, b]
            grads = step_grads(params, buffers, images[batch], labels[batch])
            with torch.no_grad():
                for name, value in params.items():
                    g = grads[name] + args.weight_decay * value
                    if name in velocity:
                        velocity[name].mul_(0.9).add_(g)
                    else:  # PyTorch's first momentum step: the buffer is the gradient
                        velocity[name] = g.clone()
                    value.sub_(args.lr * velocity[name])
    return [{name: value[i].detach().clone() for name, value in params.items()}
            for i in range(len(models))]  # fmt: skip


def timed(fn, device: torch.device) -> tuple[float, object]:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    result = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started, result


def measure(k: int, args: argparse.Namespace, device: torch.device) -> dict:
    channels, size = SHAPES[args.shape]
    n = 10 * args.ipc
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(n, channels, size, size, generator=generator).to(device)
    labels = torch.arange(10).repeat_interleave(args.ipc).to(device)
    order = orders(k, n, args.epochs, device)
    seconds_one, one_by_one = timed(
        lambda: train_sequential(networks(k, args.shape, args.width, device), images, labels,
                                 order, args), device)  # fmt: skip
    seconds_all, at_once = timed(
        lambda: train_stacked(networks(k, args.shape, args.width, device), images, labels,
                              order, args), device)  # fmt: skip
    difference = max(
        (a[name] - b[name]).abs().max().item()
        for a, b in zip(one_by_one, at_once, strict=True)
        for name in a
    )
    return {
        "networks": k,
        "images_per_network": n,
        "sequential_s": round(seconds_one, 3),
        "stacked_s": round(seconds_all, 3),
        "speedup": round(seconds_one / seconds_all, 2),
        "max_weight_difference": difference,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="cifar10")
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--networks", type=int, nargs="+", default=[1, 5, 10, 25])
    parser.add_argument("--ipc", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = [measure(k, args, device) for k in args.networks]
    for row in rows:
        print(row, flush=True)
    result = {
        "command": "python -m benchmarks.stacked_eval " + " ".join(argv or sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
