"""One MTT distillation iteration three ways, on identical data, model, batches and
augmentation: MTT's official formulation (benchmarks/reference_mtt.py), the project's
`graph` unroll and its `adjoint` unroll (pdd/methods/unroll.py).

    python -m benchmarks.mtt_unroll --out reports/bench/mtt_unroll.json
    python -m benchmarks.mtt_unroll --device cuda --shape cifar10 --widths 128 --steps 50 \
        --out reports/gpu/mtt_unroll_paper.json     # the paper profile's iteration on a GPU

Measured in one run: (1) loss and gradients (images, step size) of the three on a fixed
problem, float32 and float64; (2) seconds per iteration (forward unroll + backward into
the images and the step size) and peak memory growth, for every syn_steps × width, each
in a fresh process (peak RSS is per process; Linux /proc); (3) matmul-class FLOPs per
iteration (torch.utils.flop_counter: conv, linear, their backward and double backward)
and the achieved GFLOP/s against the machine's fp32 matmul rate measured here too.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.reference_mtt import FlatConvNet, reference_iteration
from pdd.core.augment import DiffAugment
from pdd.core.models import get_model
from pdd.core.trajectory import Trajectory, flatten_params, param_layout
from pdd.infra.paths import ROOT
from pdd.infra.runtime import derive_seed
from pdd.methods import mtt

IMPLS = ("reference", "graph", "adjoint")
SEED = 0
SHAPES = {"mnist": (1, 28), "cifar10": (3, 32)}  # (channels, pixels) of the problem's images


@dataclass
class Problem:
    """Stage 2 of a PDD run in miniature: 20 frozen images and 20 learnt ones (10 classes),
    one expert segment (start → target), batch_syn 20, DSA on every step."""

    model: torch.nn.Module
    trajectory: Trajectory
    frozen: torch.Tensor
    images: torch.Tensor  # the learnt leaf
    labels: torch.Tensor
    log_lr: torch.Tensor  # leaf
    config: mtt.MTTConfig
    augment: DiffAugment


def make_problem(
    width: int, steps: int, dtype=torch.float32, shape: str = "mnist", device: str = "cpu"
) -> Problem:
    channels, size = SHAPES[shape]
    model = get_model(
        "convnet", in_channels=channels, num_classes=10, image_size=size, width=width, seed=SEED
    ).to(dtype)
    generator = torch.Generator().manual_seed(SEED)
    start = flatten_params(model)
    target = start + 0.01 * torch.randn(start.shape, generator=generator, dtype=dtype)
    trajectory = Trajectory(torch.stack([start, target]), param_layout(model), SEED)
    frozen = torch.randn(20, channels, size, size, generator=generator, dtype=dtype)
    images = torch.randn(20, channels, size, size, generator=generator, dtype=dtype)
    model, frozen, images = model.to(device), frozen.to(device), images.to(device)
    trajectory.params = trajectory.params.to(device)
    images.requires_grad_(True)
    labels = torch.arange(10).repeat(4).to(device)
    log_lr = torch.tensor(math.log(0.01), dtype=dtype, device=device, requires_grad=True)
    config = mtt.MTTConfig(
        iterations=1,
        syn_steps=steps,
        expert_epochs=1,
        max_start_epoch=1,
        batch_syn=20,
        lr_img=1.0,
        lr_lr=0.0,
        lr_init=0.01,
        eval_every=1,
        checkpoint_every=1,
    )
    return Problem(model, trajectory, frozen, images, labels, log_lr, config, DiffAugment())


def project_loss(problem: Problem, unroll: str) -> torch.Tensor:
    config = replace(problem.config, unroll=unroll)
    pool = torch.cat([problem.frozen, problem.images])
    return mtt.matching_loss(
        problem.model,
        problem.trajectory,
        0,
        pool,
        problem.labels,
        problem.log_lr.exp(),
        config,
        augment=problem.augment,
        seed=SEED,
    )


def reference_loss(problem: Problem) -> torch.Tensor:
    """The same iteration in the official formulation: same batches, same DSA draws."""
    pool = torch.cat([problem.frozen, problem.images])
    order = torch.Generator().manual_seed(derive_seed(SEED, "batches"))
    steps, batch = problem.config.syn_steps, problem.config.batch_syn
    batches = mtt._batch_indices(len(pool), batch, steps, order)
    shapes = [shape for _, shape in problem.trajectory.layout]
    net = FlatConvNet(shapes, depth=(len(shapes) - 2) // 4)
    start, target = problem.trajectory.params
    return reference_iteration(
        net,
        start,
        target,
        pool,
        problem.labels,
        problem.log_lr.exp(),
        batches,
        lambda x, step: problem.augment(x, seed=derive_seed(SEED, "dsa", step)),
    )


def iteration(problem: Problem, impl: str) -> tuple[float, torch.Tensor, torch.Tensor]:
    """Loss, d loss / d images, d loss / d log step size."""
    loss = reference_loss(problem) if impl == "reference" else project_loss(problem, impl)
    image_grad, lr_grad = torch.autograd.grad(loss, (problem.images, problem.log_lr))
    return loss.item(), image_grad, lr_grad


def gradient_check(width: int, steps: int, dtype: torch.dtype) -> dict:
    """Largest relative difference of each formulation's loss and gradients to the reference."""
    reference = iteration(make_problem(width, steps, dtype), "reference")
    report = {}
    for impl in IMPLS[1:]:
        loss, image_grad, lr_grad = iteration(make_problem(width, steps, dtype), impl)
        report[impl] = {
            "loss_rel": abs(loss - reference[0]) / abs(reference[0]),
            "image_grad_rel": float(
                (image_grad - reference[1]).abs().max() / reference[1].abs().max()
            ),
            "lr_grad_rel": float((lr_grad - reference[2]).abs() / reference[2].abs()),
        }
    return report


# --------------------------------------------------------------------- one measurement


def _proc_status(field: str) -> int:
    """A /proc/self/status memory field in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure(
    impl: str, width: int, steps: int, iterations: int, shape: str = "mnist", device: str = "cpu"
) -> dict:
    """Seconds per iteration (median after one warm-up), peak memory growth (CPU: RSS; CUDA:
    allocated device memory), FLOPs."""
    problem = make_problem(width, steps, shape=shape, device=device)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS watermark
        base = _proc_status("VmRSS")
    iteration(problem, impl)  # warm-up (oneDNN / cuDNN pick their kernels)
    seconds = []
    for _ in range(iterations):
        if cuda:
            torch.cuda.synchronize()
        begin = time.perf_counter()
        iteration(problem, impl)
        if cuda:
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - begin)
    peak = (torch.cuda.max_memory_allocated() if cuda else _proc_status("VmHWM")) - base
    with FlopCounterMode(display=False) as counter:
        iteration(problem, impl)
    per_iteration = statistics.median(seconds)
    flops = counter.get_total_flops()
    return {
        "impl": impl,
        "shape": shape,
        "device": device,
        "width": width,
        "syn_steps": steps,
        "seconds": per_iteration,
        "seconds_all": seconds,
        "peak_mib": peak / 2**20,
        "gflop": flops / 1e9,
        "gflops_per_s": flops / 1e9 / per_iteration,
    }


def matmul_rate(size: int = 1024, repeats: int = 20, device: str = "cpu") -> float:
    """Achieved fp32 GFLOP/s of a square matmul on `device` (best of `repeats`)."""
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    torch.mm(a, b)
    best = math.inf
    for _ in range(repeats):
        sync()
        begin = time.perf_counter()
        torch.mm(a, b)
        sync()
        best = min(best, time.perf_counter() - begin)
    return 2 * size**3 / best / 1e9


# ------------------------------------------------------------------------------ driver


def run_child(args: list[str]) -> dict:
    command = [sys.executable, "-m", "benchmarks.mtt_unroll", "--child", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("reports/bench/mtt_unroll.json"))
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--iterations", type=int, default=2, help="timed, after one warm-up")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="mnist")
    parser.add_argument("--skip-check", action="store_true", help="no float64 gradient check")
    parser.add_argument("--child", nargs=4, metavar=("IMPL", "WIDTH", "STEPS", "ITERS"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.child:
        impl, width, steps, iterations = args.child
        if impl == "matmul":
            print(json.dumps({"gflops_per_s": matmul_rate(device=args.device)}))
        else:
            sizes = int(width), int(steps), int(iterations)
            print(json.dumps(measure(impl, *sizes, shape=args.shape, device=args.device)))
        return
    threads = ["--threads", str(args.threads), "--shape", args.shape, "--device", args.device]
    checks = {
        f"width {width}, {name}": gradient_check(width, 10, dtype)
        for width in ([] if args.skip_check else args.widths)
        for name, dtype in (("float32", torch.float32), ("float64", torch.float64))
    }
    runs = [
        run_child([impl, str(width), str(steps), str(args.iterations), *threads])
        for width in args.widths
        for steps in args.steps
        for impl in IMPLS
    ]
    matmul = run_child(["matmul", "0", "0", "0", *threads])["gflops_per_s"]
    result = {
        "command": "python -m benchmarks.mtt_unroll " + " ".join(argv or sys.argv[1:]),
        "torch": torch.__version__,
        "threads": args.threads,
        "device": args.device,
        "shape": args.shape,
        "matmul_gflops_per_s": matmul,
        "gradient_check": checks,
        "runs": runs,
        "ratios": ratios(runs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


def ratios(runs: list[dict]) -> list[dict]:
    """Per (width, syn_steps): each formulation's time and peak memory over the reference's."""
    by_key = {(r["width"], r["syn_steps"], r["impl"]): r for r in runs}
    rows = []
    for width, steps, impl in by_key:
        if impl == "reference":
            continue
        reference = by_key[(width, steps, "reference")]
        mine = by_key[(width, steps, impl)]
        rows.append(
            {
                "impl": impl,
                "width": width,
                "syn_steps": steps,
                "speedup": reference["seconds"] / mine["seconds"],
                "memory_ratio": mine["peak_mib"] / max(reference["peak_mib"], 1e-9),
            }
        )
    return rows


if __name__ == "__main__":
    main()
