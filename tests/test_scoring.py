"""Scoring sets: the two protocols, one job per (set, seed), and the cache that keeps a set
several stages score from being trained twice."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.core import scoring
from pdd.core.augment import DiffAugment, DSAConfig
from pdd.core.models import get_model
from pdd.core.scoring import ScoreJob, Scoring, final_rows, job_key, score_sets
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
    return Splits(x, y, x[:6], y[:6], x, y, spec, ("a", "b", "c"))


def make_model(seed: int) -> torch.nn.Module:
    return get_model("convnet", in_channels=1, num_classes=3, image_size=8, width=4, seed=seed)


def stage(fill: float, lr: float) -> SyntheticStage:
    return SyntheticStage(torch.full((3, 1, 8, 8), fill), torch.arange(3), lr)


def plain(data: Splits, **changes) -> Scoring:
    base = Scoring(
        make_model, TrainConfig(epochs=2, lr=0.01), None, test=(data.test_x, data.test_y)
    )
    return dataclasses.replace(base, **changes)


def test_union_protocol_trains_on_every_stage_at_the_last_step_size():
    data = tiny_splits()
    job = ScoreJob([stage(0.0, 0.1), stage(1.0, 0.02)], 1, plain(data, protocol="union"))
    (merged,) = job.trained_on()
    assert merged.lr == 0.02 and merged.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert torch.equal(merged.images[3:], torch.ones(3, 1, 8, 8))
    with pytest.raises(ValueError, match="protocol"):
        plain(data, protocol="sideways")


def test_progressive_rows_follow_every_stage_and_union_gives_one():
    data = tiny_splits()
    sets = {"two": [stage(0.0, 0.1), stage(1.0, 0.02)]}
    rows = score_sets(sets, plain(data), [5, 6])
    assert [(r["seed"], r["stage"], r["images_per_class"]) for r in rows] == [
        (5, 1, 1),
        (5, 2, 2),
        (6, 1, 1),
        (6, 2, 2),
    ]
    union = score_sets(sets, plain(data, protocol="union"), [5, 6])
    assert [(r["seed"], r["stage"], r["images_per_class"]) for r in union] == [(5, 1, 2), (6, 1, 2)]
    assert [r["stage"] for r in final_rows(rows)] == [2, 2]


def test_a_one_stage_set_is_the_same_job_under_both_protocols():
    data = tiny_splits()
    one = [stage(0.5, 0.05)]
    progressive, union = plain(data), plain(data, protocol="union")
    assert job_key(ScoreJob(one, 3, progressive)) == job_key(ScoreJob(one, 3, union))
    accuracy = [r["test_acc"] for r in score_sets({"s": one}, progressive, [3])]
    assert accuracy == [r["test_acc"] for r in score_sets({"s": one}, union, [3])]


def test_the_key_changes_with_everything_that_shapes_a_score():
    data = tiny_splits()
    one = [stage(0.5, 0.05)]
    base = job_key(ScoreJob(one, 3, plain(data)))
    others = [
        ScoreJob(one, 4, plain(data)),
        ScoreJob([stage(0.6, 0.05)], 3, plain(data)),
        ScoreJob([stage(0.5, 0.06)], 3, plain(data)),
        ScoreJob(one, 3, plain(data, config=TrainConfig(epochs=3, lr=0.01))),
        ScoreJob(one, 3, plain(data, augment=DiffAugment(DSAConfig()))),
        ScoreJob(one, 3, plain(data, test=(data.test_x[:5], data.test_y[:5]))),
        ScoreJob(one, 3, plain(data, val=(data.val_x, data.val_y))),
        ScoreJob(one, 3, plain(data, make_model=lambda s: make_model(s + 1))),
    ]
    keys = [job_key(job) for job in others]
    assert base not in keys and len(set(keys)) == len(keys)
    # the config's lr is not used (each stage trains at its own): not part of the key
    assert job_key(ScoreJob(one, 3, plain(data, config=TrainConfig(epochs=2, lr=9.0)))) == base


def test_cached_jobs_are_read_back_and_a_changed_set_is_trained(tmp_path, monkeypatch):
    data = tiny_splits()
    scoring.keep_scores_in(tmp_path)
    trained = []
    run_job = scoring.run_job
    monkeypatch.setattr(scoring, "run_job", lambda job: trained.append(job.seed) or run_job(job))
    first = score_sets({"a": [stage(0.0, 0.1)]}, plain(data), [1, 2])
    assert sorted(trained) == [1, 2] and len(list(tmp_path.rglob("*.json"))) == 2
    again = score_sets({"b": [stage(0.0, 0.1)]}, plain(data), [2, 1])  # same set, other name
    assert sorted(trained) == [1, 2]
    assert [r["test_acc"] for r in again] == [r["test_acc"] for r in first[::-1]]
    score_sets({"a": [stage(0.3, 0.1)]}, plain(data), [1])
    assert sorted(trained) == [1, 1, 2]


def test_one_job_for_duplicates_within_a_call(monkeypatch):
    data = tiny_splits()
    trained = []
    run_job = scoring.run_job
    monkeypatch.setattr(scoring, "run_job", lambda job: trained.append(job.seed) or run_job(job))
    rows = score_sets({"a": [stage(0.0, 0.1)], "b": [stage(0.0, 0.1)]}, plain(data), [1])
    assert trained == [1] and rows[0]["test_acc"] == rows[1]["test_acc"]


def sized(images: int, lr: float = 0.1) -> SyntheticStage:
    return SyntheticStage(torch.zeros(images, 1, 8, 8), torch.arange(images) % 3, lr)


@pytest.mark.parametrize(
    "sizes, steps, batch, expected",
    [
        ([20] * 5, None, 256, [300] * 5),  # the paper's budget: stage_epochs per stage
        ([20] * 5, 1500, 256, [300] * 5),  # the same, as an equal budget
        ([100], 1500, 256, [1500]),  # a one-stage set gets every step at once
        ([50, 50], 1500, 256, [750, 750]),
        ([20] * 10, 1500, 256, [150] * 10),
        ([20, 20, 20], 10, 256, [3, 3, 4]),  # the remainder goes to the last stages
        ([16, 16], 8, 16, [4, 2]),  # the second stage's union takes 2 steps an epoch
    ],
)
def test_a_step_budget_is_shared_out_over_the_stages(sizes, steps, batch, expected):
    config = TrainConfig(epochs=300, lr=0.01, batch_size=batch)
    stages = [sized(n) for n in sizes]
    assert scoring.stage_epochs(stages, config, steps) == expected


def test_an_equal_budget_job_is_the_paper_job_when_their_epochs_agree():
    data = tiny_splits()
    stages = [stage(0.0, 0.1), stage(1.0, 0.02)]
    paper = ScoreJob(stages, 1, plain(data))  # 2 epochs per stage: 4 steps
    equal = ScoreJob(stages, 1, plain(data, steps=4))
    longer = ScoreJob(stages, 1, plain(data, steps=6))
    assert job_key(paper) == job_key(equal) != job_key(longer)
    rows = scoring.run_job(longer)
    assert [row["steps"] for row in rows] == [3, 6]
    with pytest.raises(ValueError, match="step budget"):
        plain(data, steps=0)
