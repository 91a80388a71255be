"""The cheap last stage: publish metrics, tables, figures and executed notebooks from the
DVC-cached `artifacts/` into git-tracked `reports/`, so a fresh clone shows every result.

Layout produced: reports/metrics/<stage>.json, reports/tables/<stage>/<name>.csv,
reports/figures/<stage>/<name>.{png,svg}, reports/notebooks/<notebook>.ipynb.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pdd.paths import ROOT

PUBLISHED_FOLDERS = ("metrics", "tables", "figures", "notebooks")


def publish(artifacts: Path, prepared: Path, reports: Path) -> list[Path]:
    """Rewrite the published folders of `reports/` from scratch and return what was written."""
    for folder in PUBLISHED_FOLDERS:
        shutil.rmtree(reports / folder, ignore_errors=True)
    written = [_copy(prepared / "summary.json", reports / "metrics" / "data.json")]
    for stage in sorted(p for p in artifacts.iterdir() if p.is_dir() and p.name != "notebooks"):
        if (stage / "metrics.json").is_file():
            written.append(
                _copy(stage / "metrics.json", reports / "metrics" / f"{stage.name}.json")
            )
        for table in sorted(stage.glob("*.csv")):
            written.append(_copy(table, reports / "tables" / stage.name / table.name))
        for figure in sorted((stage / "figures").glob("*")):
            written.append(_copy(figure, reports / "figures" / stage.name / figure.name))
    for notebook in sorted((artifacts / "notebooks").glob("*.ipynb")):
        written.append(_publish_notebook(notebook, reports / "notebooks" / notebook.name))
    return written


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _publish_notebook(source: Path, target: Path) -> Path:
    """Copy an executed notebook with this machine's repository path replaced by `.`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text().replace(str(ROOT), "."))
    return target
