"""Figures and a markdown page from the benchmark JSON files in reports/bench/.

python -m benchmarks.summary [--folder reports/bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from matplotlib.ticker import NullFormatter

from pdd.infra import machine
from pdd.infra.plots import apply_theme, plt, save, sns


def unroll_figure(result: dict, folder: Path) -> None:
    runs = pd.DataFrame(result["runs"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for axis, column, label in (
        (axes[0], "seconds", "seconds per iteration"),
        (axes[1], "peak_mib", "peak memory growth (MiB)"),
    ):
        sns.lineplot(runs, x="syn_steps", y=column, hue="impl", style="width", marker="o", ax=axis)
        axis.set(xscale="log", yscale="log", xlabel="unrolled steps (syn_steps)", ylabel=label)
        steps = sorted(runs.syn_steps.unique())
        axis.set_xticks(steps, [str(step) for step in steps])
        axis.xaxis.set_minor_formatter(NullFormatter())  # no 3×10¹ labels between the steps
    save(fig, folder / "mtt_unroll.png")


def scaling_figure(result: dict, folder: Path) -> None:
    rows = pd.DataFrame(result["rows"])
    rows["setting"] = rows.workers.astype(str) + " × " + rows.threads_per_worker.astype(str)
    fig, axis = plt.subplots(figsize=(5, 3.2), layout="constrained")
    sns.barplot(rows, x="section", y="images_per_s", hue="setting", ax=axis)
    axis.set(xlabel="", ylabel="images / s", title="workers × threads per worker")
    save(fig, folder / "scaling.png")


def unroll_markdown(result: dict) -> list[str]:
    runs = {(r["width"], r["syn_steps"], r["impl"]): r for r in result["runs"]}
    lines = [
        "## MTT iteration: official formulation vs the project's unrolls",
        "",
        f"`{result['command']}` (torch {result['torch']}, {result['threads']} threads; "
        f"fp32 matmul rate measured in the same run: "
        f"{result['matmul_gflops_per_s']:.0f} GFLOP/s)",
        "",
        "| width | syn_steps | reference s/it | graph s/it | adjoint s/it | graph speed-up "
        "| adjoint speed-up | reference MiB | graph MiB | adjoint MiB | adjoint memory ratio "
        "| reference GFLOP/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ratio in result["ratios"]:
        if ratio["impl"] != "adjoint":
            continue
        width, steps = ratio["width"], ratio["syn_steps"]
        ref, graph, adj = (runs[(width, steps, impl)] for impl in ("reference", "graph", "adjoint"))
        lines.append(
            f"| {width} | {steps} | {ref['seconds']:.2f} | {graph['seconds']:.2f} "
            f"| {adj['seconds']:.2f} | {ref['seconds'] / graph['seconds']:.2f}× "
            f"| {ref['seconds'] / adj['seconds']:.2f}× | {ref['peak_mib']:.0f} "
            f"| {graph['peak_mib']:.0f} | {adj['peak_mib']:.0f} "
            f"| {adj['peak_mib'] / ref['peak_mib']:.2f} | {ref['gflops_per_s']:.1f} |"
        )
    lines += ["", "Largest relative difference to the reference (syn_steps 10):", ""]
    lines += ["| problem | unroll | loss | image gradient | step-size gradient |"]
    lines += ["|---|---|---|---|---|"]
    for problem, impls in result["gradient_check"].items():
        for impl, diff in impls.items():
            lines.append(
                f"| {problem} | {impl} | {diff['loss_rel']:.1e} | {diff['image_grad_rel']:.1e} "
                f"| {diff['lr_grad_rel']:.1e} |"
            )
    return lines


def scaling_markdown(result: dict) -> list[str]:
    lines = [
        "## Expert generation and evaluation over torchrun workers",
        "",
        f"`{result['command']}`",
        "",
        "| section | workers | threads per worker | images/s | speed-up over 1 × 1 |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['section']} | {row['workers']} | {row['threads_per_worker']} "
            f"| {row['images_per_s']:.0f} | {row['speedup']:.2f}× |"
        )
    same = result["identical_to_single_process"]
    lines += [
        "",
        f"Sharded runs ({', '.join(map(str, same['compared_workers']))} workers, one thread "
        f"each) identical: experts {same['experts']}, evaluation {same['evaluation']}.",
    ]
    return lines


def plan_markdown(result: dict, experts: int = 100, epochs: int = 50, workers: int = 8) -> list:
    """Expected time of the paper's buffers from one measured expert-epoch throughput."""
    settings = result["settings"]
    rate = result["experts"]["images_per_s"]
    train_images = 50_000  # CIFAR-10's training split
    epoch_s = train_images / rate
    rounds = -(-experts // workers)
    total_h = rounds * epochs * epoch_s / 3600
    return [
        f"## Plan: {experts} experts × {epochs} epochs on {workers} workers",
        "",
        f"`{result['command']}` measured {rate:.0f} images/s for one expert (ConvNet width "
        f"{settings['width']}, {settings['shape']} shape, device {settings['device']}, "
        f"{settings['threads']} threads): one epoch over {train_images:,} images takes "
        f"{epoch_s:.0f} s. Sharded as `torchrun --nproc-per-node {workers} -m pdd "
        f"buffers`, each worker trains ⌈{experts}/{workers}⌉ = {rounds} experts, so the "
        f"buffers take {rounds} × {epochs} × {epoch_s:.0f} s ≈ {total_h:.1f} h at this "
        "per-worker speed. On GPUs, rerun the same command with `--device cuda` on one GPU "
        "and put its images/s into the same formula.",
    ]


def stage_speed_markdown(results: list[dict]) -> list[str]:
    """Whole stages at two commits, side by side on one machine: one row per stage and
    measurement, oldest first. Each row compares its own two runs; rows from different
    sittings may come from machines of one name that differ up to 2x in speed."""
    results = sorted(results, key=lambda result: result["date"])
    lines = [
        "## Whole stages, before and after the worker processes",
        "",
        "Each stage run as DVC runs it (`python -m pdd <stage>`, default profile, wall time "
        "including start-up), at the `before` commit (one process, 2 threads) and the `after` "
        "commit (one single-thread worker per core, cached scores), alternating, in one run "
        "on one machine. Compare the two columns of a row; rows from different sittings may "
        "come from machines of different speed.",
        "",
        "| measured | machine | stage | before | after | before (s) | after (s) | speed-up |",
        "|---|---|---|---|---|---:|---:|---:|",
    ]
    for result in results:
        before, after = result["commits"]["before"], result["commits"]["after"]
        for row in result["stages"]:
            lines.append(
                f"| {result['date'][:16].replace('T', ' ')} | {machine.label(result['machine'])} "
                f"| {row['stage']} | {before} | {after} | {row['before']['seconds']:.0f} "
                f"| {row['after']['seconds']:.0f} | {row['speedup']:.2f}× |"
            )
    lines += ["", "Commands, in the same order:", ""]
    lines += [f"- `{result['command']}`" for result in results]
    return lines


def inference_markdown(result: dict) -> list[str]:
    lines = [
        "## Inference batch size, one thread",
        "",
        f"`{result['command']}` ({result['date'][:10]}, {machine.label(result['machine'])}); "
        "**bold**: the batch `pdd.core.train.inference_batch` picks.",
        "",
        "| network | images | batch | ms per image |",
        "|---|---:|---:|---:|",
    ]
    for row in result["rows"]:
        batch = f"**{row['batch']}**" if row["chosen"] else str(row["batch"])
        lines.append(f"| {row['net']} | {row['images']} | {batch} | {row['ms_per_image']:.3f} |")
    lines += [
        "",
        "ConvNet-32's pooling, same run: PyTorch's `nn.AvgPool2d(2)` against `AvgPool2x2` "
        "(four strided slices; the project's), median ms of alternating repeats:",
        "",
        "| task | AvgPool2d (ms) | AvgPool2x2 (ms) | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for row in result.get("pooling", []):
        lines.append(
            f"| {row['task']} | {row['AvgPool2d_ms']:.1f} | {row['AvgPool2x2_ms']:.1f} "
            f"| {row['speedup']:.2f}× |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("reports/bench"))
    args = parser.parse_args(argv)
    apply_theme()
    lines = ["# Benchmarks", "", "Measured by the commands quoted; rerun: "]
    lines[-1] += "`dvc repro benchmarks/dvc.yaml` (or the commands below).\n"
    unroll_file, scaling_file = args.folder / "mtt_unroll.json", args.folder / "scaling.json"
    if unroll_file.exists():
        result = json.loads(unroll_file.read_text())
        unroll_figure(result, args.folder)
        lines += [*unroll_markdown(result), "", "![](mtt_unroll.png)", ""]
    if scaling_file.exists():
        result = json.loads(scaling_file.read_text())
        scaling_figure(result, args.folder)
        lines += [*scaling_markdown(result), "", "![](scaling.png)", ""]
    plan_file = args.folder / "expert_cost_paper.json"
    if plan_file.exists():
        lines += [*plan_markdown(json.loads(plan_file.read_text())), ""]
    speed_files = list(args.folder.glob("stage_speed*.json"))  # ordered by date
    if speed_files:
        lines += [*stage_speed_markdown([json.loads(f.read_text()) for f in speed_files]), ""]
    inference_file = args.folder / "inference.json"
    if inference_file.exists():
        lines += [*inference_markdown(json.loads(inference_file.read_text())), ""]
    (args.folder / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
