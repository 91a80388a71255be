"""One table across base methods: each method alone (one stage at the total IPC) against
the same method under PDD, gathered from the metrics the stages have published.

MTT's row comes from the headline comparison (reports/evaluate/metrics.json, notebook 03:
`MTT (union, one stage)` vs `PDD (progressive)`); every other row from
reports/methods/<name>/metrics.json (notebook 04). The
paper's CIFAR-10 IPC-10 numbers sit alongside as a reference scale only: no MTT, IDC or
PDD number has been published for Fashion-MNIST or MNIST.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdd.analyses.distillation import published_distill_seconds
from pdd.analyses.headline import schedule_labels
from pdd.analyses.labels import method_labels
from pdd.analyses.published import metrics_path
from pdd.infra.io import read_json
from pdd.progressive.schedule import ALONE_AND_PDD

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
# MTT's rows: the headline's two schedules, under the labels notebook 03 publishes.
MTT_ROWS = tuple(schedule_labels("mtt")[schedule] for schedule in ALONE_AND_PDD)
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
            _mean_published_seconds(metrics_path(reports, "distill", s)) for s in ALONE_AND_PDD
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


def _mean_published_seconds(path: Path) -> float | None:
    """Seconds of distillation of a published schedule: its stages' sum, the mean over its
    runs (as notebook 04 counts); None while the schedule is not published."""
    if not path.exists():
        return None
    per_run = published_distill_seconds(read_json(path))
    return round(sum(per_run) / len(per_run), 1)


def _method_row(metrics: dict) -> dict:
    name = metrics["method"]
    alone, pdd = (metrics["results"][label] for label in method_labels(name))
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
