"""Whole pipeline stages timed side by side at two commits, on this machine, in one run.

    python -m benchmarks.stage_speed --before REV [--after HEAD] [--stages baselines evaluate]
        --out reports/bench/stage_speed.json

Each commit's tree goes into its own scratch folder with this checkout's prepared data and
published reports (the stages' inputs, the same for both); then every stage runs there as
DVC runs it (`python -m pdd <stage>`, default profile), the two commits alternating stage by
stage so that a drift of the machine's speed hits both. The wall time covers everything the
stage does: imports, kernel start, training, scoring, publication. Each run's published
`metrics.json` is kept beside its time, so the numbers of both commits can be compared too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pdd.infra import machine
from pdd.infra.paths import ROOT


def tree_at(revision: str, folder: Path) -> str:
    """The commit's files in `folder`, with this checkout's prepared data and reports."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    shutil.rmtree(folder / "reports", ignore_errors=True)
    shutil.copytree(ROOT / "reports", folder / "reports")
    shutil.copytree(ROOT / "data" / "prepared", folder / "data" / "prepared", dirs_exist_ok=True)
    return commit


def run_stage(folder: Path, stage: str) -> dict:
    """Run one stage in `folder`: its wall seconds and its published metrics."""
    environment = os.environ | {"PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pdd", stage], cwd=folder, env=environment, check=True,
        capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    metrics = folder / "reports" / stage / "metrics.json"
    return {"seconds": round(seconds, 1), "metrics": json.loads(metrics.read_text())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit to compare against")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--stages", nargs="+", default=["baselines", "evaluate"])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pdd-stage-speed-") as scratch:
        folders = {name: Path(scratch) / name for name in ("before", "after")}
        commits = {}
        for name, revision in (("before", args.before), ("after", args.after)):
            folders[name].mkdir()
            commits[name] = tree_at(revision, folders[name])
        rows = []
        for stage in args.stages:
            runs = {name: run_stage(folders[name], stage) for name in ("before", "after")}
            speedup = runs["before"]["seconds"] / runs["after"]["seconds"]
            rows.append({"stage": stage, **runs, "speedup": round(speedup, 2)})
            print(f"{stage}: {runs['before']['seconds']} s -> {runs['after']['seconds']} s "
                  f"({speedup:.2f}x)", flush=True)  # fmt: skip
    result = {
        "command": "python -m benchmarks.stage_speed "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "commits": commits,
        "stages": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
