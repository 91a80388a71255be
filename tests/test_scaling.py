"""Scaling curve: large real subsets get a step budget, small ones the full protocol; the
curve places each set by its share of the training data and of full-data accuracy."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from pdd.analyses.scaling import (
    curve_rows,
    grown_label,
    relative_curve,
    scaling_figure,
    scaling_metrics,
    smallest_fraction_reaching,
)
from pdd.config.context import Context
from pdd.config.params import load_params
from pdd.config.sections.scaling import Scaling
from pdd.core.models import get_model
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec
from pdd.experiments.plan import Settings
from pdd.experiments.scaling import (
    epochs_for_steps,
    grown_settings,
    random_real_rows,
    random_real_scores,
    real_seeds,
)
from pdd.infra.paths import PARAMS_FILE


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 1, 8, 8, generator=generator), torch.arange(3).repeat(20)
    return Splits(x, y, x[:6], y[:6], x[:9], y[:9], spec, ("a", "b", "c"))


@pytest.mark.parametrize(
    ("size", "batch", "steps", "max_epochs", "expected"),
    [
        (100, 256, 300, 300, 300),  # one batch: the protocol's epochs
        (4400, 256, 300, 300, 17),  # 18 batches: ~300 steps
        (4400, 256, 10, 300, 1),  # never fewer than one epoch
        (512, 256, 1000, 300, 300),  # never more than the protocol
    ],
)
def test_epochs_for_steps(size, batch, steps, max_epochs, expected):
    assert epochs_for_steps(size, batch, steps, max_epochs) == expected


def test_random_real_scores_one_row_per_size_and_seed_with_its_epochs():
    config = TrainConfig(epochs=8, lr=0.01, batch_size=6, lr_decay_at=())

    def make_model(seed):
        return get_model("mlp", in_channels=1, num_classes=3, image_size=8, width=4, seed=seed)

    rows = random_real_scores(
        tiny_splits(),
        [2, 4],
        make_model=make_model,
        config=config,
        steps=4,
        seeds=real_seeds(0, 2),
        augment=None,
    )
    table = pd.DataFrame(rows)
    assert table.groupby("images_per_class").size().tolist() == [2, 2]
    # 6 images = 1 batch -> min(8, 4) epochs; 12 images = 2 batches -> 2 epochs
    assert table.groupby("images_per_class").epochs.first().tolist() == [4, 2]
    assert table.test_acc.between(0, 100).all()
    again = random_real_scores(
        tiny_splits(),
        [2],
        make_model=make_model,
        config=config,
        steps=4,
        seeds=real_seeds(0, 2),
        augment=None,
    )
    assert [r["test_acc"] for r in again] == table.test_acc[:2].tolist()  # seeded


def test_relative_curve_and_the_smallest_share_reaching_the_target():
    rows = pd.DataFrame(
        {
            "source": ["pdd", "pdd", "pdd", "real", "real"],
            "images_per_class": [10, 10, 20, 10, 50],
            "test_acc": [80.0, 82.0, 88.0, 70.0, 80.0],
        }
    )
    curve = relative_curve(rows, full_data_acc=90.0, train_size=1000, num_classes=2)
    pdd10 = curve[(curve.source == "pdd") & (curve.images_per_class == 10)].iloc[0]
    assert pdd10.test_mean == 81.0 and pdd10.test_std == 1.0 and pdd10.n == 2
    assert pdd10.data_fraction == pytest.approx(0.02)
    assert pdd10.relative_acc == pytest.approx(0.9)
    assert smallest_fraction_reaching(curve, 0.9) == {"pdd": pytest.approx(0.02), "real": None}


def test_the_grown_set_takes_the_scaling_sections_sizes():
    base = Settings.of(load_params(PARAMS_FILE, profile="smoke"))
    scaling = Scaling(
        stages=4,
        ipc_per_stage=5,
        iterations=3,
        batch_syn=50,
        real_ipcs=[50, 10],
        real_steps=10,
        num_seeds=2,
    )
    grown = grown_settings(base, scaling)
    assert (grown.distill.stages, grown.distill.ipc_per_stage) == (4, 5)
    assert (grown.mtt.iterations, grown.mtt.batch_syn) == (3, 50)
    # everything else is the base's, and the base itself is left as it was
    assert grown.mtt.syn_steps == base.mtt.syn_steps and grown.method == base.method
    assert grown.distill.schedules == base.distill.schedules
    assert (base.distill.stages, base.mtt.iterations) != (4, 3)
    assert grown_label(scaling) == "PDD (4 stages × IPC 5)"


def test_random_real_rows_use_the_sections_sizes_and_seeds():
    data = tiny_splits()
    net = {"name": "mlp", "width": 4, "depth": None, "norm": "none"}
    config = TrainConfig(epochs=2, lr=0.01, batch_size=6, lr_decay_at=())
    ctx = Context(torch.device("cpu"), data, net, config, None, [0])
    scaling = SimpleNamespace(real_ipcs=[2, 4], real_steps=4, num_seeds=2)
    table = random_real_rows(ctx, scaling, seed=7)
    assert table.images_per_class.tolist() == [2, 2, 4, 4]
    assert table.seed.tolist() == real_seeds(7, 2) * 2
    assert list(table.columns) == [
        "source",
        "images_per_class",
        "seed",
        "epochs",
        "test_acc",
        "seconds",
    ]


def evaluated_main_run() -> pd.DataFrame:
    """Notebook 03's scores.csv: a union row and a progressive set of 2 stages × IPC 3 under
    the paper protocol, and rows of another protocol and recipe that the curve leaves out."""
    return pd.DataFrame(
        {
            "set": ["union", "progressive", "progressive", "progressive", "progressive"],
            "protocol": ["paper", "paper", "paper", "equal", "paper"],
            "recipe": ["default", "default", "default", "default", "shift"],
            "stage": [1, 1, 2, 2, 2],
            "images_per_class": [6, 3, 6, 6, 6],
            "test_acc": [60.0, 50.0, 70.0, 99.0, 98.0],
            "val_acc": [0.0] * 5,
        }
    )


def test_the_curve_rows_name_every_source_in_order():
    grown = pd.DataFrame({"seed": [1], "images_per_class": [20], "test_acc": [80.0]})
    real = pd.DataFrame({"source": ["random real"], "images_per_class": [50], "test_acc": [75.0]})
    rows = curve_rows(main_run=evaluated_main_run(), grown=grown, grown_label="PDD (g)", real=real)
    assert list(rows.columns) == ["source", "images_per_class", "test_acc"]
    assert rows.source.tolist() == ["PDD (main run, 2 stages × IPC 3)"] * 2 + [
        "PDD (g)",
        "random real",
    ]
    assert rows.test_acc.tolist() == [50.0, 70.0, 80.0, 75.0]  # the union row left out
    assert rows.index.tolist() == [0, 1, 2, 3]


def test_metrics_hold_the_reference_the_points_and_the_grown_score():
    rows = pd.DataFrame(
        {
            "source": ["g", "g", "g", "real"],
            "images_per_class": [10, 10, 20, 10],
            "test_acc": [80.0, 82.0, 88.0, 70.0],
        }
    )
    curve = relative_curve(rows, full_data_acc=90.0, train_size=1000, num_classes=2)
    final = {
        "set": "distilled here",
        "test_mean": 88.0,
        "test_std": 0.0,
        "n": 1,
        "distill_seconds": 3.2,
        "wall_seconds": 4.0,
    }
    metrics = scaling_metrics(
        curve,
        reference={"test_acc": 90.0, "epochs": 5, "seconds": 1.0},
        train_size=1000,
        grown="g",
        target=0.9,
        final=final,
    )
    assert metrics["full_data"]["test_acc"] == 90.0 and metrics["full_data"]["epochs"] == 5
    assert metrics["scores"]["g"]["ipc10"] == {
        "test_mean": 81.0,
        "test_std": 1.0,
        "n": 2,
        "data_fraction": pytest.approx(0.02),
        "relative_acc": pytest.approx(0.9),
    }
    assert list(metrics["scores"]) == ["g", "real"]
    assert metrics["smallest_fraction_at_90%"] == {"g": pytest.approx(0.02), "real": None}
    assert metrics["largest_pdd_fraction"] == pytest.approx(0.04)
    assert {k: metrics[k] for k in ("test_mean", "n", "distill_seconds", "wall_seconds")} == {
        "test_mean": 88.0,
        "n": 1,
        "distill_seconds": 3.2,
        "wall_seconds": 4.0,
    }
    assert "set" not in metrics


def test_the_scaling_figure_is_relative_to_full_data_on_a_log_axis():
    rows = pd.DataFrame(
        {"source": ["g", "real"], "images_per_class": [10, 50], "test_acc": [45.0, 90.0]}
    )
    fig = scaling_figure(
        rows, full_data_acc=90.0, train_size=1000, num_classes=2, target=0.9, dataset="d"
    )
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_title().startswith("d: paper's claim")
    data = [line.get_xydata().tolist() for line in ax.lines if len(line.get_xdata()) == 1]
    assert data == [[[2.0, 50.0]], [[10.0, 100.0]]]  # percent of data, percent of full data
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["g", "real"]
    plt.close(fig)
