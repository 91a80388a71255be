"""The pipeline's bookkeeping of its published run: how long every stage took, on which
machine, with how many threads and workers, and at which commit, read from the metadata
papermill and the runner record in each executed notebook (`reports/notebooks/`)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pdd.infra import machine, phases
from pdd.infra.io import read_json

STAGE_TIME_COLUMNS = [
    "stage", "notebook", "minutes", "machine", "threads", "workers", "started", "ended", "commit",
]  # fmt: skip


def stage_times(notebooks: Path) -> pd.DataFrame:
    """Wall minutes of every published notebook's execution (papermill's record), in
    pipeline order: the DVC stage, the machine, its torch threads and worker processes, the
    start and end, the commit the code ran at, and the minutes per phase the stage reported
    (`pdd.infra.phases`; the rest under `other`). Runs published before a field was
    recorded leave it empty; the `report` notebook itself is left out."""
    rows = []
    for path in sorted(notebooks.glob("*.ipynb"), key=lambda path: _natural_key(path.stem)):
        if path.stem.startswith("09_"):
            continue
        metadata = read_json(path)["metadata"]
        papermill, record = metadata.get("papermill", {}), metadata.get("pdd", {})
        if papermill.get("duration") is None:
            continue
        minutes = float(papermill["duration"]) / 60
        split = {name: seconds / 60 for name, seconds in record.get("phases", {}).items()}
        if split:
            split["other"] = max(0.0, minutes - sum(split.values()))
        rows.append(
            {
                "stage": record.get("stage", path.stem),
                "notebook": path.stem,
                "minutes": round(minutes, 2),
                "machine": machine.label(record.get("machine")),
                "threads": record.get("threads"),
                "workers": record.get("workers"),
                "started": papermill.get("start_time"),
                "ended": papermill.get("end_time"),
                "commit": machine.commit_label(record.get("code")),
                **{
                    name: round(split[name], 2)
                    for name in (*phases.NAMES, "other")
                    if name in split
                },
            }
        )
    present = [n for n in (*phases.NAMES, "other") if any(n in row for row in rows)]
    return pd.DataFrame(rows, columns=[*STAGE_TIME_COLUMNS, *present])


def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers inside names compare as numbers: stages_2 before stages_10."""
    return tuple(
        (0, int(token)) if token.isdigit() else (1, token)
        for token in re.split(r"(\d+)", name)
        if token
    )


def run_sentence(times: pd.DataFrame) -> str:
    """Which commits produced the published stages, and when they ran."""
    if times.empty:
        return "No stage is published yet."
    commits = ", ".join(f"`{c}`" for c in dict.fromkeys(times.commit))
    started, ended = times.started.dropna(), times.ended.dropna()
    when = ""
    if len(started) and len(ended):
        when = f" between {_utc(started.min())} and {_utc(ended.max())} UTC"
    return (
        f"The published stages ran at commit {commits}{when} "
        "('+': code changed on top of it; '—': not recorded)."
    )


def _utc(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def stage_times_markdown(times: pd.DataFrame) -> str:
    """The stage-times table: minutes per stage and per phase, machine, threads/workers."""
    split = [name for name in (*phases.NAMES, "other") if name in times.columns]
    lines = [
        "| stage | minutes | " + " | ".join(split) + (" | " if split else "")
        + "machine | threads / workers | started (UTC) | commit |",
        "|---|---:|" + "---:|" * len(split) + "---|---|---|---|",
    ]  # fmt: skip
    for row in times.itertuples():
        started = (row.started or "—")[:16].replace("T", " ")
        cells = [_minutes(getattr(row, name)) for name in split]
        workers = f"{_count(row.threads)} / {_count(row.workers)}"
        lines.append(
            f"| {row.stage} | {row.minutes:.1f} | " + "".join(f"{c} | " for c in cells)
            + f"{row.machine} | {workers} | {started} | {row.commit} |"
        )  # fmt: skip
    totals = ["" if not split else f"**{times[name].sum():.1f}**" for name in split]
    lines.append(
        f"| **total** | **{times.minutes.sum():.1f}** | " + "".join(f"{t} | " for t in totals)
        + " |  |  |  |"
    )  # fmt: skip
    return "\n".join(lines) + "\n"


def _minutes(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f}"


def _count(value: object) -> str:
    return "—" if value is None or pd.isna(value) else str(int(value))
