"""Run one pipeline stage: `python -m pdd <stage> [--profile P] [--set key=value ...]`.

Params are validated first (one readable line and exit code 2 on any problem, before any
work). Notebook stages execute `notebooks/<name>.py` with papermill (the executed copy in
`artifacts/work/notebooks/`), then publish their results into `reports/<stage>[/<item>]/`
and the notebook into `reports/notebooks/` (pdd/pipeline/report.py); the cheap `report` stage
(notebook 09) gathers the published results into `reports/summary/` and `reports/README.md`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from papermill.exceptions import PapermillExecutionError

from pdd.config.params import STAGE_SPLIT, Params, ParamsError, load_params, notebook_parameters
from pdd.core.progressive import SCHEDULES
from pdd.data import DataFileError, prepare_dataset
from pdd.infra import paths
from pdd.infra.io import write_json
from pdd.pipeline.notebook import execute
from pdd.pipeline.report import publish_file, publish_notebook, publish_stage

# stage name -> (notebook file stem, its params section, upstream sections it also reads)
# Every notebook also gets common, net and eval.
NOTEBOOK_STAGES = {
    "baselines": ("00_data_and_baselines", "baselines", ()),
    "buffers": ("01_buffers", "buffers", ()),
    "distill": ("02_distill", "distill", ("buffers", "matching", "dm")),
    "evaluate": ("03_evaluate", "evaluate", ("distill",)),
    "methods": ("04_methods", "methods", ("buffers", "distill", "matching", "dm", "evaluate")),
    "ablation_stages": (
        "05_ablation_stages",
        "ablation",
        ("buffers", "distill", "matching", "dm", "evaluate"),
    ),
    "scaling": ("05b_scaling", "scaling", ("buffers", "distill", "matching", "dm", "evaluate")),
    "forgetting": ("06a_forgetting", "easy_drop", ("buffers",)),
    "easy_drop": (
        "06b_easy_drop",
        "easy_drop",
        ("buffers", "distill", "matching", "dm", "evaluate"),
    ),
    "cross_arch": ("07_cross_arch", "cross_arch", ("distill",)),
    "continual": ("08_continual", "continual", ("distill",)),
    "report": ("09_report", "common", ("distill", "methods", "ablation", "easy_drop")),
}
# Per-run choices that are not hyper-parameters (DVC foreach items, shards): name -> default.
ITEMS = {
    "buffers": {"shard": 0, "num_shards": 1},
    "distill": {"schedule": "progressive"},
    "methods": {"method": "dm"},
    "ablation_stages": {"stages": 2},
    "easy_drop": {"rate": 0.2},
}
VARIANT_ITEMS = ("schedule", "method", "stages", "rate")  # name the stage's output folder
STAGES = ("data", *NOTEBOOK_STAGES)
# Stages whose notebooks read what earlier stages published (sets, metrics) from reports/.
READS_REPORTS = (
    "evaluate",
    "ablation_stages",
    "scaling",
    "easy_drop",
    "cross_arch",
    "continual",
    "report",
)


@dataclass(frozen=True)
class Workspace:
    """Output folders; all under the repository by default, elsewhere for tests."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"


def data_mirror(params: Params) -> Path | None:
    """PDD_DATA_MIRROR (machine-specific) wins over `common.data_mirror` (in git)."""
    chosen = os.environ.get("PDD_DATA_MIRROR") or params.common.data_mirror
    return (paths.ROOT / chosen).resolve() if chosen else None


def run_data(params: Params, workspace: Workspace) -> None:
    summary = prepare_dataset(
        params.common.dataset,
        raw_dir=workspace.raw,
        prepared_dir=workspace.prepared,
        mirror_dir=data_mirror(params),
        allow_download=params.common.download,
    )
    write_json(workspace.prepared / "summary.json", summary)
    publish_file(workspace.prepared / "summary.json", workspace.reports / "data" / "summary.json")


def run_notebook(
    stage: str, params: Params, workspace: Workspace, items: dict[str, Any] | None = None
) -> None:
    stem, section, upstream = NOTEBOOK_STAGES[stage]
    given = (items or {}) | (torchrun_shard() if stage == "buffers" else {})
    chosen = stage_items(stage, given)
    parameters = notebook_parameters(params, section, upstream) | chosen
    parameters["prepared_dir"] = _relative(workspace.prepared)
    parameters["artifacts_dir"] = _relative(workspace.artifacts)
    if stage in READS_REPORTS:
        parameters["reports_dir"] = _relative(workspace.reports)
    variant = [str(value) for key, value in chosen.items() if key in VARIANT_ITEMS]
    name = "_".join([stem, *variant])
    if chosen.get("num_shards", 1) > 1:  # a shard's share is gathered by the full run
        shard = f"shard{chosen['shard']}of{chosen['num_shards']}"
        execute(
            paths.NOTEBOOKS / f"{stem}.py",
            executed_notebook(workspace, f"{name}_{shard}"),
            parameters,
        )
        return
    executed = executed_notebook(workspace, name)
    execute(paths.NOTEBOOKS / f"{stem}.py", executed, parameters)
    if stage == "report":  # the gathered tables, and the landing page of reports/
        publish_stage(workspace.artifacts / "report" / "summary", workspace.reports / "summary")
        publish_file(workspace.artifacts / "report" / "README.md", workspace.reports / "README.md")
    else:
        folder = Path(stage, *variant)
        publish_stage(workspace.artifacts / folder, workspace.reports / folder)
    publish_notebook(executed, workspace.reports / "notebooks" / f"{name}.ipynb")


def executed_notebook(workspace: Workspace, name: str) -> Path:
    """Scratch copy papermill writes cell by cell; published only once the run succeeds."""
    return workspace.artifacts / "work" / "notebooks" / f"{name}.ipynb"


def torchrun_shard() -> dict[str, int]:
    """Under `torchrun --nproc-per-node N`, this process's shard (RANK of WORLD_SIZE)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    return {"shard": int(os.environ["RANK"]), "num_shards": size} if size > 1 else {}


def stage_items(stage: str, given: dict[str, Any]) -> dict[str, Any]:
    allowed = ITEMS.get(stage, {})
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ParamsError(
            f"--item {unknown[0]}: not an item of stage {stage}; "
            f"allowed: {sorted(allowed) or 'none'}"
        )
    chosen = allowed | given
    if stage == "distill" and chosen["schedule"] not in SCHEDULES:
        raise ParamsError(
            f"--item schedule={chosen['schedule']!r}; allowed: {', '.join(SCHEDULES)}"
        )
    if stage == "ablation_stages" and not _stage_count_or_split(chosen["stages"]):
        raise ParamsError(
            f"--item stages={chosen['stages']!r} must be a positive integer (P) or per-stage "
            "IPCs joined by '-' (2-8)"
        )
    if stage == "easy_drop" and not (
        chosen["rate"] == "correct-by-all"
        or (isinstance(chosen["rate"], (int, float)) and 0 <= chosen["rate"] < 1)
    ):
        raise ParamsError(
            f"--item rate={chosen['rate']!r} must be a fraction in [0, 1) or correct-by-all"
        )
    if stage == "buffers" and not 0 <= chosen["shard"] < chosen["num_shards"]:
        raise ParamsError(f"--item shard={chosen['shard']} must be in 0..num_shards-1")
    return chosen


def _stage_count_or_split(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 1
    return isinstance(value, str) and STAGE_SPLIT.fullmatch(value) is not None


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
    # papermill streams each cell's output through its logger at INFO level.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        params = load_params(
            args.params, profile=args.profile, overrides=parse_overrides(args.overrides)
        )
        workspace = Workspace(args.workdir)
        if args.stage == "data":
            run_data(params, workspace)
        else:
            run_notebook(args.stage, params, workspace, parse_overrides(args.items, "--item"))
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
