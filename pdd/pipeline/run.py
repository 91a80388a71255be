"""Run one pipeline stage: `python -m pdd <stage> [--profile P] [--set key=value ...]`.

Params are validated first (one readable line and exit code 2 on any problem, before any
work). Notebook stages execute `notebooks/<name>.py` with papermill (the executed copy in
`artifacts/work/notebooks/`), then publish their results into `reports/<stage>[/<item>]/`
and the notebook into `reports/notebooks/` (pdd/pipeline/report.py); the cheap `report` stage
(notebook 09) gathers the published results into `reports/summary/` and `reports/README.md`.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import yaml
from papermill.exceptions import PapermillExecutionError

from pdd.config import stages as registry
from pdd.config.params import Params, ParamsError, load_params
from pdd.data.class_sizes import ClassNeeds, Draw
from pdd.data.errors import DataFileError
from pdd.data.prepare import UserSource, prepare_dataset
from pdd.data.registry import USER_FORMATS
from pdd.infra import paths, workers
from pdd.infra.io import write_json
from pdd.infra.paths import Workspace
from pdd.pipeline.inputs import runner_inputs
from pdd.pipeline.notebook import execute
from pdd.pipeline.report import publish_file, publish_notebook, publish_stage

STAGES = tuple(s.name for s in registry.STAGES)

# x86 CPUs pick their widest vector kernels at run time (AVX-512 on some machines, AVX2 on
# others) and the two round differently: the same eight experts came out up to 0.04 points
# apart on an AVX-512 machine and bit for bit equal once capped (reports/repeatability.md).
# Every stage's notebook kernel and worker process inherits the cap; a variable already set
# wins, so `ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=ALL MKL_CBWR=AUTO` lifts it.
REPEATABLE_CPU_KERNELS = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2",
}


def cap_cpu_kernels(environ: MutableMapping[str, str] = os.environ) -> None:
    """Cap torch's, oneDNN's and MKL's x86 kernels at AVX2 unless the caller chose."""
    for key, value in REPEATABLE_CPU_KERNELS.items():
        environ.setdefault(key, value)


def data_mirror(params: Params) -> Path | None:
    """PDD_DATA_MIRROR (machine-specific) wins over `common.data_mirror` (in git)."""
    chosen = os.environ.get("PDD_DATA_MIRROR") or params.common.data_mirror
    return (paths.ROOT / chosen).resolve() if chosen else None


def user_source(params: Params) -> UserSource | None:
    """A user's own dataset as `common` names it (data_path relative to the repository)."""
    common = params.common
    if common.dataset not in USER_FORMATS:
        return None
    path = (paths.ROOT / Path(common.data_path).expanduser()).resolve()
    return UserSource(path, common.image_size, common.test_fraction, common.seed)


def class_needs(params: Params) -> ClassNeeds:
    """What the stages draw from each class, by params key, for the data stage's check
    (drawn from the training split once the validation split is carved from it)."""
    distill, scaling, buffers = params.distill, params.scaling, params.buffers
    draws = [
        Draw("baselines.ipcs", max(params.baselines.ipcs)),
        Draw("baselines.examples_per_class", params.baselines.examples_per_class),
        Draw("distill.stages x ipc_per_stage", distill.stages * distill.ipc_per_stage),
        Draw("scaling.real_ipcs", max(scaling.real_ipcs)),
        Draw("scaling.stages x ipc_per_stage", scaling.stages * scaling.ipc_per_stage),
        Draw("matching.batch_real", params.matching.batch_real),
        Draw("dm.batch_real", params.dm.batch_real),
    ]
    if buffers.examples_per_epoch:
        draws.append(Draw("buffers.examples_per_epoch", buffers.examples_per_epoch, True))
    # easy-example dropping: the later stages draw from what the largest drop rate leaves
    kept = 1 - max(params.easy_drop.drop_rates)
    rate = f"easy_drop.drop_rates {max(params.easy_drop.drop_rates)}"
    draws.append(Draw(f"{rate} with distill.ipc_per_stage", distill.ipc_per_stage, kept=kept))
    if buffers.examples_per_epoch:
        key = f"{rate} with buffers.examples_per_epoch"
        draws.append(Draw(key, buffers.examples_per_epoch, True, kept))
    common = params.common
    return ClassNeeds(common.val_per_class, tuple(draws), common.test_per_class or 1)


def run_data(params: Params, workspace: Workspace) -> None:
    print(announcement(params, registry.stage("data"), None, {}, workspace), flush=True)
    summary = prepare_dataset(
        params.common.dataset,
        raw_dir=workspace.raw,
        prepared_dir=workspace.prepared,
        mirror_dir=data_mirror(params),
        allow_download=params.common.download,
        source=user_source(params),
        needs=class_needs(params),
    )
    if params.common.dataset in USER_FORMATS:  # as params.yaml gives it, not this machine's
        summary["source"] = params.common.data_path
    write_json(workspace.prepared / "summary.json", summary)
    publish_file(workspace.prepared / "summary.json", workspace.reports / "data" / "summary.json")


def check_tracked(stage: registry.Stage, read: tuple[str, ...]) -> None:
    """One clear error when dvc.yaml does not track a section the stage reads: after
    `distill.method` names a base method of another section, until dvc.yaml is made anew."""
    committed = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())
    body = committed["stages"][stage.dvc_variants[0].name]
    entries = body.get("do", body)["params"]
    tracked = next(e for e in entries if isinstance(e, dict))["profiles/${profile}.yaml"]
    missing = [section for section in read if section not in tracked]
    if missing:
        raise ParamsError(
            f"distill.method: stage {stage.name} reads {', '.join(missing)}, which dvc.yaml "
            "does not track; make it anew: python -m pdd.pipeline.dvcfile"
        )


def run_notebook(
    name: str, params: Params, workspace: Workspace, items: dict[str, Any] | None = None
) -> None:
    stage = registry.stage(name)
    given = (items or {}) | (torchrun_shard() if name == "buffers" else {})
    chosen = registry.check_items(stage, given)
    read = registry.sections(stage, params.distill.method)
    check_tracked(stage, read)
    inputs = runner_inputs(params, read, chosen, _relative(workspace.root))
    parameters = {"inputs": inputs}
    source = paths.NOTEBOOKS / f"{stage.notebook}.py"
    item = chosen.get(stage.item)
    executed = executed_notebook(workspace, stage.notebook_name(item))
    print(announcement(params, stage, item, chosen, workspace), flush=True)
    if chosen.get("num_shards", 1) > 1:  # a shard's share is gathered by the full run
        shard = f"shard{chosen['shard']}of{chosen['num_shards']}"
        execute(source, executed_notebook(workspace, f"{stage.notebook}_{shard}"), parameters)
        return
    execute(source, executed, parameters, run_record(params, stage, item))
    if name == "report":  # the gathered tables, and the landing page of reports/
        publish_stage(workspace.artifacts / "report" / "summary", workspace.reports / "summary")
        publish_file(workspace.artifacts / "report" / "README.md", workspace.reports / "README.md")
    else:
        folder = stage.folder(item)
        publish_stage(workspace.artifacts / folder, workspace.reports / folder)
    publish_notebook(
        executed, workspace.reports / "notebooks" / f"{stage.notebook_name(item)}.ipynb"
    )


def announcement(
    params: Params, stage: registry.Stage, item: Any, chosen: dict, workspace: Workspace
) -> str:
    """`stage 4 of 25: distill@progressive (last published run: 12.7 min)`: the stage's
    place in the whole pipeline (foreach lists from params) and its published wall time."""
    runs = registry.expanded(params)
    place = next((i for i, (_, s, it) in enumerate(runs, 1) if s is stage and it == item), None)
    name = runs[place - 1][0] if place else stage.name
    if chosen.get("num_shards", 1) > 1:
        name += f" (shard {chosen['shard'] + 1} of {chosen['num_shards']})"
    where = f"stage {place} of {len(runs)}" if place else "stage"
    seconds = published_seconds(workspace.reports, stage.notebook_name(item))
    last = f"{seconds / 60:.1f} min" if seconds is not None else "none published"
    return f"pdd: {where}: {name} (last published run: {last})"


def dvc_name(params: Params, stage: registry.Stage, item: Any) -> str:
    """The stage's name in dvc.yaml, `distill@progressive`, `ablation_ipcs@2-8`, ..."""
    runs = registry.expanded(params)
    return next((name for name, s, it in runs if s is stage and it == item), stage.name)


def run_record(params: Params, stage: registry.Stage, item: Any) -> dict[str, Any]:
    """What the stage-times table needs besides the machine: the DVC stage's name, the torch
    threads of the stage's process and the worker processes of its independent trainings."""
    common = params.common
    return {
        "stage": dvc_name(params, stage, item),
        "threads": common.threads,
        "workers": workers.available_cores() if common.workers == "auto" else common.workers,
    }


def published_seconds(reports: Path, notebook: str) -> float | None:
    """The notebook's wall seconds in the stage-times table of the published run."""
    table = reports / "summary" / "stage_times.csv"
    if not table.is_file():
        return None
    with table.open(newline="") as rows:
        for row in csv.DictReader(rows):
            if row.get("notebook") == notebook:
                return 60 * float(row["minutes"]) if "minutes" in row else float(row["seconds"])
    return None


def executed_notebook(workspace: Workspace, name: str) -> Path:
    """Scratch copy papermill writes cell by cell; published only once the run succeeds."""
    return workspace.artifacts / "work" / "notebooks" / f"{name}.ipynb"


def torchrun_shard() -> dict[str, int]:
    """Under `torchrun --nproc-per-node N`, this process's shard (RANK of WORLD_SIZE)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    return {"shard": int(os.environ["RANK"]), "num_shards": size} if size > 1 else {}


def _relative(path: Path) -> str:
    """Paths inside the repo are passed relative, so executed notebooks name no machine."""
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path.resolve())


def parse_overrides(pairs: list[str], flag: str = "--set") -> dict[str, Any]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ParamsError(f"{flag} {pair!r}: expected key=value, e.g. eval.epochs=10")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdd", description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--profile", help="smoke | default | paper (default: params.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V")
    parser.add_argument(
        "--item",
        dest="items",
        action="append",
        default=[],
        metavar="K=V",
        help="per-run choice: schedule=progressive (distill), shard=0 num_shards=2 (buffers; "
        "under torchrun the shard comes from RANK and WORLD_SIZE)",
    )
    parser.add_argument("--params", type=Path, default=paths.PARAMS_FILE)
    parser.add_argument("--workdir", type=Path, default=paths.ROOT, help="where outputs go")
    args = parser.parse_args(argv)
    cap_cpu_kernels()
    try:
        params = load_params(
            args.params, profile=args.profile, overrides=parse_overrides(args.overrides)
        )
        workspace = Workspace(args.workdir)
        started = time.perf_counter()
        if args.stage == "data":
            run_data(params, workspace)
        else:
            run_notebook(args.stage, params, workspace, parse_overrides(args.items, "--item"))
        print(f"pdd: stage done in {time.perf_counter() - started:.0f} s", flush=True)
    except (ParamsError, DataFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except PapermillExecutionError as error:
        print(
            f"error: stage {args.stage} failed in cell {error.exec_count}: "
            f"{error.ename}: {error.evalue} "
            "(see the executed notebook under artifacts/work/notebooks/)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
