"""Figures and a markdown page from the benchmark JSON files in reports/bench/.

python -m benchmarks.summary [--folder reports/bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from pdd.plots import apply_theme, plt, save, sns


def unroll_figure(result: dict, folder: Path) -> None:
    runs = pd.DataFrame(result["runs"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for axis, column, label in (
        (axes[0], "seconds", "seconds per iteration"),
        (axes[1], "peak_mib", "peak memory growth (MiB)"),
    ):
        sns.lineplot(runs, x="syn_steps", y=column, hue="impl", style="width", marker="o", ax=axis)
        axis.set(xscale="log", yscale="log", xlabel="unrolled steps (syn_steps)", ylabel=label)
        axis.set_xticks(sorted(runs.syn_steps.unique()), map(str, sorted(runs.syn_steps.unique())))
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
    (args.folder / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
