"""Scoring sets: fresh networks trained on a set and tested, one job per (set, seed).

Every stage that scores a set goes through `score_sets`, which
- spreads the jobs of all the sets it is given over the worker processes
  (`pdd.infra.workers`; biggest jobs first, so the last round leaves no core idle), and
- keeps each job's result in a cache folder keyed by everything that shapes it: the set's
  content and step sizes, the protocol, the training config, the network as built (its
  architecture and initial weights), the augmentation, the seed, the test and validation
  tensors, and the sources of the training engine with the torch version. A set several
  stages score with the same settings (the headline PDD set in `evaluate`, `ablation_stages@5`
  and `easy_drop@0.0`; the one-stage union under both protocols) is trained once.

Protocols: `progressive` (the paper's: one network through S_1, S_1 ∪ S_2, ..., optimiser
state kept, each stage at its own step size, a row after every stage) and `union` (a fresh
network on S_1 ∪ ... ∪ S_P at once at the last stage's step size, one row). A one-stage set
is the same job under both.

Budgets: each stage trains `config.epochs` epochs, or, with `steps` (the equal-budget
protocol), the set's stages share `steps` optimiser steps evenly, each stage's share turned
into epochs of its union (ceil(images / batch) steps an epoch). A job is keyed by the epochs
it trains, so a five-stage set at 5 × 300 steps is the same job under either budget.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import torch
from torch import Tensor, nn

from pdd.core.augment import DiffAugment
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import TrainConfig, evaluate, train_classifier
from pdd.infra import phases, workers
from pdd.infra.io import atomic_path, read_json
from pdd.infra.runtime import derive_seed

PROTOCOLS = ("progressive", "union")
# The engine a cached score depends on (paths in the package): any change to these sources
# invalidates the cache. Seeds come from runtime.py; multi-formation decodes IDC's sets.
ENGINE_SOURCES = (
    "core/train.py",
    "core/augment.py",
    "core/models.py",
    "core/synthetic.py",
    "core/scoring.py",
    "core/multiformation.py",
    "infra/runtime.py",
)

_cache = {"folder": None}


def keep_scores_in(folder: str | Path | None) -> None:
    """Cache scores in `folder` (None: no cache)."""
    _cache["folder"] = None if folder is None else Path(folder)


@dataclass(frozen=True)
class Scoring:
    """How sets are scored: the network factory, the training config (its epochs per
    stage), the augmentation, the protocol and the labelled splits tested after training."""

    make_model: Callable[[int], nn.Module]
    config: TrainConfig
    augment: DiffAugment | None
    test: tuple[Tensor, Tensor]
    val: tuple[Tensor, Tensor] | None = None
    protocol: str = "progressive"
    steps: int | None = None  # a set's optimiser steps, over all its stages (None: per epoch)

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol {self.protocol!r}; allowed: {', '.join(PROTOCOLS)}")
        if self.steps is not None and self.steps < 1:
            raise ValueError(f"a step budget must be positive, got {self.steps}")


@dataclass(frozen=True)
class ScoreJob:
    stages: list[SyntheticStage]
    seed: int
    scoring: Scoring

    def trained_on(self) -> list[SyntheticStage]:
        if self.scoring.protocol == "progressive" or len(self.stages) == 1:
            return self.stages
        images, labels = union(self.stages)
        return [SyntheticStage(images, labels, self.stages[-1].lr)]

    def epochs(self) -> list[int]:
        """Epochs of each stage trained on."""
        return stage_epochs(self.trained_on(), self.scoring.config, self.scoring.steps)

    def size(self) -> int:
        """Images seen in training: biggest jobs are handed out first."""
        stages = self.trained_on()
        return sum(
            epochs * len(union(stages[: i + 1])[1]) for i, epochs in enumerate(self.epochs())
        )


def stage_epochs(
    stages: list[SyntheticStage], config: TrainConfig, steps: int | None = None
) -> list[int]:
    """`config.epochs` for every stage; with a budget of `steps`, each of the P stages gets
    steps / P optimiser steps (the remainder to the last ones) as whole epochs of its union,
    at least one."""
    if steps is None:
        return [config.epochs] * len(stages)
    count = len(stages)
    shares = [steps // count + (index >= count - steps % count) for index in range(count)]
    return [
        max(1, round(share / steps_per_epoch(len(union(stages[: i + 1])[1]), config)))
        for i, share in enumerate(shares)
    ]


def steps_per_epoch(images: int, config: TrainConfig) -> int:
    return math.ceil(images / config.batch_size)


def train_through_stages(
    stages: list[SyntheticStage],
    model: nn.Module,
    config: TrainConfig,
    *,
    seed: int,
    augment: DiffAugment | None,
    epochs: Sequence[int] | None = None,
):
    """Train `model` on S_1, then on S_1 ∪ S_2 (optimiser state kept), ..., each stage at its
    own step size and for its `epochs` (default `config.epochs`), the step-size decay
    restarting with every stage; yield (stage index, model, train seconds) after each."""
    optimizer = None
    epochs = list(epochs) if epochs is not None else [config.epochs] * len(stages)
    for index, stage in enumerate(stages):
        images, labels = union(stages[: index + 1])
        result = train_classifier(
            model,
            images,
            labels,
            replace(config, lr=stage.lr, epochs=epochs[index]),
            seed=derive_seed(seed, "stage", index),
            optimizer=optimizer,
            augment=augment,
        )
        model, optimizer = result.model, result.optimizer
        yield index, model, result.seconds


def run_job(job: ScoreJob) -> list[dict[str, float]]:
    """Rows (stage, images_per_class, steps, test_acc, val_acc, seconds) of one network;
    `steps` counts its optimiser steps so far."""
    scoring, stages, epochs = job.scoring, job.trained_on(), job.epochs()
    rows, steps = [], 0
    trained = train_through_stages(
        stages,
        scoring.make_model(job.seed),
        scoring.config,
        seed=job.seed,
        augment=scoring.augment,
        epochs=epochs,
    )
    for index, model, seconds in trained:
        steps += epochs[index] * steps_per_epoch(len(union(stages[: index + 1])[1]), scoring.config)
        row = {
            "stage": index + 1,
            "images_per_class": sum(s.ipc for s in stages[: index + 1]),
            "steps": steps,
            "test_acc": evaluate(model, *scoring.test)[0],
            "seconds": seconds,
        }
        if scoring.val is not None:
            row["val_acc"] = evaluate(model, *scoring.val)[0]
        rows.append(row)
    return rows


def score_sets(
    sets: dict[str, list[SyntheticStage]], scoring: Scoring, seeds: Sequence[int]
) -> list[dict[str, object]]:
    """Rows (set, seed, stage, images_per_class, test_acc[, val_acc], seconds) for every
    set and seed: one network per (set, seed), from the cache where it has been scored."""
    jobs = [
        (name, ScoreJob(stages, seed, scoring)) for name, stages in sets.items() for seed in seeds
    ]
    results = run_jobs([job for _, job in jobs])
    return [
        {"set": name, "seed": job.seed, **row}
        for (name, job), rows in zip(jobs, results, strict=True)
        for row in rows
    ]


def final_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows of `score_sets` after each set's last stage."""
    last = {}
    for row in rows:
        last[row["set"]] = max(last.get(row["set"], 0), row["stage"])
    return [row for row in rows if row["stage"] == last[row["set"]]]


def run_jobs(jobs: Sequence[ScoreJob]) -> list[list[dict[str, float]]]:
    """Each job's rows: cached ones read back, the others computed over the workers (each
    distinct job once, biggest first) and cached."""
    with phases.phase("evaluation"):
        return _run_jobs(jobs)


def _run_jobs(jobs: Sequence[ScoreJob]) -> list[list[dict[str, float]]]:
    keys = [job_key(job) for job in jobs]
    found = {key: rows for key in set(keys) if (rows := _read(key)) is not None}
    todo = {key: job for key, job in zip(keys, jobs, strict=True) if key not in found}
    order = sorted(todo, key=lambda key: -todo[key].size())
    computed = workers.parallel_map(_run_and_keep, [(key, todo[key]) for key in order])
    found.update(zip(order, computed, strict=True))
    return [found[key] for key in keys]


def _run_and_keep(keyed: tuple[str, ScoreJob]) -> list[dict[str, float]]:
    """One job, cached as soon as it finishes (an interrupted stage keeps what it did)."""
    key, job = keyed
    rows = run_job(job)
    _write(key, rows)
    return rows


def job_key(job: ScoreJob) -> str:
    """A digest of everything that shapes the job's rows."""
    scoring = job.scoring
    digest = hashlib.sha256()
    for stage in job.trained_on():
        digest.update(tensor_digest(stage.images, stage.labels).encode())
        digest.update(repr(float(stage.lr)).encode())
    model = scoring.make_model(job.seed)
    parts = [
        engine_digest(),
        repr(model),
        tensor_digest(*model.state_dict().values()),
        repr(replace(scoring.config, lr=0.0, epochs=0)),
        job.epochs(),
        repr(scoring.augment),
        str(job.seed),
        tensor_digest(*scoring.test),
        tensor_digest(*scoring.val) if scoring.val is not None else "no val",
    ]
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()


def tensor_digest(*tensors: Tensor) -> str:
    digest = hashlib.sha256()
    for tensor in tensors:
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@cache
def engine_digest() -> str:
    package = Path(__file__).parents[1]
    digest = hashlib.sha256(torch.__version__.encode())
    for name in ENGINE_SOURCES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def _entry(key: str) -> Path | None:
    folder = _cache["folder"]
    return None if folder is None else folder / key[:2] / f"{key}.json"


def _read(key: str) -> list[dict[str, float]] | None:
    entry = _entry(key)
    if entry is None or not entry.is_file():
        return None
    return read_json(entry)["rows"]


def _write(key: str, rows: list[dict[str, float]]) -> None:
    entry = _entry(key)
    if entry is None:
        return
    entry.parent.mkdir(parents=True, exist_ok=True)
    # plain json, not write_json: its rounding would make a cached score differ
    with atomic_path(entry) as tmp:
        tmp.write_text(json.dumps({"rows": rows}))
