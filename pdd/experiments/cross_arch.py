"""Cross-architecture scores: sets distilled with one network (ConvNet) trained on others.

Every set is scored the same way on every network: fresh networks trained on the whole set
at once (`union`, every set the same steps), and on the networks of
`cross_arch.progressive_nets` also through its stages as PDD evaluates (`paper`: epochs per
stage; `equal`: the union's steps shared over the stages), then tested on a seeded test
subset (inference of ResNets on all 10k images costs more than their training on 100
images, on CPU). Every set comes in independent runs (random real: a fresh draw per run),
paired run by run. Random real images enter as a one-stage set at the evaluation step
size, so all sets go through one code path.

The compared sets (`compared_sets`) are also the memories notebook 08 (continual learning)
compares; `pdd.analyses.cross_arch` summarises the scores of both.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch
from torch import Tensor, nn

from pdd.config.context import Context
from pdd.core.augment import DiffAugment
from pdd.core.evaluate import score_runs
from pdd.core.scoring import Scoring, steps_per_epoch
from pdd.core.synthetic import SyntheticStage, load_runs, union
from pdd.core.train import TrainConfig
from pdd.data.splits import sample_per_class
from pdd.data.tensors import Splits
from pdd.experiments import scoring
from pdd.infra.runtime import derive_seed

if TYPE_CHECKING:
    from pdd.config.schema import Params

# How tables and figures name each published schedule's set (union: after its method).
SCHEDULE_LABELS = {"sequential": "sequential", "progressive": "PDD (progressive)"}


def schedule_label(schedule: str, method: str) -> str:
    """The name of a published schedule's set: "MTT (union)", "PDD (progressive)", ..."""
    return f"{method.upper()} (union)" if schedule == "union" else SCHEDULE_LABELS[schedule]


def compared_sets(
    params: Params, data: Splits, reports: Path, schedules: Sequence[str], runs: int
) -> dict[str, list[list[SyntheticStage]]]:
    """Label -> `runs` independent sets: random real images at the main run's total IPC
    (a fresh seeded draw per run, trained at `eval.lr`), then the first `runs` published
    runs of each of `schedules`: what notebooks 07 and 08 compare, run r against run r."""
    distill = params.distill
    total_ipc = distill.stages * distill.ipc_per_stage
    real = [
        random_real_set(data, total_ipc, params.eval.lr, derive_seed(params.common.seed, "real", r))
        for r in range(runs)
    ]
    sets = {"random real": real}
    for schedule in schedules:
        published = load_runs(Path(reports) / "distill" / schedule)
        if len(published) < runs:
            raise ValueError(
                f"reports/distill/{schedule} holds {len(published)} runs, {runs} needed"
            )
        sets[schedule_label(schedule, distill.method)] = published[:runs]
    return sets


def random_real_set(data: Splits, ipc: int, lr: float, seed: int) -> list[SyntheticStage]:
    """`ipc` random training images per class as a one-stage set trained at `lr`."""
    picked = sample_per_class(data.train_y, ipc, torch.Generator().manual_seed(seed))
    picked = picked.to(data.train_y.device)
    return [SyntheticStage(data.train_x[picked], data.train_y[picked], lr, {"source": "real"})]


def held_out_subset(data: Splits, size: int | None, seed: int) -> tuple[Tensor, Tensor]:
    """A seeded random subset of the test split (all of it for None or a larger size)."""
    if size is None or size >= len(data.test_y):
        return data.test_x, data.test_y
    order = torch.randperm(len(data.test_y), generator=torch.Generator().manual_seed(seed))
    picked = order[:size].to(data.test_y.device)
    return data.test_x[picked], data.test_y[picked]


ROW_KEYS = ("set", "run", "protocol", "seed", "test_acc")  # a row, after its net


def network_scorings(
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    augment: DiffAugment | None,
    test: tuple[Tensor, Tensor],
    *,
    through_stages: bool,
    steps: int,
) -> dict[tuple[str, str], Scoring]:
    """(protocol, recipe) -> Scoring for one network: `union` (every set at once,
    `config.epochs`), and with `through_stages` also `paper` (through the set's stages,
    `config.epochs` each: a P-stage set gets P times the steps) and `equal` (through the
    stages, `steps` in all: the union's budget). A one-stage set is one job under all three."""
    union = Scoring(make_model, config, augment, test=test, protocol="union")
    scorings = {("union", "default"): union}
    if through_stages:
        paper = dataclasses.replace(union, protocol="progressive")
        scorings["paper", "default"] = paper
        scorings["equal", "default"] = dataclasses.replace(paper, steps=steps)
    return scorings


def cross_arch_rows(
    sets: dict[str, list[list[SyntheticStage]]],
    nets: Sequence[str],
    *,
    model_for: Callable[[str], Callable[[int], nn.Module]],
    config: TrainConfig,
    seeds: Sequence[int],
    test: tuple[Tensor, Tensor],
    augment: DiffAugment | None,
    progressive_nets: Sequence[str] = (),
) -> list[dict[str, object]]:
    """Rows (net, set, run, protocol, seed, test_acc) after each set's last stage, for every
    network, set run and seed; the networks in `progressive_nets` also under the paper and
    equal protocols (`network_scorings`). `model_for(net)` gives that architecture's
    factory. Each network's jobs run over the workers and every finished one is cached
    (`pdd.core.scoring`): a rerun reads back the ResNet pairs it already did."""
    largest = max(len(union(stages)[1]) for runs in sets.values() for stages in runs)
    steps = config.epochs * steps_per_epoch(largest, config)
    rows = []
    for net in nets:
        scorings = network_scorings(
            model_for(net),
            config,
            augment,
            test,
            through_stages=net in progressive_nets,
            steps=steps,
        )
        final = scoring.final_rows(pd.DataFrame(score_runs(sets, scorings, seeds)))
        rows += final[list(ROW_KEYS)].assign(net=net)[["net", *ROW_KEYS]].to_dict("records")
    return rows


def model_factories(ctx: Context) -> Callable[[str], Callable[[int], nn.Module]]:
    """`net -> factory`: the context's network (width, depth, norm) as architecture `net`."""

    def model_for(net: str) -> Callable[[int], nn.Module]:
        return dataclasses.replace(ctx, net={**ctx.net, "name": net}).make_model

    return model_for


def scores_by_network(
    sets: dict[str, list[SyntheticStage]], nets: Sequence[str], **scoring: Any
) -> tuple[pd.DataFrame, dict[str, float]]:
    """`cross_arch_rows` one network at a time (`scoring`: its keyword arguments): the rows
    as a table, and the wall seconds each network took (0 for pairs a rerun reused)."""
    rows, seconds = [], {}
    for net in nets:
        started = time.perf_counter()
        rows += cross_arch_rows(sets, [net], **scoring)
        seconds[net] = round(time.perf_counter() - started, 1)
    return pd.DataFrame(rows), seconds
