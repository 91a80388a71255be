"""The table of every published result (notebook 09): test accuracy, mean ± std over seeds,
one row per setting of every stage, with the literature's number beside it where one
exists. Stages not published yet add no rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdd.analyses.easy_drop import CORRECT_BY_ALL
from pdd.analyses.methods_table import (
    MTT_ROWS,
    PAPER_CIFAR10_IPC10,
    method_labels,
    methods_table,
)
from pdd.analyses.published import metrics_path, published_runs
from pdd.analyses.scaling import MAIN_RUN
from pdd.infra.io import read_json

# Fashion-MNIST numbers from the literature (ConvNet-128): random real
# and DC/DSA from the DC/DSA papers. No MTT, IDC or PDD number exists for Fashion-MNIST.
LITERATURE_FMNIST = {
    "random real, IPC 1": (51.4, "DC paper, random real"),
    "random real, IPC 10": (73.8, "DC paper, random real"),
    "random real, IPC 50": (82.5, "DC paper, random real"),
}
PAPER_SCALE = "paper, CIFAR-10 IPC 10 (scale only)"  # the source of a paper number
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
        alone, pdd = method_labels(row.method)
        for setting, mean, std, paper in (
            (alone, row.alone_mean, row.alone_std, row.paper_c10_alone),
            (pdd, row.pdd_mean, row.pdd_std, row.paper_c10_pdd),
        ):
            source = PAPER_SCALE if _known(paper) else None
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
    paper = dict(zip(MTT_ROWS, PAPER_CIFAR10_IPC10["mtt"], strict=True))
    rows = []
    for setting, score in metrics["headline"].items():
        reference = paper.get(setting)
        source = PAPER_SCALE if reference else None
        experiment = f"headline, total IPC {metrics['total_ipc']}"
        rows.append(_scored(experiment, setting, score, reference, source))
    return rows


def _stage_count_row(metrics: dict) -> dict:
    if _known(metrics.get("ipc_per_stage")):
        setting = f"P = {metrics['P']} stages × IPC {int(metrics['ipc_per_stage'])}"
    else:  # the per-stage IPC ablation
        setting = f"P = {metrics['P']} stages, IPC {split_label(metrics)}"
    return _scored("stage count (same total IPC and iterations)", setting, metrics)


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
        if source.startswith(MAIN_RUN):  # already in the headline rows
            continue
        for key, score in sorted(scores.items(), key=lambda item: int(item[0][3:])):
            setting = (
                f"{source}, IPC {key.removeprefix('ipc')}: {score['data_fraction']:.2%} of the "
                f"data → {score['relative_acc']:.0%}"
            )
            rows.append(_scored(experiment, setting, score))
    return rows


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
    """The table as markdown: accuracy as mean ± std, then the literature's number."""
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
