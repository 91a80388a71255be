"""Where each stage publishes its metrics under `reports/`, and reading them back: the
report's tables, summary and figures all start here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pdd.config import stages
from pdd.infra.io import read_json


def metrics_path(reports: Path, stage: str, item: Any = None) -> Path:
    """metrics.json that a stage (one item of it) publishes, in the registry's folder."""
    return reports / stages.stage(stage).folder(item) / "metrics.json"


def published_runs(reports: Path, stage: str, items: list) -> pd.DataFrame:
    """The metrics of every published run of a foreach stage (`reports/<stage>/<item>/`),
    in the order of `items`; items not published yet are left out."""
    paths = (metrics_path(reports, stage, item) for item in items)
    return pd.DataFrame([read_json(path) for path in paths if path.exists()])
