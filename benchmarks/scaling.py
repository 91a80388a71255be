"""Expert-trajectory generation and multi-seed evaluation, sharded over torchrun ranks.

    torchrun --nproc-per-node N -m benchmarks.scaling --out result.json [--threads T]

Every rank trains the experts (and evaluation seeds) whose index is its rank mod N, with T
intra-op threads; rank 0 writes throughput (images/s over the wall time of the sharded
section, process start-up excluded) and a fingerprint of the merged results, so runs with
different N can be checked for identical output. Data: random tensors shaped like a
dataset (`--shape`, Fashion-MNIST by default): throughput does not depend on pixel values,
and the benchmark needs no dataset. `--device cuda` times a GPU (one per local rank).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

from pdd.core.augment import DiffAugment
from pdd.core.buffers import ExpertConfig, generate_buffers, load_buffers
from pdd.core.models import get_model
from pdd.core.train import TrainConfig, evaluate, train_classifier
from pdd.data.registry import get_spec
from pdd.data.tensors import Splits
from pdd.infra.distributed import World, barrier, close_world, init_world, map_sharded
from pdd.infra.runtime import derive_seed, resolve_device


def shaped_like(dataset: str, train: int, test: int, seed: int = 0) -> Splits:
    """Random images and balanced labels with the shape and class count of `dataset`."""
    spec = get_spec(dataset)
    generator = torch.Generator().manual_seed(seed)
    shape = (spec.channels, spec.image_size, spec.image_size)

    def part(n: int):
        y = torch.arange(spec.num_classes).repeat(max(n // spec.num_classes, 1))
        return torch.randn(len(y), *shape, generator=generator), y

    (tx, ty), (vx, vy), (sx, sy) = part(train), part(test), part(test)
    names = tuple(str(c) for c in range(spec.num_classes))
    return Splits(tx, ty, vx, vy, sx, sy, spec, names)


def model_maker(spec, width: int, device: torch.device):
    def make_model(seed: int) -> torch.nn.Module:
        return get_model(
            "convnet",
            in_channels=spec.channels,
            num_classes=spec.num_classes,
            image_size=spec.image_size,
            width=width,
            seed=seed,
        ).to(device)

    return make_model


def expert_section(args, data: Splits, world: World, folder: Path) -> dict:
    config = ExpertConfig(epochs=args.expert_epochs, examples_per_epoch=args.expert_images)
    barrier(world)
    start = time.perf_counter()
    generate_buffers(
        model_maker(data.spec, args.width, args.device),
        args.experts,
        data,
        config,
        seed=0,
        folder=folder,
        augment=DiffAugment(),
        shard=world.rank,
        num_shards=world.size,
        progress=False,
    )
    barrier(world)
    seconds = time.perf_counter() - start
    experts = load_buffers(folder, args.experts)
    digest = hashlib.sha256(b"".join(t.params.numpy().tobytes() for t in experts)).hexdigest()
    images = args.experts * args.expert_epochs * args.expert_images
    return {"seconds": seconds, "images_per_s": images / seconds, "fingerprint": digest}


def evaluation_section(args, data: Splits, world: World) -> dict:
    count = data.spec.num_classes * args.eval_ipc
    images, labels = data.train_x[:count], data.train_y[:count]
    make_model = model_maker(data.spec, args.width, args.device)
    config = TrainConfig(epochs=args.eval_epochs, lr=0.01)
    augment = DiffAugment()

    def score(seed: int) -> float:
        model = make_model(seed)
        result = train_classifier(model, images, labels, config, seed=seed, augment=augment)
        return evaluate(result.model, data.test_x, data.test_y)[0]

    seeds = [derive_seed(0, "eval", index) for index in range(args.eval_seeds)]
    barrier(world)
    start = time.perf_counter()
    accuracies = map_sharded(score, seeds, world)
    barrier(world)
    seconds = time.perf_counter() - start
    trained = args.eval_seeds * args.eval_epochs * len(images)
    return {"seconds": seconds, "images_per_s": trained / seconds, "accuracies": accuracies}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--shape", default="fashion-mnist", help="dataset whose shape to mimic")
    parser.add_argument("--device", default="cpu", help="cpu | cuda (this worker's GPU)")
    parser.add_argument("--experts", type=int, default=4)
    parser.add_argument("--expert-epochs", type=int, default=2)
    parser.add_argument("--expert-images", type=int, default=2000)
    parser.add_argument("--eval-seeds", type=int, default=4)
    parser.add_argument("--eval-ipc", type=int, default=10)
    parser.add_argument("--eval-epochs", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    world = init_world()
    args.device = resolve_device(args.device)  # under torchrun: the GPU of LOCAL_RANK
    classes = get_spec(args.shape).num_classes
    train = max(args.expert_images, classes * args.eval_ipc)
    data = shaped_like(args.shape, train=train, test=1000)
    # one shared folder: every rank writes its own experts, then all read every expert
    folder = Path(tempfile.gettempdir()) / f"pdd-bench-experts-{args.out.stem}"
    if world.rank == 0:  # a finished expert left by an earlier run would be skipped
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        "command": "python -m benchmarks.scaling " + " ".join(argv or sys.argv[1:]),
        "world_size": world.size,
        "threads_per_rank": args.threads,
        "settings": {k: str(v) for k, v in vars(args).items() if k != "out"},
        "experts": expert_section(args, data, world, folder),
        "evaluation": evaluation_section(args, data, world),
    }
    if world.rank == 0:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    barrier(world)
    close_world(world)


if __name__ == "__main__":
    main()
