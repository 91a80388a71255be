"""`reports/README.md`, the landing page of the published run (notebook 09): the run's
set-up, the results, base-methods and stage-time tables, every published figure, and one
row per stage linking its results and its executed notebook. Links are relative to
`reports/`, where the page is published beside `summary/`.

It belongs to the pipeline's publication, not to the analyses: besides the analyses'
tables it shows the pipeline's own record of the run (which stages published, their
executed notebooks, the stale ones, the stage times and commits)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pdd.analyses.methods_table import methods_markdown
from pdd.analyses.results_table import results_markdown
from pdd.pipeline.stage_times import run_sentence, stage_times_markdown

if TYPE_CHECKING:
    from pdd.config.schema import Params

# The report's own figures (under summary/figures/), in page order, with their headings.
SUMMARY_FIGURES = {
    "stage_count": "Stage count",
    "stage_ipcs": "Per-stage IPC",
    "easy_drop": "Easy-example dropping",
}


def published_stages(reports: Path, folders: dict[str, str]) -> dict[str, bool]:
    """For each stage, whether its folder under `reports` exists (it has published)."""
    return {stage: (Path(reports) / folder).is_dir() for stage, folder in folders.items()}


def figure_links(reports: Path, folder: str) -> list[str]:
    """Markdown images of a published stage's figures (paths relative to `reports`)."""
    return [
        f"![{path.stem}]({path.relative_to(reports).as_posix()})"
        for path in sorted((Path(reports) / folder).rglob("figures/*.png"))
    ]


def setup_sentence(params: Params) -> str:
    """The dataset, the network and the evaluation protocol the results were measured with."""
    net, protocol = params.net, params.eval
    return (
        f"Dataset {params.common.dataset}, network {net.name}-{net.width} ({net.norm} norm), "
        f"evaluation {protocol.epochs} epochs with DSA {'on' if protocol.dsa else 'off'}; "
        "test accuracy (%), mean ± std over seeds."
    )


def table_lines(results: pd.DataFrame, methods: pd.DataFrame, times: pd.DataFrame) -> list[str]:
    """The sections of the three tables, each with where its CSV is and how to read it:
    the stage times first (what produced the numbers), then the results."""
    return [
        "## Measured time of every stage",
        "",
        "Wall time of each published notebook (papermill's record;",
        "[`summary/stage_times.csv`](summary/stage_times.csv)). Stages published in different",
        "sessions may come from different 2-core machines: each row names the machine that ran",
        "it (— for notebooks published before the machine was recorded). A stage that shared",
        "the cores with other work took longer than it would alone.",
        "",
        stage_times_markdown(times),
        "## All results",
        "",
        results_markdown(results),
        "Source: [`summary/results.csv`](summary/results.csv). Literature numbers are for the",
        "same dataset where the literature has one; CIFAR-10 numbers only show the paper's scale.",
        "",
        "## Base methods alone and with PDD",
        "",
        methods_markdown(methods) if not methods.empty else "Not published yet.\n",
    ]


def figure_lines(
    reports: Path, folders: dict[str, str], *, page_dir: Path, stage_figures: dict[str, str]
) -> list[str]:
    """The figures section: each published stage's figures, the report's own figures that
    exist beside the page (`page_dir`), and the stage images of every schedule."""
    lines = ["## Figures", ""]
    for stage, published in published_stages(reports, folders).items():
        links = figure_links(reports, folders[stage]) if published else []
        if links:
            lines += [f"### {stage}", "", *links, ""]
    for name, heading in SUMMARY_FIGURES.items():
        path = f"summary/figures/{name}.png"
        if (Path(page_dir) / path).is_file():
            lines += [f"### {heading}", "", f"![{name}]({path})", ""]
    lines += ["### Stage images beside real images", ""]
    return lines + [f"![{s}]({path})" for s, path in sorted(stage_figures.items())] + [""]


def stage_lines(reports: Path, folders: dict[str, str]) -> list[str]:
    """A table with one row per stage: its published folder (or that it is not published
    yet) and its executed notebooks under `reports/notebooks/`."""
    lines = ["## Stages", "", "| stage | published results | executed notebook |", "|---|---|---|"]
    for stage, published in published_stages(reports, folders).items():
        folder = folders[stage]
        pattern = f"*_{folder.replace('/', '_')}.ipynb"
        notebooks = sorted((Path(reports) / "notebooks").glob(pattern))
        notebook = ", ".join(f"[{p.name}](notebooks/{p.name})" for p in notebooks) or "—"
        result = f"[`{folder}/`]({folder}/)" if published else "not published yet"
        lines.append(f"| `{stage}` | {result} | {notebook} |")
    return lines


def stale_lines(stale: dict[str, str]) -> list[str]:
    """The stages whose published results the code of this commit no longer produces."""
    lines = ["## Stale stages", ""]
    if not stale:
        return [*lines, "None: every stage's published results come from this commit's code.", ""]
    lines += [
        "The code or params of these stages changed after their published run (`stale.yaml`);",
        "their numbers below are from the earlier code.",
        "",
        "| stage | why |",
        "|---|---|",
    ]
    return [*lines, *(f"| `{stage}` | {why} |" for stage, why in stale.items()), ""]


def landing_page(
    params: Params,
    *,
    reports: Path,
    folders: dict[str, str],
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    page_dir: Path,
    stage_figures: dict[str, str],
    claims_markdown: str = "",
    stale: dict[str, str] | None = None,
) -> str:
    """The whole page; `tables`: the results, base-methods and stage-times tables;
    `claims_markdown`: the verdict on every claim, first; `stale`: the stages knowingly
    left stale (stale.yaml), each with its reason."""
    lines = [
        "# Results of the published run",
        "",
        "Generated by the `report` stage (`notebooks/09_report.py`) from what every stage",
        "published under `reports/<stage>/`; do not edit by hand. " + setup_sentence(params),
        "",
        run_sentence(tables[2]),
        "",
        "## The paper's claims",
        "",
        "Δ: test accuracy points, paired by distillation run and evaluation seed; 95 % t",
        "interval over runs; verdict rule and protocols in `docs/evidence.md`; every",
        "comparison in [`summary/claims.csv`](summary/claims.csv).",
        "",
        claims_markdown or "Not published yet.\n",
        *stale_lines(stale or {}),
        *table_lines(*tables),
        *figure_lines(reports, folders, page_dir=page_dir, stage_figures=stage_figures),
        *stage_lines(reports, folders),
    ]
    return "\n".join(lines) + "\n"
