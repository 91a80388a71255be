"""The training engine on one thread (what a worker process has), on random data:

    python -m benchmarks.inference --out reports/bench/inference.json

1. scoring speed of each network against the inference batch size: each (network, batch)
   scores the same images once after a warm-up; the fastest batch per network is what
   `pdd.core.train.inference_batch` should pick;
2. ConvNet-32's pooling: PyTorch's `nn.AvgPool2d(2)` against the project's `AvgPool2x2`
   (the same average as four strided slices), a training step at 20, 100 and 250 images
   and inference on 5,000, alternating the two and taking the median of `--repeats`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from pdd.core.models import AvgPool2x2, get_model
from pdd.core.train import evaluate, inference_batch
from pdd.infra import machine

NETWORKS = {"convnet": 5000, "mlp": 5000, "resnet10": 500, "resnet18": 500}  # images scored


def seconds_to_score(name: str, images: int, batch: int, width: int) -> float:
    norm = "instance" if name == "convnet" else "batch"
    model = get_model(name, in_channels=1, num_classes=10, image_size=28, width=width, norm=norm,
                      seed=0)  # fmt: skip
    x = torch.randn(images, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (images,), generator=torch.Generator().manual_seed(1))
    evaluate(model, x[:batch], y[:batch], batch_size=batch)  # warm-up
    started = time.perf_counter()
    evaluate(model, x, y, batch_size=batch)
    return time.perf_counter() - started


def convnet(pooling: str, width: int) -> nn.Module:
    model = get_model("convnet", in_channels=1, num_classes=10, image_size=28, width=width,
                      seed=0)  # fmt: skip
    if pooling == "AvgPool2d":
        for index, layer in enumerate(model.features):
            if isinstance(layer, AvgPool2x2):
                model.features[index] = nn.AvgPool2d(2)
    return model


def step_ms(model: nn.Module, images: int, steps: int = 10) -> float:
    x = torch.randn(images, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    y = torch.arange(images) % 10
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for step in range(steps + 2):  # two warm-up steps
        if step == 2:
            started = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return 1000 * (time.perf_counter() - started) / steps


def pooling_rows(width: int, repeats: int, scale: float) -> list[dict]:
    rows = []
    images = max(1, int(5000 * scale))
    x = torch.randn(images, 1, 28, 28)
    y = torch.arange(images) % 10
    for task in ("train 20", "train 100", "train 250", f"infer {images}"):
        times: dict[str, list[float]] = {"AvgPool2d": [], "AvgPool2x2": []}
        for _ in range(repeats):
            for pooling in times:
                model = convnet(pooling, width)
                if task.startswith("train"):
                    times[pooling].append(step_ms(model, int(task.split()[1])))
                else:
                    evaluate(model, x[:256], y[:256])
                    started = time.perf_counter()
                    evaluate(model, x, y)
                    times[pooling].append(1000 * (time.perf_counter() - started))
        medians = {pooling: statistics.median(ms) for pooling, ms in times.items()}
        speedup = round(medians["AvgPool2d"] / medians["AvgPool2x2"], 2)
        rows.append(
            {
                "task": task,
                **{f"{k}_ms": round(v, 1) for k, v in medians.items()},
                "speedup": speedup,
            }
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128, 256, 2048])
    parser.add_argument("--width", type=int, default=32, help="ConvNet width (the default's)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the images")
    parser.add_argument("--repeats", type=int, default=5, help="pooling: median of repeats")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for name, images in NETWORKS.items():
        images = max(1, int(images * args.scale))
        chosen = inference_batch(get_model(name, in_channels=1, num_classes=10, image_size=28,
                                           width=args.width, seed=0))  # fmt: skip
        for batch in args.batches:
            seconds = seconds_to_score(name, images, batch, args.width)
            rows.append({"net": name, "images": images, "batch": batch,
                         "ms_per_image": round(1000 * seconds / images, 3),
                         "chosen": batch == chosen})  # fmt: skip
            print(rows[-1], flush=True)
    result = {
        "command": "python -m benchmarks.inference " + " ".join(argv or sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "threads": 1,
        "rows": rows,
        "pooling": pooling_rows(args.width, args.repeats, args.scale),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
