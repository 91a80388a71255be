"""The cheap last stage: publish metrics, tables, figures, distilled sets and executed
notebooks from the DVC-cached `artifacts/` into git-tracked `reports/`, so a fresh clone
shows every result without running anything.

Every folder `artifacts/<a>/<b>/` holding a `metrics.json` is published as
reports/metrics/<a>_<b>.json, reports/tables/<a>/<b>/*.csv, reports/figures/<a>/<b>/*
(its PNG/SVG files and its `figures/` folder); every distilled set (a folder with a
`manifest.json`) goes to reports/sets/ under its path in artifacts/. Last, the metrics of
the base methods are gathered into reports/tables/methods.{csv,md} (pdd/results.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pdd.paths import ROOT
from pdd.results import write_methods_table

PUBLISHED_FOLDERS = ("metrics", "tables", "figures", "notebooks", "sets")
SKIPPED = ("notebooks", "work")


def publish(artifacts: Path, prepared: Path, reports: Path) -> list[Path]:
    """Rewrite the published folders of `reports/` from scratch and return what was written."""
    for folder in PUBLISHED_FOLDERS:
        shutil.rmtree(reports / folder, ignore_errors=True)
    written = [_copy(prepared / "summary.json", reports / "metrics" / "data.json")]
    for metrics in sorted(artifacts.rglob("metrics.json")):
        source = metrics.parent
        relative = source.relative_to(artifacts)
        if relative.parts[0] in SKIPPED:
            continue
        written.append(_copy(metrics, reports / "metrics" / f"{'_'.join(relative.parts)}.json"))
        for table in sorted(source.glob("*.csv")):
            written.append(_copy(table, reports / "tables" / relative / table.name))
        pictures = [*source.glob("*.png"), *source.glob("*.svg"), *(source / "figures").glob("*")]
        for picture in sorted(pictures):
            written.append(_copy(picture, reports / "figures" / relative / picture.name))
    for manifest in sorted(artifacts.rglob("manifest.json")):  # distilled sets: small
        source = manifest.parent
        relative = source.relative_to(artifacts)
        if relative.parts[0] in SKIPPED:
            continue
        for part in sorted([manifest, *source.glob("stage_*.pt")]):
            written.append(_copy(part, reports / "sets" / relative / part.name))
    for notebook in sorted((artifacts / "notebooks").glob("*.ipynb")):
        written.append(_publish_notebook(notebook, reports / "notebooks" / notebook.name))
    written += write_methods_table(reports / "metrics", reports / "tables")
    return written


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _publish_notebook(source: Path, target: Path) -> Path:
    """Copy an executed notebook with the repository path it ran in replaced by `.` (that
    of this checkout, and that recorded by papermill when it ran in another copy)."""
    text = source.read_text()
    recorded = json.loads(text).get("metadata", {}).get("papermill", {}).get("output_path", "")
    roots = {str(ROOT)}
    suffix = f"/artifacts/notebooks/{source.name}"
    if recorded.endswith(suffix) and len(recorded) > len(suffix):
        roots.add(recorded[: -len(suffix)])
    for root in sorted(roots, key=len, reverse=True):
        text = text.replace(root, ".")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target
