"""The whole pipeline on one device, stage by stage, without DVC: checks that every notebook
runs there (e.g. on a GPU machine that has torch but not DVC) and times each stage.

    python -m benchmarks.device_smoke --device cuda --workdir /tmp/smoke --out times.json \
        --set 'methods.names=[dm,idc]' ...

Stages run in the stage registry's upstream-first order (pdd/config/stages.py); a
`foreach` stage runs once per item of its list, read from params.yaml after the `--set`
overrides, as DVC would. Each stage is `python -m pdd <stage> --profile
<profile> --workdir <dir>` with `common.device` set, so the notebooks, their parameters and
what they publish are exactly the pipeline's. Stops at the first failing stage and says
which one.

Each stage's wall seconds are split three ways from its published notebook's record:
`compute` (the phases the stage reported: experts, distillation, validation, transition,
evaluation; pdd/infra/phases.py), `notebook_rest` (the rest of the notebook's run: data
loading, tables, figures, first imports in the kernel) and `outside` (the process start,
imports, params and kernel start-up around the notebook): the fixed cost per stage is
`notebook_rest + outside`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pdd.config.params import load_params
from pdd.config.stages import expanded
from pdd.infra.io import read_json, write_json
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline.run import parse_overrides


def stage_commands(overrides: list[str], profile: str = "smoke") -> list[tuple[str, list[str]]]:
    """(dvc.yaml stage name, `python -m pdd` arguments) for every stage, foreach items
    expanded from the params after the `--set` overrides, each after the stages it reads
    (the stage registry's order)."""
    params = load_params(PARAMS_FILE, profile=profile, overrides=parse_overrides(overrides))
    commands = []
    for name, stage, item in expanded(params):
        args = [stage.name]
        if stage.item is not None:
            args += ["--item", f"{stage.item}={item}"]
        commands.append((name, args))
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="stage times (JSON)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V")
    parser.add_argument("--only", nargs="+", metavar="STAGE", help="these stages (in order)")
    args = parser.parse_args(argv)
    overrides = [*args.overrides, f"common.device={args.device}"]
    flags = ["--profile", args.profile, "--workdir", str(args.workdir)]
    flags += [arg for pair in overrides for arg in ("--set", pair)]
    commands = stage_commands(args.overrides, args.profile)
    if args.only:
        commands = [(name, run_args) for name, run_args in commands if name in args.only]
    notebooks = notebook_names(args.overrides, args.profile)
    times: dict[str, float] = {}
    split: dict[str, dict[str, float]] = {}
    for name, run_args in commands:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pdd", *run_args, *flags], cwd=ROOT)
        times[name] = round(time.perf_counter() - start, 1)
        print(f"{name}: {times[name]} s, exit code {done.returncode}", flush=True)
        failed = name if done.returncode != 0 else None
        published = args.workdir / "reports" / "notebooks" / f"{notebooks[name]}.ipynb"
        if not failed and notebooks[name] and published.is_file():
            split[name] = cost_split(times[name], read_json(published)["metadata"])
        # written after every stage, so a run stopped from outside keeps what it measured
        write_json(
            args.out,
            {
                "device": args.device,
                "stages": len(commands),
                "failed": failed,
                "seconds": times,
                "split": split,
                "totals": totals(split),
            },
        )
        if failed:
            return done.returncode
    return 0


def notebook_names(overrides: list[str], profile: str) -> dict[str, str | None]:
    """dvc.yaml stage name -> the notebook it publishes (None for `data`)."""
    params = load_params(PARAMS_FILE, profile=profile, overrides=parse_overrides(overrides))
    return {
        name: stage.notebook_name(item) if stage.notebook else None
        for name, stage, item in expanded(params)
    }


def cost_split(wall: float, metadata: dict) -> dict[str, float]:
    """A stage's wall seconds as compute, the rest of its notebook, and what is outside it."""
    notebook = float(metadata.get("papermill", {}).get("duration") or 0.0)
    compute = sum(metadata.get("pdd", {}).get("phases", {}).values())
    return {
        "wall": wall,
        "compute": round(compute, 1),
        "notebook_rest": round(notebook - compute, 1),
        "outside": round(wall - notebook, 1),
    }


def totals(split: dict[str, dict[str, float]]) -> dict[str, float]:
    keys = ("wall", "compute", "notebook_rest", "outside")
    return {key: round(sum(stage[key] for stage in split.values()), 1) for key in keys}


if __name__ == "__main__":
    sys.exit(main())
