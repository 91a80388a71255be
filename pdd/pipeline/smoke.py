"""`make smoke`: every stage of the pipeline on the `smoke` profile, end to end, in a
scratch copy of the repository (`.smoke/`), so that the committed `reports/` are never
touched. The end-to-end tests run the same copy.

    python -m pdd.pipeline.smoke [--target .smoke] [--profile smoke] [--jobs N] [--resume]

The same driver times the whole default run on one machine (`make timed-run`: the default
profile in `.timed-run/`, one stage at a time, each using every core through its worker
processes); the copy's report stage then writes `reports/summary/stage_times.csv` and
`stage_times.md` with every stage's minutes, phases, machine, threads and workers. With
`--resume` an interrupted run keeps its copy (the code it started with) and its finished
stages, and a stage cut short resumes from its checkpoints.

Each stage runs its command from dvc.yaml, and stages that do not read each other's outputs
run side by side, one per core; each stage's output goes to `logs/<stage>.log` in the copy
and the console gets one line per stage. One `dvc commit` then records every stage, so that
`dvc status` is clean and a later `dvc repro` runs nothing. (DVC's own bookkeeping around a
stage, `dvc repro -s`, costs ~8 s here, mostly re-reading the 7,600-line dvc.lock: more than
most smoke stages compute.)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pdd.config import stages as registry
from pdd.config.params import load_params
from pdd.infra.paths import PARAMS_FILE, ROOT

DEFAULT_TARGET = ROOT / ".smoke"
# Outputs of the pipeline: a scratch run produces its own (the .gitignore files stay).
OUTPUT_FOLDERS = ("data/", "artifacts/", "reports/")
GIT = ["git", "-c", "user.name=pdd", "-c", "user.email=pdd@localhost"]


def source_files(with_reports: bool = False) -> list[str]:
    """The working tree as git sees it (tracked and new files), outputs left out (but the
    published reports/ when `with_reports`); the archived regimes are inputs and stay."""
    left_out = tuple(f for f in OUTPUT_FOLDERS if not (with_reports and f == "reports/"))
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [
        name
        for name in filter(None, listed.split("\0"))
        if (ROOT / name).is_file()
        and (
            not name.startswith(left_out)
            or name.startswith(f"{registry.ARCHIVED}/")
            or name.endswith(".gitignore")
        )
    ]


MARKER = Path(".git") / "pdd-scratch-copy"  # what lets a later run replace the copy


def scratch_copy(target: Path, profile: str = "smoke", with_reports: bool = False) -> Path:
    """A fresh git repository at `target` holding the sources, set to `profile`. An existing
    `target` is replaced only when it is an earlier scratch copy."""
    target = target.resolve()
    if target == ROOT or target in ROOT.parents:
        raise SystemExit(f"{target}: the scratch copy cannot hold the repository itself")
    if target.exists():
        if not (target / MARKER).is_file():
            raise SystemExit(f"{target} exists and is not a scratch copy: choose --target")
        shutil.rmtree(target)
    for name in source_files(with_reports):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    params = target / PARAMS_FILE.name
    params.write_text(re.sub(r"(?m)^profile: .*$", f"profile: {profile}", params.read_text()))
    load_params(params)  # one clear error now rather than a failing stage later
    subprocess.run([*GIT, "init", "-q"], cwd=target, check=True)
    (target / MARKER).touch()
    subprocess.run([*GIT, "add", "-A"], cwd=target, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "scratch copy"], cwd=target, check=True)
    return target


def environment() -> dict[str, str]:
    """Stage commands run `python` from PATH: this interpreter. The copy finds the data
    where this checkout does (PDD_DATA_MIRROR, else data/raw/ when it holds a download)."""
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "DVC_NO_ANALYTICS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    mirror = os.environ.get("PDD_DATA_MIRROR") or load_params(PARAMS_FILE).common.data_mirror
    if mirror:
        env["PDD_DATA_MIRROR"] = str((ROOT / mirror).resolve())
    elif (ROOT / "data" / "raw").is_dir():
        env["PDD_DATA_MIRROR"] = str(ROOT / "data" / "raw")
    return env


def run_stage(repo: Path, stage: registry.Stage, item: Any, log: Path, env: dict) -> int:
    """The stage's dvc.yaml command in `repo`, output to `log`; the exit status."""
    command = [sys.executable, *stage.command(item).split()[1:]]
    with log.open("w") as out:
        return subprocess.run(command, cwd=repo, env=env, stdout=out, stderr=out).returncode


def commit(repo: Path, env: dict) -> int:
    """Record every stage's deps and outputs in dvc.lock (and outputs in DVC's cache)."""
    command = [sys.executable, "-m", "dvc", "commit", "--force", "--quiet", "dvc.yaml"]
    return subprocess.run(command, cwd=repo, env=env).returncode


def run_all(repo: Path, jobs: int) -> int:
    """Every stage of the copy's pipeline, each once its upstream stages are done, `jobs`
    at a time; stops starting stages at the first failure. Stages an earlier run of this
    copy finished (`logs/<stage>.done`) are not run again."""
    runs = registry.expanded(load_params(repo / PARAMS_FILE.name))
    needs = registry.upstream(runs)
    later = downstream(needs)
    logs = repo / "logs"
    logs.mkdir(exist_ok=True)
    by_name = {name: (stage, item) for name, stage, item in runs}
    order = {name: index for index, name in enumerate(by_name)}
    env = environment()
    done = {name for name in by_name if (logs / f"{name}.done").is_file()}
    waiting = [name for name in by_name if name not in done]
    running: dict[Future, tuple[str, float]] = {}
    failed = None
    with ThreadPoolExecutor(jobs) as pool:
        while waiting or running:
            ready = [] if failed else [n for n in waiting if needs[n] <= done]
            # unblock the most stages first; among the rest, the later analyses first: the
            # reruns of main-run sets (ablation P=1, P=stages) are short and fill the end
            ready.sort(key=lambda n: (-len(later[n]), -order[n]))
            for name in ready[: jobs - len(running)]:
                waiting.remove(name)
                future = pool.submit(run_stage, repo, *by_name[name], logs / f"{name}.log", env)
                running[future] = (name, time.perf_counter())
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name, started = running.pop(future)
                seconds = time.perf_counter() - started
                if future.result() != 0:
                    failed = failed or name
                    print(f"pdd: {name} FAILED after {seconds:.0f} s", flush=True)
                    print(_tail(logs / f"{name}.log"), file=sys.stderr, flush=True)
                    continue
                done.add(name)
                (logs / f"{name}.done").write_text(f"{seconds:.1f}\n")
                print(f"pdd: [{len(done)}/{len(runs)}] {name} in {seconds:.0f} s", flush=True)
    if failed or len(done) < len(runs):
        return 1
    return commit(repo, env)


def downstream(needs: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each stage, every stage that waits for it, directly or not (`needs` lists the
    stages upstream first, as `registry.upstream` does: one pass from the end suffices)."""
    later: dict[str, set[str]] = {name: set() for name in needs}
    for name in reversed(list(needs)):
        for upstream in needs[name]:
            later[upstream] |= {name} | later[name]
    return later


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdd.pipeline.smoke", description=__doc__)
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--resume", action="store_true", help="keep an earlier copy and its finished stages"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    target = args.target.resolve()
    if args.resume and (target / MARKER).is_file():
        repo = target
    else:
        repo = scratch_copy(target, args.profile)
    print(
        f"pdd: the {args.profile} pipeline in a scratch copy, {_shown(repo)}, "
        f"{args.jobs} stage(s) at a time",
        flush=True,
    )
    status = run_all(repo, args.jobs)
    minutes = (time.perf_counter() - started) / 60
    if status != 0:
        print(f"pdd: failed after {minutes:.1f} min; logs in {_shown(repo / 'logs')}/")
        return status
    print(
        f"pdd: every stage ran in {minutes:.1f} min. Results: {_shown(repo / 'reports')}/ "
        f"(landing page README.md, executed notebooks in notebooks/); logs in "
        f"{_shown(repo / 'logs')}/; `cd {_shown(repo)} && dvc metrics show` lists the metrics.",
        flush=True,
    )
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
