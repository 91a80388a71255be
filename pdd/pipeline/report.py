"""Publication into git-tracked `reports/`, so a fresh clone shows every result without
running anything, and later stages can build on earlier results without their caches.

Each stage publishes its own results as soon as it finishes (`publish_stage`): the small
files of `artifacts/<stage>[/<item>]/` (metrics, tables, figures and the distilled sets)
go to `reports/<stage>[/<item>]/`, and its executed notebook to `reports/notebooks/`.
Checkpoints, expert trajectories and resumable state stay in the DVC cache. Downstream
stages read the published sets and metrics, so an analysis can rerun from a fresh clone
without redoing the distillation behind it. The cheap `report` stage only gathers what is
published (its tables: pdd/analyses/results_table.py and methods_table.py; its landing
page: pdd/pipeline/report_page.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pdd.infra.paths import ROOT

PUBLISHED_SUFFIXES = (".json", ".csv", ".md", ".png", ".svg")
SET_FILE = "stage_*.pt"  # a distilled stage, published beside its folder's manifest.json


def publish_stage(source: Path, target: Path) -> list[Path]:
    """Replace `target` with the publishable files of `source` (same relative paths) and
    return them. Written into a sibling folder first, so a failure leaves the previous
    publication, never half of a new one."""
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: the stage wrote no results to publish")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    written = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and _publishable(p, source)):
        relative = path.relative_to(source)
        written.append(target / relative)
        _copy(path, staging / relative)
    staging.mkdir(parents=True, exist_ok=True)  # a stage may publish nothing but its notebook
    _swap(staging, target)
    return written


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` in the place of `target` by two renames, so that `target` is always
    the old publication or the new one, never a mix (absent only between the renames);
    the old one is deleted last."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def _publishable(path: Path, source: Path) -> bool:
    if "work" in path.relative_to(source).parts[:-1]:
        return False
    if path.suffix in PUBLISHED_SUFFIXES:
        return True
    return path.match(SET_FILE) and (path.parent / "manifest.json").is_file()


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def publish_file(source: Path, target: Path) -> Path:
    """One file (e.g. the prepared data's summary) into reports/."""
    partial = target.with_name(f".{target.name}.partial")
    _copy(source, partial)
    partial.replace(target)
    return target


def publish_notebook(source: Path, target: Path) -> Path:
    """Copy an executed notebook with the repository path it ran in replaced by `.` (that
    of this checkout, and that recorded by papermill when it ran in another copy)."""
    text = source.read_text()
    recorded = json.loads(text).get("metadata", {}).get("papermill", {}).get("output_path", "")
    roots = {str(ROOT)}
    marker = "/artifacts/"
    if marker in recorded and not recorded.startswith(marker):
        roots.add(recorded[: recorded.index(marker)])
    for root in sorted(roots, key=len, reverse=True):
        text = text.replace(root, ".")
    partial = target.with_name(f".{target.name}.partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text(text)
    partial.replace(target)
    return target
