"""The cost table of the whole default run in the paper's regime, from the pilot's
measurements (`benchmarks.pilot`): each headline stage's minutes by phase, scaled from run
0 of the union and of PDD to the stage's runs, iterations and budget. Stages the pilot does
not cover (the evaluation and issue 43's stages) take their last published minutes
(reports/summary/stage_times.csv, the first regime), scaled by how many sets they score.

    python -m benchmarks.cost reports/pilot/pilot.json   # prints the markdown table
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import fmean
from typing import Any

import pandas as pd

from pdd.infra.paths import ROOT

STAGE_TIMES = ROOT / "reports" / "summary" / "stage_times.csv"
HEADLINE = ("buffers", "search", "distill", "distill_paper", "evaluate")
PARTS = ("distillation", "validation", "transition", "mechanism", "evaluation", "other")


def phase(result: dict[str, Any], name: str) -> float:
    return float(result["minutes_by_phase"].get(name, 0.0))


def cost_rows(pilot: dict[str, Any], earlier: pd.DataFrame | None = None) -> list[dict]:
    """One row per stage: what it runs, and its minutes (distillation, validation,
    transition, mechanism check, other) for the default params the pilot ran with."""
    distill, mtt, tune = (pilot["params"][k] for k in ("distill", "mtt", "tune"))
    union, pdd = pilot["schedules"]["union"], pilot["schedules"]["progressive"]
    rates = pilot["rates"]
    stages, runs = distill["stages"], distill["runs"]
    per_iteration = {int(k): v for k, v in rates["iteration_s"].items()}
    grid_mean = fmean(per_iteration.values()) / per_iteration.get(mtt["syn_steps"], 1.0)
    piloted = pilot.get("iterations_per_stage", mtt["iterations"])
    share = tune["iterations"] / piloted  # a search configuration's iterations
    full = mtt["iterations"] / piloted  # the runs' iterations
    transitions = phase(pdd, "transition")
    rows = [
        _row(
            "buffers",
            f"{pilot['params']['buffers']['num_experts']} experts",
            other=rates["buffers_minutes"] or 0.0,
        )
    ]
    search = {
        "distillation": (phase(union, "distillation") + 2 * phase(pdd, "distillation"))
        * share
        * grid_mean,
        "validation": (phase(union, "validation") + 2 * phase(pdd, "validation")) * share
        + 3 * rates["search_score_s"] / 60,
        "transition": transitions,
    }
    configs = tune["configs"]
    rows.append(
        _row(
            "search",
            f"{configs} configurations x 3 schedules, run 0",
            **{k: v * configs for k, v in search.items()},
        )
    )
    for budget, scale in (("equal", 1), ("paper", stages)):
        prefix = "distill" if budget == "equal" else "distill_paper"
        for schedule in ("union", "sequential", "progressive"):
            if budget == "paper" and schedule not in distill["paper_budget"]:
                continue
            source = union if schedule == "union" else pdd
            rows.append(
                _row(
                    f"{prefix}@{schedule}",
                    f"{runs} runs, {budget} budget",
                    distillation=runs * scale * full * phase(source, "distillation"),
                    # the paper budget validates as often per stage (Settings.with_budget)
                    validation=runs * full * phase(source, "validation"),
                    transition=runs * transitions if schedule == "progressive" else 0.0,
                    mechanism=runs * source["mechanism_minutes"],
                )
            )
    rows.append(_evaluate_row(earlier, distill))
    return rows


def _evaluate_row(earlier: pd.DataFrame | None, distill: dict[str, Any]) -> dict:
    sets = len(distill["schedules"]) + len(distill["paper_budget"])
    minutes = 0.0
    if earlier is not None and "evaluate" in set(earlier.stage):
        minutes = float(earlier.set_index("stage").loc["evaluate", "minutes"]) * sets / 3
    return _row(
        "evaluate",
        f"{sets} sets x runs x seeds, first regime's minutes x {sets}/3",
        evaluation=minutes,
    )


def _row(stage: str, what: str, **minutes: float) -> dict:
    parts = {k: round(minutes.get(k, 0.0), 1) for k in PARTS}
    return {"stage": stage, "what": what, **parts, "minutes": round(sum(minutes.values()), 1)}


def later_stages(earlier: pd.DataFrame | None) -> list[dict]:
    """Issue 43's stages at their first-regime minutes (a floor: their experts were cheaper)."""
    if earlier is None:
        return []
    rows = earlier[~earlier.stage.str.split("@").str[0].isin(HEADLINE)]
    rows = rows[rows.stage != "total"] if "total" in set(rows.stage) else rows
    return [
        _row(r.stage, "first regime's minutes", other=float(r.minutes)) for r in rows.itertuples()
    ]


def cost_markdown(pilot: dict[str, Any]) -> str:
    earlier = pd.read_csv(STAGE_TIMES) if STAGE_TIMES.is_file() else None
    headline = cost_rows(pilot, earlier)
    rest = later_stages(earlier)
    lines = [
        f"# Cost of the default run in the paper's regime (pilot of {pilot['started']})",
        "",
        f"From `{pilot['command'].strip()}` on {pilot['machine'].get('cpu', 'this machine')}: "
        "run 0 of the union and of PDD measured, the rest scaled (benchmarks/cost.py).",
        "",
        "| stage | what | " + " | ".join(PARTS) + " | minutes |",
        "|---|---|" + "---:|" * (len(PARTS) + 1),
    ]
    for row in headline + rest:
        cells = [
            row[k]
            for k in (
                "distillation",
                "validation",
                "transition",
                "mechanism",
                "evaluation",
                "other",
            )
        ]
        lines.append(
            f"| {row['stage']} | {row['what']} | "
            + " | ".join(f"{c:.0f}" if c else "—" for c in cells)
            + f" | {row['minutes']:.0f} |"
        )
    total_headline = sum(r["minutes"] for r in headline)
    total = total_headline + sum(r["minutes"] for r in rest)
    lines += [
        "",
        f"Headline stages: **{total_headline / 60:.1f} h**; with issue 43's stages at their "
        f"first-regime minutes: **{total / 60:.1f} h** (a floor for those).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pilot", type=Path)
    args = parser.parse_args(argv)
    print(cost_markdown(json.loads(args.pilot.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
