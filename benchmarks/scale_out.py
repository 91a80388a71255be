"""Scale-out of expert generation and evaluation over N torchrun workers on this machine.

    python -m benchmarks.scale_out --out reports/bench/scaling.json

Runs benchmarks/scaling.py under `torchrun --nproc-per-node N` for each N in --workers with
one intra-op thread per worker, and once with one worker using every core's thread, then
checks that every run produced the same experts and accuracies (the sharded-equals-single
property) and reports speed-ups against one single-threaded worker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pdd.infra.paths import ROOT

SECTIONS = ("experts", "evaluation")


def run(workers: int, threads: int, extra: list[str], folder: Path) -> dict:
    out = folder / f"n{workers}_t{threads}.json"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(workers),
        "--master-port", str(29500 + workers * 10 + threads),
        "-m", "benchmarks.scaling", "--out", str(out), "--threads", str(threads), *extra,
    ]  # fmt: skip
    environment = os.environ | {"OMP_NUM_THREADS": str(threads)}
    subprocess.run(command, check=True, env=environment, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.read_text())


def summarise(runs: list[dict]) -> dict:
    """Speed-ups over one single-threaded worker, and whether every run agrees."""
    base = next(r for r in runs if r["world_size"] == 1 and r["threads_per_rank"] == 1)
    rows = []
    for r in runs:
        for section in SECTIONS:
            rows.append(
                {
                    "section": section,
                    "workers": r["world_size"],
                    "threads_per_worker": r["threads_per_rank"],
                    "images_per_s": r[section]["images_per_s"],
                    "speedup": base[section]["seconds"] / r[section]["seconds"],
                }
            )
    # CPU float reductions depend on the thread count, so only runs with the same threads
    # per worker can be bit-identical: compare the sharded runs (one thread each).
    sharded = [r for r in runs if r["threads_per_rank"] == 1]
    identical = {
        "experts": len({r["experts"]["fingerprint"] for r in sharded}) == 1,
        "evaluation": len({tuple(r["evaluation"]["accuracies"]) for r in sharded}) == 1,
        "compared_workers": [r["world_size"] for r in sharded],
    }
    return {"rows": rows, "identical_to_single_process": identical}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("reports/bench/scaling.json"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("scaling_args", nargs="*", help="passed to benchmarks.scaling after --")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        configs = [(n, 1) for n in args.workers]
        if args.cores > 1:
            configs.append((1, args.cores))
        runs = [run(n, t, args.scaling_args, Path(folder)) for n, t in configs]
    result = {
        "command": "python -m benchmarks.scale_out " + " ".join(argv or sys.argv[1:]),
        "runs": runs,
        **summarise(runs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
