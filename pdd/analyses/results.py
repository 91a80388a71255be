"""One table across base methods: each method alone (one stage at the total IPC) against
the same method under PDD, gathered from the metrics the stages have published.

MTT's row comes from the headline comparison (reports/evaluate/metrics.json, notebook 03:
`MTT (union, one stage)` vs `PDD (progressive)`); every other row from
reports/methods/<name>/metrics.json (notebook 04). The
paper's CIFAR-10 IPC-10 numbers sit alongside as a reference scale only: no MTT, IDC or
PDD number has been published for Fashion-MNIST or MNIST.

Beside it: the table of every published result, the stage times, and the report's figures
of the stage-count, per-stage IPC and easy-example-dropping runs (notebook 09).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses.distillation import distill_seconds
from pdd.config import stages
from pdd.infra import machine, phases
from pdd.infra.io import read_json

# ConvNet, CIFAR-10, IPC 10, as the papers report them (PDD Table 1 and each method's own
# paper). PDD is reported over MTT and IDC only; its best IPC-10 result (67.9) is the one
# over IDC (67.5, +0.4).
PAPER_CIFAR10_IPC10 = {
    "mtt": (65.3, 66.9),
    "idc": (67.5, 67.9),
    "dm": (48.9, None),
    "dsa": (52.1, None),
    "dc": (44.9, None),
}
MTT_ROWS = ("MTT (union, one stage)", "PDD (progressive)")
MTT_SCHEDULES = ("union", "progressive")
COLUMNS = [
    "method",
    "alone_mean",
    "alone_std",
    "pdd_mean",
    "pdd_std",
    "pdd_minus_alone",
    "runs",
    "alone_distill_s",
    "pdd_distill_s",
    "paper_c10_alone",
    "paper_c10_pdd",
]


def methods_table(reports: Path, names: list[str]) -> pd.DataFrame:
    """Rows for MTT (when the headline is published) and each of `names` that is."""
    rows = []
    headline = metrics_path(reports, "evaluate")
    if headline.exists():
        seconds = tuple(
            _distill_seconds(metrics_path(reports, "distill", s)) for s in MTT_SCHEDULES
        )
        rows.append(_mtt_row(read_json(headline), seconds))
    for name in names:
        path = metrics_path(reports, "methods", name)
        if path.exists():
            rows.append(_method_row(read_json(path)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _mtt_row(evaluate: dict, distill_seconds: tuple) -> dict:
    alone, pdd = (evaluate["headline"][key] for key in MTT_ROWS)
    return _row("mtt", alone, pdd, distill_seconds)


def _distill_seconds(path: Path) -> float | None:
    """Seconds of distillation of a schedule: its stages' sum, the mean over its runs (as
    notebook 04 counts)."""
    if not path.exists():
        return None
    per_run = distill_seconds(read_json(path))
    return round(sum(per_run) / len(per_run), 1)


def _method_row(metrics: dict) -> dict:
    name = metrics["method"]
    label = name.upper()
    alone, pdd = metrics["results"][f"{label} alone"], metrics["results"][f"PDD + {label}"]
    return _row(name, alone, pdd, (alone["distill_seconds"], pdd["distill_seconds"]))


def _row(name: str, alone: dict, pdd: dict, distill_seconds: tuple) -> dict:
    paper_alone, paper_pdd = PAPER_CIFAR10_IPC10.get(name, (None, None))
    return {
        "method": name,
        "alone_mean": alone["test_mean"],
        "alone_std": alone["test_std"],
        "pdd_mean": pdd["test_mean"],
        "pdd_std": pdd["test_std"],
        "pdd_minus_alone": round(pdd["test_mean"] - alone["test_mean"], 2),
        "runs": min(alone["n"], pdd["n"]),
        "alone_distill_s": distill_seconds[0],
        "pdd_distill_s": distill_seconds[1],
        "paper_c10_alone": paper_alone,
        "paper_c10_pdd": paper_pdd,
    }


def methods_markdown(table: pd.DataFrame) -> str:
    """The table as markdown: accuracies as mean ± std, the paper's numbers last."""
    lines = [
        "| method | alone (one stage) | with PDD | PDD − alone | runs | distill s "
        "(alone / PDD) | paper, CIFAR-10 IPC 10 (alone → PDD) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        seconds = f"{_seconds_cell(row.alone_distill_s)} / {_seconds_cell(row.pdd_distill_s)}"
        paper = _paper_cell(row.paper_c10_alone, row.paper_c10_pdd)
        lines.append(
            f"| {row.method.upper()} | {row.alone_mean:.2f} ± {row.alone_std:.2f} "
            f"| {row.pdd_mean:.2f} ± {row.pdd_std:.2f} | {row.pdd_minus_alone:+.2f} "
            f"| {row.runs} | {seconds} | {paper} |"
        )
    return "\n".join(lines) + "\n"


def _seconds_cell(seconds: float | None) -> str:
    return "—" if seconds is None or pd.isna(seconds) else f"{seconds:.0f}"


def _paper_cell(alone: float | None, pdd: float | None) -> str:
    if alone is None or pd.isna(alone):
        return "—"
    return f"{alone} → {pdd}" if pdd is not None and not pd.isna(pdd) else f"{alone} → n/a"


def write_methods_table(reports: Path, names: list[str], tables: Path) -> list[Path]:
    """tables/methods.csv and tables/methods.md; nothing when no method is published."""
    table = methods_table(reports, names)
    if table.empty:
        return []
    tables.mkdir(parents=True, exist_ok=True)
    csv, markdown = tables / "methods.csv", tables / "methods.md"
    table.to_csv(csv, index=False)
    markdown.write_text(methods_markdown(table))
    return [csv, markdown]


# Fashion-MNIST numbers from the literature (ConvNet-128): random real
# and DC/DSA from the DC/DSA papers. No MTT, IDC or PDD number exists for Fashion-MNIST.
LITERATURE_FMNIST = {
    "random real, IPC 1": (51.4, "DC paper, random real"),
    "random real, IPC 10": (73.8, "DC paper, random real"),
    "random real, IPC 50": (82.5, "DC paper, random real"),
}
RESULT_COLUMNS = ["experiment", "setting", "test_mean", "test_std", "n", "reference", "source"]


def results_table(
    reports: Path,
    method_names: list[str],
    stage_counts: list[int] = (),
    drop_rates: list[float] = (),
    stage_ipcs: list[str] = (),
) -> pd.DataFrame:
    """One row per published result (test accuracy %, mean ± std over seeds), with the
    literature's number beside it where one exists; unpublished stages add no rows."""
    rows = []
    rows += _baseline_rows(metrics_path(reports, "baselines"))
    rows += _headline_rows(metrics_path(reports, "evaluate"))
    methods = methods_table(reports, method_names)
    for row in methods[methods.method != "mtt"].itertuples():  # MTT: the headline rows
        label = row.method.upper()
        for setting, mean, std, paper in (
            (f"{label} alone", row.alone_mean, row.alone_std, row.paper_c10_alone),
            (f"PDD + {label}", row.pdd_mean, row.pdd_std, row.paper_c10_pdd),
        ):
            source = "paper, CIFAR-10 IPC 10 (scale only)" if _known(paper) else None
            rows.append(_result("base methods", setting, mean, std, row.runs, paper, source))
    for metrics in published_runs(reports, "ablation_stages", stage_counts).to_dict("records"):
        rows.append(_stage_count_row(metrics))
    for metrics in published_runs(reports, "ablation_stages", stage_ipcs).to_dict("records"):
        rows.append(_stage_count_row(metrics))
    rows += _scaling_rows(metrics_path(reports, "scaling"))
    drops = published_runs(reports, "easy_drop", [*drop_rates, CORRECT_BY_ALL])
    for metrics in drops.to_dict("records"):
        rows.append(_easy_drop_row(metrics))
    rows += _cross_arch_rows(metrics_path(reports, "cross_arch"))
    rows += _continual_rows(metrics_path(reports, "continual"))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _result(experiment, setting, mean, std, n, reference=None, source=None) -> dict:
    return {
        "experiment": experiment,
        "setting": setting,
        "test_mean": round(float(mean), 2),
        "test_std": round(float(std), 2),
        "n": int(n),
        "reference": reference if _known(reference) else None,
        "source": source,
    }


def _scored(experiment, setting, score: dict, reference=None, source=None) -> dict:
    """A row from a published score ({test_mean, test_std, n})."""
    return _result(
        experiment, setting, score["test_mean"], score["test_std"], score["n"], reference, source
    )


def _known(value) -> bool:
    return value is not None and not pd.isna(value)


def _baseline_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for key, score in read_json(path)["random_real"].items():
        setting = f"random real, IPC {key.removeprefix('ipc')}"
        rows.append(_scored("baselines", setting, score, *LITERATURE_FMNIST.get(setting, ())))
    return rows


def _headline_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    metrics = read_json(path)
    paper = {MTT_ROWS[0]: PAPER_CIFAR10_IPC10["mtt"][0], MTT_ROWS[1]: PAPER_CIFAR10_IPC10["mtt"][1]}
    rows = []
    for setting, score in metrics["headline"].items():
        reference = paper.get(setting)
        source = "paper, CIFAR-10 IPC 10 (scale only)" if reference else None
        experiment = f"headline, total IPC {metrics['total_ipc']}"
        rows.append(_scored(experiment, setting, score, reference, source))
    return rows


def _stage_count_row(metrics: dict) -> dict:
    if _known(metrics.get("ipc_per_stage")):
        setting = f"P = {metrics['P']} stages × IPC {int(metrics['ipc_per_stage'])}"
    else:  # the per-stage IPC ablation
        setting = f"P = {metrics['P']} stages, IPC {split_label(metrics)}"
    return _scored("stage count (same total IPC and iterations)", setting, metrics)


CORRECT_BY_ALL = "correct-by-all"  # easy_drop's other criterion (its folder and item)


def _easy_drop_row(metrics: dict) -> dict:
    seen = f"later stages see {metrics['kept_fraction']:.0%}"
    if metrics["rate"] == CORRECT_BY_ALL:
        setting = (
            f"drop what every transition network gets right, keep {metrics['keep_learned']:.0%}"
            f" of it ({seen} on average)"
        )
    else:
        setting = f"drop {float(metrics['rate']):.0%} easiest ({seen})"
    return _scored("easy-example dropping (PDD + MTT)", setting, metrics)


def split_label(metrics: dict) -> str:
    """ "2 + 8": the per-stage IPCs of a stage-count ablation run (even splits included)."""
    sizes = metrics.get("stage_ipcs")
    if not isinstance(sizes, list):  # published before per-stage IPCs were recorded
        sizes = [int(metrics["ipc_per_stage"])] * int(metrics["P"])
    return " + ".join(map(str, sizes))


def _scaling_rows(path: Path) -> list[dict]:
    """Each measured size of each curve, as a share of the data and of full-data accuracy."""
    if not path.exists():
        return []
    metrics = read_json(path)
    full = metrics["full_data"]
    experiment = "scaling (share of data → share of full-data accuracy)"
    rows = [
        _result(
            experiment,
            f"full data, {full['epochs']} epochs (one network)",
            full["test_acc"],
            0.0,
            1,
        )
    ]
    for source, scores in metrics["scores"].items():
        if source.startswith("PDD (main run"):  # already in the headline rows
            continue
        for key, score in sorted(scores.items(), key=lambda item: int(item[0][3:])):
            setting = (
                f"{source}, IPC {key.removeprefix('ipc')}: {score['data_fraction']:.2%} of the "
                f"data → {score['relative_acc']:.0%}"
            )
            rows.append(_scored(experiment, setting, score))
    return rows


def metrics_path(reports: Path, stage: str, item: Any = None) -> Path:
    """metrics.json that a stage (one item of it) publishes, in the registry's folder."""
    return reports / stages.stage(stage).folder(item) / "metrics.json"


def published_runs(reports: Path, stage: str, items: list) -> pd.DataFrame:
    """The metrics of every published run of a foreach stage (`reports/<stage>/<item>/`),
    in the order of `items`; items not published yet are left out."""
    paths = (metrics_path(reports, stage, item) for item in items)
    return pd.DataFrame([read_json(path) for path in paths if path.exists()])


def _cross_arch_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    metrics = read_json(path)
    return [
        _scored(
            f"cross-architecture ({protocol}, {metrics['epochs']} epochs)", f"{name} on {net}", s
        )
        for protocol, by_net in metrics["scores"].items()
        for net, scores in by_net.items()
        for name, s in scores.items()
    ]


def _continual_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    metrics = read_json(path)
    tasks = len(metrics["tasks"])
    return [
        _scored(f"continual ({tasks} tasks, {protocol}), mean over tasks", f"memory: {name}", s)
        for protocol, by_source in metrics["average_over_tasks"].items()
        for name, s in by_source.items()
    ]


def results_markdown(table: pd.DataFrame) -> str:
    lines = [
        "| experiment | setting | test accuracy (%) | seeds | literature | source |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        reference = f"{row.reference}" if _known(row.reference) else "—"
        source = row.source if isinstance(row.source, str) else "—"
        lines.append(
            f"| {row.experiment} | {row.setting} | {row.test_mean:.2f} ± {row.test_std:.2f} "
            f"| {row.n} | {reference} | {source} |"
        )
    return "\n".join(lines) + "\n"


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


# Figures of the report (notebook 09), drawn from the tables above.


def stage_count_figure(counts: pd.DataFrame) -> plt.Figure:
    """Accuracy (mean ± std) and distillation seconds against the number of stages P."""
    fig, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained")
    axes[0].errorbar(counts.P, counts.test_mean, yerr=counts.test_std, marker="o", capsize=3)
    axes[0].set(xscale="log", xlabel="stages P", ylabel="test accuracy (%)", title="accuracy")
    axes[0].set_xticks(counts.P, [str(p) for p in counts.P])
    axes[0].minorticks_off()
    sns.barplot(data=counts, x="P", y="distill_seconds", ax=axes[1], color="C0")
    # reused sets carry the seconds of the run that made them (maybe another machine)
    axes[1].set(xlabel="stages P", ylabel="distillation seconds", title="cost (as run)")
    return fig


def split_comparison(counts: pd.DataFrame, splits: pd.DataFrame) -> pd.DataFrame:
    """The even stage-count runs with the same P as an uneven split, then the splits, each
    labelled by its per-stage IPCs ("2 + 2", "1 + 3") in column `split`."""
    even = counts[counts.P.isin(splits.P)] if not counts.empty else counts
    compared = pd.concat([even, splits], ignore_index=True)
    compared["split"] = [split_label(row) for row in compared.to_dict("records")]
    return compared


def stage_ipcs_figure(compared: pd.DataFrame) -> plt.Figure:
    """Accuracy (mean ± std) of each per-stage IPC split (a `split_comparison`)."""
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    ax.errorbar(compared.split, compared.test_mean, yerr=compared.test_std, fmt="o", capsize=3)
    ax.set(
        xlabel="images per class of each stage", ylabel="test accuracy (%)", title="per-stage IPC"
    )
    return fig


def easy_drop_figure(drops: pd.DataFrame, correct: pd.DataFrame) -> plt.Figure:
    """Accuracy against the share of real data later stages keep: the forgetting-score drop
    rates as a line, the correct-by-all criterion (when published) as a point."""
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    for runs, style, label in (
        (drops, {"marker": "o"}, "forgetting: easiest dropped"),
        (correct, {"fmt": "s"}, "correct-by-all"),  # kept share: the mean over later stages
    ):
        if not runs.empty:
            kept = 100 * runs.kept_fraction
            ax.errorbar(kept, runs.test_mean, yerr=runs.test_std, capsize=3, label=label, **style)
    ax.legend(fontsize="x-small")
    ax.set(
        xlabel="real training data kept for later stages (%)",
        ylabel="test accuracy (%)",
        title="PDD + MTT, easiest examples dropped",
    )
    return fig
