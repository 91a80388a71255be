"""The whole pipeline on one device, stage by stage, without DVC: checks that every notebook
runs there (e.g. on a GPU machine that has torch but not DVC) and times each stage.

    python -m benchmarks.device_smoke --device cuda --workdir /tmp/smoke --out times.json \
        --set 'methods.names=[dm,idc]' ...

Stages run upstream-first (a stage after those whose outputs its deps name, as DVC orders
them); a `foreach` stage runs once per item of its list, read from params.yaml after the
`--set` overrides, as DVC would. Each stage is `python -m pdd <stage> --profile
<profile> --workdir <dir>` with `common.device` set, so the notebooks, their parameters and
what they publish are exactly the pipeline's. Stops at the first failing stage and says
which one.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pdd.infra.io import write_json
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline.run import parse_overrides

FOREACH = re.compile(r"\$\{([a-z_]+)\.([a-z_]+)\}")


def stage_commands(overrides: list[str]) -> list[tuple[str, list[str]]]:
    """(name, pdd.pipeline.run arguments) for every stage of dvc.yaml, foreach items expanded, each
    after the stages whose outputs it reads."""
    pipeline = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load(PARAMS_FILE.read_text())
    for dotted, value in parse_overrides(overrides).items():
        section, _, key = dotted.partition(".")
        params.setdefault(section, {})[key] = value
    stages = []  # (name, cmd, deps, outs)
    for name, stage in pipeline.items():
        if "foreach" not in stage:
            stages.append((name, *_paths(stage, "")))
            continue
        section, key = FOREACH.fullmatch(stage["foreach"]).groups()
        stages += [
            (f"{name}@{item}", *_paths(stage["do"], str(item))) for item in params[section][key]
        ]
    return [(name, _run_args(cmd)) for name, cmd, _, _ in _upstream_first(stages)]


def _paths(stage: dict, item: str) -> tuple[str, list[str], list[str]]:
    def expand(entry) -> str:
        return (next(iter(entry)) if isinstance(entry, dict) else entry).replace("${item}", item)

    deps = [expand(dep) for dep in stage.get("deps", [])]
    return stage["cmd"].replace("${item}", item), deps, [expand(out) for out in stage["outs"]]


def _upstream_first(stages: list[tuple]) -> list[tuple]:
    """Stages ordered so that a stage comes after every stage whose outputs its deps touch
    (a dep equal to, inside or above an output); ties keep dvc.yaml's order."""

    def touches(dep: str, out: str) -> bool:
        return dep == out or dep.startswith(out + "/") or out.startswith(dep + "/")

    ordered, done = [], set()
    while len(ordered) < len(stages):
        for name, cmd, deps, outs in stages:
            needs = {
                other
                for other, _, _, other_outs in stages
                if other != name and any(touches(d, o) for d in deps for o in other_outs)
            }
            if name not in done and needs <= done:
                ordered.append((name, cmd, deps, outs))
                done.add(name)
                break
        else:
            raise ValueError("dvc.yaml: the stages' deps and outs form a cycle")
    return ordered


def _run_args(cmd: str) -> list[str]:
    prefix = "python -m pdd "
    if not cmd.startswith(prefix):
        raise ValueError(f"dvc.yaml: unexpected stage command {cmd!r}")
    return cmd[len(prefix) :].split()


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
    commands = stage_commands(args.overrides)
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
