"""The paper's headline: PDD's progressive sets against MTT's one-stage union at the same total
images per class, between random real images and full data. Every schedule is evaluated the
paper's way (one network through S_1, S_1 ∪ S_2, ...) and as a fresh network on the union;
the table takes each schedule's accuracy after its last stage."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from torch import nn

from pdd.config.schema import Distill, Eval
from pdd.core.augment import DiffAugment
from pdd.core.evaluate import ROW, set_score, splits_scoring
from pdd.core.scoring import score_sets
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import SetScore, TrainConfig
from pdd.data import Splits

RANDOM_REAL = "random real"
FULL_DATA = "full data (experts)"
SUMMARY = ("test_mean", "test_std", "n")  # the columns of every headline row


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule; `union` is the base method run once (MTT)."""
    return {
        "union": f"{method.upper()} (union, one stage)",
        "sequential": "sequential stages",
        "progressive": "PDD (progressive)",
    }


def total_ipc(distill: Distill) -> int:
    """Images per class of every schedule's final set."""
    return distill.stages * distill.ipc_per_stage


def progressive_table(
    sets: Mapping[str, list[SyntheticStage]],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    stage_epochs: int,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> pd.DataFrame:
    """Progressive evaluation of every schedule, each stage trained for `stage_epochs` epochs
    of the protocol `config`: rows (schedule, seed, stage, images_per_class, test_acc,
    val_acc), all sets' networks spread over the workers at once."""
    config = dataclasses.replace(config, epochs=stage_epochs)
    scoring = splits_scoring(data, make_model=make_model, config=config, augment=augment)
    rows = [
        {"schedule": row["set"], **{k: row[k] for k in ROW}}
        for row in score_sets(dict(sets), scoring, seeds)
    ]
    return pd.DataFrame(rows)


def scratch_scores(
    sets: Mapping[str, list[SyntheticStage]],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> dict[str, SetScore]:
    """Per schedule, fresh networks trained on the whole union at once (the last stage's
    step size); a one-stage set's scores are its progressive ones, read from the cache."""
    scoring = splits_scoring(
        data, make_model=make_model, config=config, augment=augment, protocol="union"
    )
    rows = score_sets(dict(sets), scoring, seeds)
    return {name: set_score([row for row in rows if row["set"] == name]) for name in sets}


def scratch_table(scratch: Mapping[str, SetScore]) -> pd.DataFrame:
    """One row per (schedule, seed) with its test accuracy."""
    return pd.DataFrame(
        [
            {"schedule": name, "seed": seed, "test_acc": acc}
            for name, score in scratch.items()
            for seed, acc in zip(score.seeds, score.test_acc, strict=True)
        ]
    )


def final_stage_rows(progressive: pd.DataFrame) -> pd.DataFrame:
    """Each schedule's rows after its last stage, indexed by schedule."""
    last_stage = progressive.groupby("schedule").stage.transform("max")
    return progressive[progressive.stage == last_stage].set_index("schedule")


def headline_rows(
    progressive: pd.DataFrame,
    *,
    distill: Distill,
    random_real: Mapping[str, Any],
    reference: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Rows (method, test_mean, test_std, n): random real at the same total IPC (when the
    baselines measured it), every schedule after its last stage, then full data.
    `random_real`: the baselines' `random_real` metrics; `reference`: the buffers'
    `full_data_reference`. A list, not a table: metrics.json keeps each value's own type
    (numpy or Python float), and the two round differently."""
    rows = []
    baseline = random_real.get(f"ipc{total_ipc(distill)}")
    if baseline is not None:
        rows.append({"method": RANDOM_REAL, **{k: baseline[k] for k in SUMMARY}})
    final_rows, labels = final_stage_rows(progressive), schedule_labels(distill.method)
    for name in distill.schedules:
        accs = final_rows.loc[[name]].test_acc
        # population std over seeds, as the distillation papers report it
        rows.append(
            {
                "method": labels[name],
                "test_mean": accs.mean(),
                "test_std": accs.std(ddof=0),
                "n": len(accs),
            }
        )
    rows.append({"method": FULL_DATA, **{k: reference[k] for k in SUMMARY}})
    return rows


def headline_metrics(
    rows: list[dict[str, Any]],
    scratch: Mapping[str, SetScore],
    *,
    dataset: str,
    distill: Distill,
    stage_epochs: int,
    evals: Eval,
) -> dict[str, Any]:
    """The evaluate stage's metrics.json: the headline rows by method, the union from scratch,
    the protocol, and PDD's gain over the one-stage union when both were run."""
    metrics = {
        "dataset": dataset,
        "total_ipc": total_ipc(distill),
        "stages": distill.stages,
        "headline": {row["method"]: {k: row[k] for k in SUMMARY} for row in rows},
        "union_from_scratch": {
            name: {"test_mean": score.mean, "test_std": score.std}
            for name, score in scratch.items()
        },
        "eval": {"stage_epochs": stage_epochs, "dsa": evals.dsa, "seeds": evals.num_seeds},
    }
    if "progressive" in scratch and "union" in scratch:
        labels, by_method = schedule_labels(distill.method), metrics["headline"]
        gap = (
            by_method[labels["progressive"]]["test_mean"] - by_method[labels["union"]]["test_mean"]
        )
        metrics["pdd_minus_mtt"] = gap
    return metrics


def with_result(headline: pd.DataFrame) -> pd.DataFrame:
    """The table with a `result` column "mean ± std" (two decimals) for reading."""
    return headline.assign(
        result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
    )
