"""Easy-example dropping (notebook 06b): PDD whose later stages learn from the hardest real
examples only, chosen by forgetting statistics (a drop rate) or, before each stage, by
whether every transition network already classifies them correctly (correct-by-all)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from pdd.core.forgetting import keep_hardest
from pdd.core.synthetic import SyntheticStage
from pdd.data.tensors import Splits

CORRECT_BY_ALL = "correct-by-all"


def require_mtt(method: str) -> None:
    """Raise unless the base method is MTT: the matching methods draw real batches inside
    the distiller, which dropping does not restrict."""
    if method != "mtt":
        raise ValueError(f"distill.method: easy-example dropping runs with mtt, got {method}")


def without_easiest(data: Splits, easiness: torch.Tensor, rate: float) -> Splits:
    """`data` whose training split lacks the easiest fraction `rate` of every class."""
    kept = keep_hardest(data.train_y.cpu(), easiness, rate).to(data.train_y.device)
    return dataclasses.replace(data, train_x=data.train_x[kept], train_y=data.train_y[kept])


def later_stage_data(data: Splits, rate: float | str, *, easiness_file: Path) -> Splits | None:
    """What the stages after the first learn from: `data` without its easiest examples
    (`easiness_file`, notebook 06a), or None for correct-by-all (chosen per stage)."""
    if rate == CORRECT_BY_ALL:
        return None
    easiness = torch.load(easiness_file, weights_only=True)
    return without_easiest(data, easiness["easiness"], rate)


def drop_summary(
    rate: float | str, later_data: Splits | None, *, train_size: int, keep: float
) -> str:
    """One line saying what the later stages learn from."""
    if later_data is None:
        return f"correct-by-all: learnt examples kept with probability {keep}"
    return (
        f"rate {rate}: later stages learn from {len(later_data.train_y)} of {train_size} examples"
    )


def kept_by_stage(
    stages: list[SyntheticStage], later_data: Splits | None, *, train_size: int
) -> list[float]:
    """The share of the training split each later stage learnt from (stage 1: all of it):
    recorded per stage for correct-by-all, the kept split's size otherwise."""
    default = len(later_data.train_y) if later_data is not None else train_size
    return [s.info.get("real_examples", default) / train_size for s in stages[1:]]


def easy_drop_metrics(
    rate: float | str, *, keep: float, kept: list[float], final: dict[str, Any]
) -> dict[str, Any]:
    """metrics.json of one rate: the criterion, the share of data kept, then the score."""
    by_forgetting = rate != CORRECT_BY_ALL
    return {
        "rate": rate,
        "criterion": "forgetting" if by_forgetting else CORRECT_BY_ALL,
        "keep_learned": None if by_forgetting else keep,
        "kept_fraction": sum(kept) / len(kept) if kept else 1.0,
        "kept_by_stage": kept,
        **final,
    }
