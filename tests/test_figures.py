"""Shared figures: stage rows of images (padded, titled, an optional real row) and the
accuracy-per-stage lines."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import torch

from pdd.analyses.figures import accuracy_by_stage, padded_rows, stage_image_rows
from pdd.core.synthetic import SyntheticStage
from pdd.data import get_spec

SPEC = dataclasses.replace(get_spec("fashion-mnist"), image_size=4, num_classes=2)


def row_titles(fig: plt.Figure) -> list[str]:
    (axes,) = fig.axes  # the grid is one picture
    return [label.get_text() for label in axes.get_yticklabels()]


def grid_shape(fig: plt.Figure) -> tuple[int, ...]:
    return fig.axes[0].images[0].get_array().shape


def test_padded_rows_pads_each_row_with_black_to_the_longest():
    short, long = torch.ones(1, 1, 2, 2), torch.full((3, 1, 2, 2), 0.5)
    stacked = padded_rows([short, long])
    assert stacked.shape == (6, 1, 2, 2)
    assert stacked[0].eq(1).all() and stacked[1:3].eq(0).all() and stacked[3:].eq(0.5).all()


def test_stage_image_rows_one_titled_row_per_stage_sorted_by_class():
    stages = [
        SyntheticStage(torch.randn(2, 1, 4, 4), torch.tensor([1, 0]), 0.01),
        SyntheticStage(torch.randn(4, 1, 4, 4), torch.tensor([1, 0, 1, 0]), 0.01),
    ]
    fig = stage_image_rows(stages, SPEC, None)
    assert grid_shape(fig) == (2 * 4 + 2, 4 * 4 + 3 * 2)  # 2 rows as wide as the largest stage
    assert row_titles(fig) == ["S1", "S2"]
    plt.close(fig)


def test_stage_image_rows_puts_real_images_on_top():
    stages = [SyntheticStage(torch.randn(2, 1, 4, 4), torch.tensor([0, 1]), 0.01)]
    fig = stage_image_rows(stages, SPEC, None, real=torch.rand(2, 1, 4, 4), scale=0.45)
    assert row_titles(fig) == ["real", "S1"]
    assert fig.get_size_inches().tolist() == [2 * 0.45, 2 * 0.45]
    plt.close(fig)


def test_accuracy_by_stage_draws_one_line_per_schedule():
    rows = pd.DataFrame(
        {
            "schedule": ["a", "a", "b", "b"],
            "images_per_class": [1, 2, 1, 2],
            "test_acc": [10.0, 20.0, 15.0, 25.0],
        }
    )
    fig = accuracy_by_stage(rows, title="tiny")
    ax = fig.axes[0]
    assert ax.get_title() == "tiny" and ax.get_xlabel() == "images per class so far"
    assert [line.get_label() for line in ax.get_legend().get_lines()] == ["a", "b"]
    plt.close(fig)
