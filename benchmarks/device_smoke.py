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
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pdd.config.params import load_params
from pdd.config.stages import expanded
from pdd.infra.io import write_json
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
    args = parser.parse_args(argv)
    overrides = [*args.overrides, f"common.device={args.device}"]
    flags = ["--profile", args.profile, "--workdir", str(args.workdir)]
    flags += [arg for pair in overrides for arg in ("--set", pair)]
    commands = stage_commands(args.overrides, args.profile)
    times: dict[str, float] = {}
    for name, run_args in commands:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pdd", *run_args, *flags], cwd=ROOT)
        times[name] = round(time.perf_counter() - start, 1)
        print(f"{name}: {times[name]} s, exit code {done.returncode}", flush=True)
        failed = name if done.returncode != 0 else None
        # written after every stage, so a run stopped from outside keeps what it measured
        write_json(args.out, {"stages": len(commands), "failed": failed, "seconds": times})
        if failed:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
