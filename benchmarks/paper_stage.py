"""What one PDD stage of the `paper` profile (CIFAR-10, ConvNet-128, MTT) costs on a device,
from three rates measured on CIFAR-10-shaped random data (time does not depend on pixel
values, and the benchmark needs no dataset):

    python -m benchmarks.paper_stage --device cuda --out reports/gpu/paper_stage_h100.json

1. `iteration_s`: one MTT iteration of stage 2 (IPC-2 stage 1 frozen, IPC 2 learnt),
   through `pdd.methods.mtt.distill` with the profile's syn_steps, batch_syn, DSA and unroll;
2. `small_epoch_s`: one training epoch on a stage's union (≤ 256 images: one mini-batch),
   what validation scoring and the transition networks repeat `select_epochs` and
   `transition_epochs` times;
3. `expert_images_per_s`: expert training on real-sized data (plain SGD, batch 256, DSA),
   what the buffers and every transition's real-data epochs run at.

A stage then costs

    iterations × iteration_s                                         (MTT)
  + iterations / eval_every × select_nets × select_epochs × small_epoch_s   (validation)
  + num_experts × (transition_epochs × small_epoch_s                 (transition, after
                   + (M − 1 + E) × train_images / expert_images_per_s)   every stage but the last)

and the buffers num_experts × epochs × train_images / expert_images_per_s. The formula
leaves out validation-set inference and checkpoint writes (seconds per stage).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import torch

from pdd.config.context import build_model
from pdd.config.distillers import mtt_config
from pdd.config.params import Params, load_params
from pdd.core.augment import DiffAugment, DSAConfig, parse_strategy
from pdd.core.train import TrainConfig, train_classifier
from pdd.core.trajectory import Trajectory, flatten_params, param_layout
from pdd.data.registry import DatasetSpec, get_spec
from pdd.infra.paths import PARAMS_FILE
from pdd.infra.runtime import setup
from pdd.methods import mtt
from pdd.methods.base import StageTask
from pdd.pipeline.run import parse_overrides


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def random_trajectory(model: torch.nn.Module, epochs: int, seed: int) -> Trajectory:
    """Snapshots drifting away from the model's initial weights: shapes are what matter."""
    generator = torch.Generator().manual_seed(seed)
    start = flatten_params(model)
    steps = [
        start + 0.01 * k * torch.randn(start.shape, generator=generator)
        for k in range(1, epochs + 1)
    ]
    return Trajectory(torch.stack([start, *steps]), param_layout(model), seed, complete=True)


@dataclass
class Rig:
    """The profile's network, augmentation and random CIFAR-shaped data on one device."""

    p: Params
    device: torch.device
    spec: DatasetSpec = field(init=False)
    generator: torch.Generator = field(init=False)
    augment: DiffAugment = field(init=False)

    def __post_init__(self) -> None:
        self.spec = get_spec(self.p.common.dataset)
        self.generator = torch.Generator().manual_seed(self.p.common.seed)
        self.augment = DiffAugment(
            DSAConfig(strategy=parse_strategy(self.p.eval.dsa_strategy), flip=self.p.eval.dsa_flip)
        )

    def make_model(self, seed: int) -> torch.nn.Module:
        return build_model(self.p.net.model_dump(), self.spec, seed).to(self.device)

    def labelled(self, count_per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        spec = self.spec
        labels = torch.arange(spec.num_classes).repeat_interleave(count_per_class)
        shape = (spec.channels, spec.image_size, spec.image_size)
        images = torch.randn(len(labels), *shape, generator=self.generator)
        return images.to(self.device), labels.to(self.device)

    def train(self, images, labels, config: TrainConfig, seed: int) -> float:
        model = self.make_model(seed)
        run = partial(
            train_classifier, model, images, labels, config, seed=seed, augment=self.augment
        )
        return timed(run, self.device)


def mtt_iteration_s(rig: Rig, iterations: int) -> float:
    """Stage 2 of the profile: stage 1's images frozen, as many learnt."""
    d, m = rig.p.distill, rig.p.mtt
    epochs_read = mtt.epochs_matched(m.max_start_epoch, m.expert_epochs)
    model = rig.make_model(0)
    experts = [random_trajectory(model, epochs_read, seed) for seed in range(2)]
    frozen_x, frozen_y = rig.labelled(d.ipc_per_stage)
    images, labels = rig.labelled(d.ipc_per_stage)

    def run(count: int) -> None:
        # no validation and no checkpoints: timed apart
        config = mtt_config(
            m,
            rig.p.buffers.lr_teacher,
            iterations=count,
            eval_every=count + 1,
            checkpoint_every=count + 1,
        )
        task = StageTask(
            images, labels, frozen_x, frozen_y, [], experts, 0, augment=rig.augment, progress=False
        )
        mtt.distill(model, config, task)

    timed(lambda: run(2), rig.device)  # warm-up: kernels, allocator
    return timed(lambda: run(iterations), rig.device) / iterations


def small_epoch_s(rig: Rig, epochs: int) -> float:
    """An epoch on the last stage's union (all stages' images: one mini-batch)."""
    d = rig.p.distill
    union_x, union_y = rig.labelled(d.ipc_per_stage * d.stages)
    rig.train(union_x, union_y, TrainConfig(epochs=5, lr=0.01), seed=1)  # warm-up
    config = TrainConfig(epochs=epochs, lr=0.01, batch_size=rig.p.eval.batch_size)
    return rig.train(union_x, union_y, config, seed=1) / epochs


def expert_images_per_s(rig: Rig, images: int) -> float:
    """One epoch of an expert's plain SGD on real-sized data."""
    real_x, real_y = rig.labelled(images // rig.spec.num_classes)
    b = rig.p.buffers
    sgd = TrainConfig(
        epochs=1, lr=b.lr_teacher, momentum=0.0, weight_decay=0.0, batch_size=b.batch_size
    )
    rig.train(real_x, real_y, sgd, seed=2)  # warm-up
    return len(real_x) / rig.train(real_x, real_y, sgd, seed=2)


def estimate(p: Params, rates: dict[str, float], train_images: int) -> dict[str, float]:
    """The cost model of the module docstring, in seconds."""
    d, m, b = p.distill, p.mtt, p.buffers
    epochs_read = mtt.epochs_matched(m.max_start_epoch, m.expert_epochs)
    epoch_s, images_per_s = rates["small_epoch_s"], rates["expert_images_per_s"]
    stage_mtt = m.iterations * rates["iteration_s"]
    stage_validation = math.ceil(m.iterations / d.eval_every) * (
        d.select_nets * d.select_epochs * epoch_s
    )
    transition = b.num_experts * (
        d.transition_epochs * epoch_s + epochs_read * train_images / images_per_s
    )
    buffers = b.num_experts * b.epochs * train_images / images_per_s
    return {
        "stage_mtt": stage_mtt,
        "stage_validation": stage_validation,
        "transition": transition,
        "buffers": buffers,
        "progressive_distill_with_buffers": buffers
        + d.stages * (stage_mtt + stage_validation)
        + (d.stages - 1) * transition,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=10, help="timed MTT iterations")
    parser.add_argument("--small-epochs", type=int, default=200, help="timed epochs, union")
    parser.add_argument("--expert-images", type=int, default=10240, help="timed, real-sized")
    parser.add_argument("--train-size", type=int, default=50000, help="CIFAR-10's train split")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V")
    args = parser.parse_args(argv)

    p = load_params(PARAMS_FILE, profile="paper", overrides=parse_overrides(args.overrides))
    device = setup(seed=p.common.seed, threads=args.threads, device=args.device)
    rig = Rig(p, device)
    rates = {
        "iteration_s": mtt_iteration_s(rig, args.iterations),
        "small_epoch_s": small_epoch_s(rig, args.small_epochs),
        "expert_images_per_s": expert_images_per_s(rig, args.expert_images),
    }
    d, m, b = p.distill, p.mtt, p.buffers
    train_images = args.train_size - p.common.val_per_class * rig.spec.num_classes
    result = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "measured": rates,
        "paper_profile": {
            "iterations": m.iterations,
            "syn_steps": m.syn_steps,
            "batch_syn": m.batch_syn,
            "eval_every": d.eval_every,
            "select_nets": d.select_nets,
            "select_epochs": d.select_epochs,
            "transition_epochs": d.transition_epochs,
            "num_experts": b.num_experts,
            "buffer_epochs": b.epochs,
            "stages": d.stages,
            "width": p.net.width,
            "train_images": train_images,
        },
        "estimated_s": estimate(p, rates, train_images),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
