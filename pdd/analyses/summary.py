"""`reports/summary/metrics.json`: every published headline number under one short, flat
key (`headline.pdd`, `methods.idc.pdd`, `ablation.stages.5`, …), test accuracy in % (mean
over evaluation seeds), so that `dvc metrics diff` and `dvc exp show` fit a terminal.
Spreads, settings and seeds stay in each stage's own metrics.json and in the tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pdd.analyses.easy_drop import CORRECT_BY_ALL
from pdd.analyses.methods_table import methods_table
from pdd.analyses.published import metrics_path
from pdd.analyses.scaling import MAIN_RUN
from pdd.infra.io import read_json


def short_key(label: str) -> str:
    """ "PDD (progressive)" -> "pdd", "random real" -> "random_real"."""
    return re.sub(r"[^a-z0-9]+", "_", label.split(" (")[0].lower()).strip("_")


def summary_metrics(
    reports: Path,
    method_names: list[str],
    stage_counts: list[int] = (),
    stage_ipcs: list[str] = (),
    drop_rates: list[float] = (),
) -> dict[str, float]:
    """The flat summary of what is published under `reports/` (unpublished stages add no
    keys), in a fixed order: baselines, headline, methods, ablation, easy drop, scaling,
    cross-architecture, continual."""
    flat: dict[str, float] = {}
    baselines = _published(reports, "baselines")
    for key, score in (baselines.get("random_real") or {}).items():
        flat[f"baselines.random_{key}"] = score["test_mean"]
    evaluate = _published(reports, "evaluate")
    for label, score in (evaluate.get("headline") or {}).items():
        flat[f"headline.{short_key(label)}"] = score["test_mean"]
    if "pdd_minus_mtt" in evaluate:
        flat["headline.pdd_minus_mtt"] = evaluate["pdd_minus_mtt"]
    flat |= _methods(reports, method_names)
    for item in [*stage_counts, *stage_ipcs]:
        flat |= _mean(reports, "ablation_stages", item, f"ablation.stages.{item}")
    for rate in drop_rates:
        flat |= _mean(reports, "easy_drop", rate, f"easy_drop.{rate}")
    flat |= _mean(reports, "easy_drop", CORRECT_BY_ALL, "easy_drop.correct_by_all")
    scaling = _published(reports, "scaling")
    for source, scores in (scaling.get("scores") or {}).items():
        if source.startswith(MAIN_RUN):  # the headline's set, already above
            continue
        for size, score in scores.items():
            flat[f"scaling.{short_key(source)}.{size}"] = score["test_mean"]
    cross = _published(reports, "cross_arch")
    for protocol, by_net in (cross.get("scores") or {}).items():
        for net, scores in by_net.items():
            for name, score in scores.items():
                flat[f"cross_arch.{protocol}.{net}.{short_key(name)}"] = score["test_mean"]
    continual = _published(reports, "continual")
    for protocol, by_source in (continual.get("average_over_tasks") or {}).items():
        for name, score in by_source.items():
            flat[f"continual.{protocol}.{short_key(name)}"] = score["test_mean"]
    return {key: round(float(value), 2) for key, value in flat.items()}


def _published(reports: Path, stage: str) -> dict[str, Any]:
    path = metrics_path(reports, stage)
    return read_json(path) if path.exists() else {}


def _methods(reports: Path, names: list[str]) -> dict[str, float]:
    flat = {}
    table = methods_table(reports, names)
    for row in table[table.method != "mtt"].itertuples():  # MTT: the headline keys
        flat[f"methods.{row.method}.alone"] = row.alone_mean
        flat[f"methods.{row.method}.pdd"] = row.pdd_mean
        flat[f"methods.{row.method}.pdd_minus_alone"] = row.pdd_minus_alone
    return flat


def _mean(reports: Path, stage: str, item: Any, key: str) -> dict[str, float]:
    path = metrics_path(reports, stage, item)
    return {key: read_json(path)["test_mean"]} if path.exists() else {}
