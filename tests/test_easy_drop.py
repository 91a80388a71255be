"""Easy-example dropping: later stages learn from the training split without its easiest
examples (or, for correct-by-all, from what each stage recorded), and metrics say how much
real data they kept."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.analyses.easy_drop import (
    CORRECT_BY_ALL,
    drop_summary,
    easy_drop_metrics,
    kept_by_stage,
    later_stage_data,
    require_mtt,
    without_easiest,
)
from pdd.core.synthetic import SyntheticStage
from pdd.data import Splits, get_spec
from pdd.infra.io import save_torch


def tiny_splits() -> Splits:
    """Two classes of four images; image i is filled with the value i."""
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=2, num_classes=2)
    x = torch.arange(8.0).reshape(8, 1, 1, 1).expand(8, 1, 2, 2).clone()
    y = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    return Splits(x, y, x[:2], y[:2], x[:4], y[:4], spec, ("a", "b"))


# easiness per example: in class 0 (examples 0, 2, 4, 6) the easiest are 2 and 6
EASINESS = torch.tensor([0.1, 0.5, 0.9, 0.2, 0.3, 0.8, 1.0, 0.0])


def stage(info: dict) -> SyntheticStage:
    return SyntheticStage(torch.zeros(2, 1, 2, 2), torch.tensor([0, 1]), 0.01, info)


def test_only_mtt_can_drop_easy_examples():
    require_mtt("mtt")
    with pytest.raises(ValueError, match="distill.method: .* got dm"):
        require_mtt("dm")


def test_the_easiest_half_of_every_class_is_dropped():
    data = tiny_splits()
    kept = without_easiest(data, EASINESS, 0.5)
    assert kept.train_x[:, 0, 0, 0].tolist() == [0.0, 3.0, 4.0, 7.0]
    assert kept.train_y.tolist() == [0, 1, 0, 1]
    assert kept.test_x is data.test_x and kept.val_y is data.val_y  # only training shrinks


def test_later_stage_data_reads_the_easiness_file(tmp_path):
    save_torch({"easiness": EASINESS}, tmp_path / "easiness.pt")
    later = later_stage_data(tiny_splits(), 0.5, easiness_file=tmp_path / "easiness.pt")
    assert later.train_y.tolist() == [0, 1, 0, 1]
    everything = later_stage_data(tiny_splits(), 0.0, easiness_file=tmp_path / "easiness.pt")
    assert len(everything.train_y) == 8


def test_correct_by_all_needs_no_easiness():
    missing = "/nonexistent/easiness.pt"
    assert later_stage_data(tiny_splits(), CORRECT_BY_ALL, easiness_file=missing) is None


def test_the_summary_names_what_later_stages_learn_from():
    half = without_easiest(tiny_splits(), EASINESS, 0.5)
    assert drop_summary(0.5, half, train_size=8, keep=0.2) == (
        "rate 0.5: later stages learn from 4 of 8 examples"
    )
    assert drop_summary(CORRECT_BY_ALL, None, train_size=8, keep=0.2) == (
        "correct-by-all: learnt examples kept with probability 0.2"
    )


def test_kept_share_per_later_stage():
    half = without_easiest(tiny_splits(), EASINESS, 0.5)
    stages = [stage({}), stage({}), stage({})]
    assert kept_by_stage(stages, half, train_size=8) == [0.5, 0.5]  # stage 1 not counted
    recorded = [stage({}), stage({"real_examples": 6}), stage({"real_examples": 2})]
    assert kept_by_stage(recorded, None, train_size=8) == [0.75, 0.25]
    assert kept_by_stage([stage({}), stage({})], None, train_size=8) == [1.0]


def test_metrics_by_criterion():
    final = {"test_mean": 40.0}
    forgetting = easy_drop_metrics(0.5, keep=0.2, kept=[0.5, 0.25], final=final)
    assert forgetting == {
        "rate": 0.5,
        "criterion": "forgetting",
        "keep_learned": None,
        "kept_fraction": 0.375,
        "kept_by_stage": [0.5, 0.25],
        "test_mean": 40.0,
    }
    correct = easy_drop_metrics(CORRECT_BY_ALL, keep=0.2, kept=[], final=final)
    assert (correct["criterion"], correct["keep_learned"]) == (CORRECT_BY_ALL, 0.2)
    assert correct["kept_fraction"] == 1.0  # a one-stage set: all data
