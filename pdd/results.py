"""One table across base methods: each method alone (one stage at the total IPC) against
the same method under PDD, gathered from the metrics the stages have published.

MTT's row comes from the headline comparison (reports/evaluate/metrics.json, notebook 03:
`MTT (union, one stage)` vs `PDD (progressive)`); every other row from
reports/methods/<name>/metrics.json (notebook 04). The
paper's CIFAR-10 IPC-10 numbers sit alongside as a reference scale only: no MTT, IDC or
PDD number has been published for Fashion-MNIST or MNIST.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from pdd.io import read_json

# ConvNet, CIFAR-10, IPC 10, from the papers (notes/method.md §6). PDD is reported over MTT
# and IDC only; its best IPC-10 result (67.9) is the one over IDC (67.5, +0.4).
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
    "seeds",
    "alone_distill_s",
    "pdd_distill_s",
    "paper_c10_alone",
    "paper_c10_pdd",
]


def methods_table(reports: Path, names: list[str]) -> pd.DataFrame:
    """Rows for MTT (when the headline is published) and each of `names` that is."""
    rows = []
    headline = reports / "evaluate" / "metrics.json"
    if headline.exists():
        seconds = tuple(
            _distill_seconds(reports / "distill" / s / "metrics.json") for s in MTT_SCHEDULES
        )
        rows.append(_mtt_row(read_json(headline), seconds))
    for name in names:
        path = reports / "methods" / name / "metrics.json"
        if path.exists():
            rows.append(_method_row(read_json(path)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _mtt_row(evaluate: dict, distill_seconds: tuple) -> dict:
    alone, pdd = (evaluate["headline"][key] for key in MTT_ROWS)
    return _row("mtt", alone, pdd, distill_seconds)


def _distill_seconds(path: Path) -> float | None:
    """Seconds of distillation summed over a schedule's stages (as notebook 04 counts)."""
    if not path.exists():
        return None
    return round(sum(stage["seconds"] for stage in read_json(path)["stages"]), 1)


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
        "seeds": min(alone["n"], pdd["n"]),
        "alone_distill_s": distill_seconds[0],
        "pdd_distill_s": distill_seconds[1],
        "paper_c10_alone": paper_alone,
        "paper_c10_pdd": paper_pdd,
    }


def methods_markdown(table: pd.DataFrame) -> str:
    """The table as markdown: accuracies as mean ± std, the paper's numbers last."""
    lines = [
        "| method | alone (one stage) | with PDD | PDD − alone | seeds | distill s "
        "(alone / PDD) | paper, CIFAR-10 IPC 10 (alone → PDD) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        seconds = f"{_seconds_cell(row.alone_distill_s)} / {_seconds_cell(row.pdd_distill_s)}"
        paper = _paper_cell(row.paper_c10_alone, row.paper_c10_pdd)
        lines.append(
            f"| {row.method.upper()} | {row.alone_mean:.2f} ± {row.alone_std:.2f} "
            f"| {row.pdd_mean:.2f} ± {row.pdd_std:.2f} | {row.pdd_minus_alone:+.2f} "
            f"| {row.seeds} | {seconds} | {paper} |"
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


def summarise(reports: Path, method_names: list[str]) -> list[Path]:
    """The `report` stage: tables across published stages into reports/summary/."""
    summary = reports / "summary"
    shutil.rmtree(summary, ignore_errors=True)
    summary.mkdir(parents=True)
    return write_methods_table(reports, method_names, summary)
