"""The pilot of the paper's regime (issue 42): run 0 of the union (MTT alone) and of PDD,
distilled with the `mtt` section's own settings (the shared search's configuration 0) on
the published experts, each followed by the mechanism check, with their measured minutes
per phase; then the rates the cost table of the whole default run needs.

    python -m benchmarks.pilot --out reports/pilot [--iterations 60]

`--iterations`: per stage (default: the `mtt` section's); the cost table scales the
distillation and validation minutes to the section's count.

Needs `artifacts/buffers` (dvc repro -s buffers). Resumable: the runs keep their state in
`artifacts/work/pilot-<schedule>-run0-*`. Nothing here chooses anything: the pilot's sets
are read on the validation split only, to see whether they still improve and whether
their later stages learn. Writes `pilot.json` (every measurement, with the command and the
machine) and `pilot.md` (the cost table: `benchmarks.cost`).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from benchmarks.cost import cost_markdown
from pdd.analyses.distillation import schedule_metrics, stage_table
from pdd.analyses.mechanism import mechanism_summary, stage_verdicts
from pdd.config.context import context_from
from pdd.config.distillers import build_distiller
from pdd.config.params import load_params
from pdd.core.buffers import load_buffers
from pdd.core.scoring import score_sets
from pdd.experiments.mechanism import check_schedule
from pdd.experiments.plan import Settings, distill_runs
from pdd.experiments.runs import distill_schedule
from pdd.experiments.search import validation_scoring
from pdd.infra import machine, phases
from pdd.infra.paths import ROOT
from pdd.infra.runtime import derive_seed
from pdd.methods.base import StageTask
from pdd.progressive.setup import real_init

PROBE_ITERATIONS = 5


def pilot_schedule(params, ctx, experts, run, schedule: str, iterations: int) -> dict[str, Any]:
    """Run 0 of `schedule` at `iterations` per stage and its mechanism check: minutes per
    phase, every stage's selection (still improving?) and which stages learned."""
    settings = Settings.of(params).with_iterations(iterations)
    common = {"experts": experts, "artifacts": ROOT / "artifacts", "work_name": f"pilot-{schedule}"}
    phases.reset()
    started = time.perf_counter()
    results = distill_schedule(
        params, ctx, schedule=schedule, runs=[run], settings=settings, **common
    )
    distilled_minutes = (time.perf_counter() - started) / 60
    by_phase = {k: v / 60 for k, v in phases.totals().items()}
    started = time.perf_counter()
    checks = check_schedule(
        params, ctx, schedule=schedule, distilled=results, settings=settings, **common
    )
    check_minutes = (time.perf_counter() - started) / 60
    stages = stage_table(schedule_metrics(schedule, results))
    verdicts = stage_verdicts(checks, stages)
    return {
        "minutes": distilled_minutes + check_minutes,
        "distill_minutes": distilled_minutes,
        "minutes_by_phase": by_phase,
        "mechanism_minutes": check_minutes,
        "mechanism_windows": len(checks),
        "stages": stages.to_dict("records"),
        "mechanism": verdicts.to_dict("records"),
        "mechanism_summary": mechanism_summary(verdicts),
        "sets": results[run],
    }


def iteration_seconds(params, ctx, experts, run, syn_steps: int) -> float:
    """Seconds of one MTT iteration at `syn_steps` (a stage of IPC distill.ipc_per_stage,
    nothing frozen), from PROBE_ITERATIONS iterations without validation."""
    settings = Settings.of(params).varied("mtt", syn_steps=syn_steps, iterations=PROBE_ITERATIONS)
    distiller = build_distiller(
        "mtt",
        settings.mtt,
        distill=settings.distill,
        make_model=ctx.make_model,
        data=ctx.data,
        lr_init=params.buffers.lr_teacher,
    )
    images, labels = real_init(ctx.data, params.distill.ipc_per_stage, derive_seed(run.seed, 9))
    task = StageTask.alone(
        images, labels, trajectories=run.pick(experts), seed=run.seed, progress=False
    )
    started = time.perf_counter()
    distiller.distill(task)
    return (time.perf_counter() - started) / PROBE_ITERATIONS


def search_score_seconds(params, ctx, stages) -> float:
    """Seconds the search spends scoring one (configuration, schedule) on validation."""
    scoring = validation_scoring(ctx, params)
    seeds = [derive_seed(7, "pilot-probe", k) for k in range(params.tune.num_seeds)]
    started = time.perf_counter()
    score_sets({"pilot": stages}, scoring, seeds)
    return time.perf_counter() - started


def buffers_minutes() -> float | None:
    """The published buffers stage's wall minutes (papermill's duration)."""
    notebook = ROOT / "reports" / "notebooks" / "01_buffers.ipynb"
    if not notebook.is_file():
        return None
    duration = json.loads(notebook.read_text())["metadata"].get("papermill", {}).get("duration")
    return None if duration is None else duration / 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "pilot")
    parser.add_argument("--schedules", nargs="+", default=["union", "progressive"])
    parser.add_argument("--iterations", type=int, default=None, help="per stage")
    parser.add_argument("--profile", default="default", help="a wiring check: smoke")
    args = parser.parse_args(argv)
    params = load_params(ROOT / "params.yaml", profile=args.profile)
    iterations = args.iterations or params.mtt.iterations
    ctx = context_from(params, ROOT / "data" / "prepared")
    experts = load_buffers(ROOT / "artifacts" / "buffers", params.buffers.num_experts)
    run = distill_runs(params, count=1)[0]
    started = datetime.now(UTC).isoformat(timespec="minutes")
    pilot = {
        "command": "python -m benchmarks.pilot " + " ".join(argv or []),
        "started": started,
        "machine": machine.describe(),
        "torch": torch.__version__,
        "params": {
            "buffers": params.buffers.model_dump(),
            "distill": params.distill.model_dump(),
            "mtt": params.mtt.model_dump(),
            "tune": params.tune.model_dump(),
        },
        "iterations_per_stage": iterations,
        "schedules": {},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    sets = {}
    for schedule in args.schedules:  # each written as it finishes: a cut-short pilot keeps it
        result = pilot_schedule(params, ctx, experts, run, schedule, iterations)
        sets[schedule] = result.pop("sets")
        pilot["schedules"][schedule] = result
        write_pilot(args.out, pilot)
    pilot["rates"] = {
        "iteration_s": {
            n: iteration_seconds(params, ctx, experts, run, n)
            for n in params.tune.grid.get("syn_steps", [params.mtt.syn_steps])
        },
        "search_score_s": search_score_seconds(
            params, ctx, sets.get("union") or [*sets.values()][0]
        ),
        "buffers_minutes": buffers_minutes(),
    }
    write_pilot(args.out, pilot)
    (args.out / "pilot.md").write_text(cost_markdown(pilot))
    print((args.out / "pilot.md").read_text())
    return 0


def write_pilot(out: Path, pilot: dict[str, Any]) -> None:
    (out / "pilot.json").write_text(json.dumps(pilot, indent=2, default=str) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
