"""The evaluation protocols as tables: progressive evaluation (the paper's), a fresh network
on the union, a plain set scored by fresh networks, and every distillation run of several
sets under several scorings at once. All run through `pdd.core.scoring` (worker processes,
cached scores)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from torch import Tensor, nn

from pdd.core.augment import DiffAugment
from pdd.core.scoring import ScoreJob, Scoring, final_rows, run_jobs, score_sets
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import SetScore, TrainConfig
from pdd.data.tensors import Splits

ROW = ("seed", "stage", "images_per_class", "test_acc", "val_acc")


def splits_scoring(
    data: Splits,
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    augment: DiffAugment | None,
    protocol: str = "progressive",
) -> Scoring:
    """Scoring on the splits' test and validation sets."""
    return Scoring(
        make_model,
        config,
        augment,
        test=(data.test_x, data.test_y),
        val=(data.val_x, data.val_y),
        protocol=protocol,
    )


def progressive_evaluation(
    stages: list[SyntheticStage],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> list[dict[str, float]]:
    """Rows (seed, stage, images_per_class, test_acc, val_acc): accuracy after training
    through each stage (`config.epochs` per stage)."""
    scoring = splits_scoring(data, make_model=make_model, config=config, augment=augment)
    return [{k: row[k] for k in ROW} for row in score_sets({"set": stages}, scoring, seeds)]


def union_from_scratch(
    stages: list[SyntheticStage],
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    data: Splits,
    augment: DiffAugment | None,
) -> SetScore:
    """A fresh network per seed on S_1 ∪ … ∪ S_P at once, at the last stage's step size."""
    images, labels = union(stages)
    return evaluate_synthetic_set(
        images,
        labels,
        make_model=make_model,
        config=replace(config, lr=stages[-1].lr),
        seeds=seeds,
        test=(data.test_x, data.test_y),
        val=(data.val_x, data.val_y),
        augment=augment,
    )


def evaluate_synthetic_set(
    images: Tensor,
    labels: Tensor,
    *,
    make_model: Callable[[int], nn.Module],
    config: TrainConfig,
    seeds: Sequence[int],
    test: tuple[Tensor, Tensor],
    val: tuple[Tensor, Tensor],
    augment: DiffAugment | None = None,
) -> SetScore:
    """One fresh network per seed on the set at `config.lr`, scored on test and validation.
    Test accuracy is for reporting only: choose anything on `val`."""
    scoring = Scoring(make_model, config, augment, test=test, val=val, protocol="union")
    rows = score_sets({"set": [SyntheticStage(images, labels, config.lr)]}, scoring, seeds)
    return set_score(rows)


def set_score(rows: list[dict[str, object]]) -> SetScore:
    """One set's accuracies after its last stage, as a SetScore (one per seed)."""
    final = final_rows(rows)
    return SetScore(
        tuple(row["seed"] for row in final),
        tuple(row["test_acc"] for row in final),
        tuple(row["val_acc"] for row in final),
        tuple(row["seconds"] for row in final),
    )


def score_runs(
    sets: Mapping[str, Sequence[list[SyntheticStage]]],
    scorings: Mapping[tuple[str, str], Scoring],
    seeds: Sequence[int],
) -> list[dict[str, object]]:
    """Rows (set, run, protocol, recipe, seed, stage, images_per_class, steps, test_acc,
    val_acc, seconds): every run of every set (`sets`: name -> its runs), scored by every
    scoring (`scorings`: (protocol, recipe) -> Scoring) with the same `seeds`, all the jobs
    queued together over the workers (a job two scorings share runs once)."""
    labels, jobs = [], []
    for (protocol, recipe), scoring in scorings.items():
        for name, runs in sets.items():
            for run, stages in enumerate(runs):
                for seed in seeds:
                    labels.append({"set": name, "run": run, "protocol": protocol, "recipe": recipe})
                    jobs.append(ScoreJob(stages, seed, scoring))
    return [
        {**label, "seed": job.seed, **row}
        for label, job, rows in zip(labels, jobs, run_jobs(jobs), strict=True)
        for row in rows
    ]
