"""Cross-architecture scoring: random real sets are class-balanced, test subsets are
seeded, the union protocol trains on all stages at once, and every network × set × seed
gives one row (the protocols and the score cache: tests/test_scoring.py)."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from pdd.analyses.cross_arch import (
    cross_arch_figure,
    cross_arch_metrics,
    mean_std_table,
    seed_summary,
)
from pdd.config.context import Context
from pdd.core.models import get_model
from pdd.core.scoring import ScoreJob
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.data import Splits, get_spec
from pdd.experiments.cross_arch import (
    compared_sets,
    cross_arch_rows,
    held_out_subset,
    model_factories,
    network_scorings,
    random_real_set,
    schedule_label,
    scores_by_network,
)
from pdd.experiments.scoring import eval_seeds
from pdd.infra.runtime import derive_seed


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 8, 8, generator=generator), torch.arange(3).repeat(10)
    return Splits(x, y, x[:6], y[:6], x, y, spec, ("a", "b", "c"))


def factory(name: str):
    def make_model(seed):
        return get_model(
            name, in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=seed
        )

    return make_model


def test_random_real_set_is_one_balanced_stage_at_the_given_step_size():
    data = tiny_splits()
    (stage,) = random_real_set(data, ipc=2, lr=0.05, seed=1)
    assert stage.labels.bincount().tolist() == [2, 2, 2] and stage.lr == 0.05
    picked = [int((data.train_x == image).all(dim=(1, 2, 3)).nonzero()) for image in stage.images]
    assert len(set(picked)) == 6  # distinct real images
    assert torch.equal(random_real_set(data, 2, 0.05, seed=1)[0].images, stage.images)


def test_test_subset_is_seeded_and_all_of_test_without_a_size():
    data = tiny_splits()
    x, y = held_out_subset(data, 7, seed=3)
    assert len(y) == 7 and torch.equal(held_out_subset(data, 7, seed=3)[0], x)
    assert not torch.equal(held_out_subset(data, 7, seed=4)[0], x)
    assert held_out_subset(data, None, seed=3)[0] is data.test_x
    assert held_out_subset(data, 1000, seed=3)[0] is data.test_x


def test_one_row_per_network_set_run_and_seed_each_net_under_its_protocols():
    data = tiny_splits()
    two_stages = [
        random_real_set(data, 1, 0.01, seed=2)[0],
        random_real_set(data, 1, 0.02, seed=3)[0],
    ]
    sets = {
        "real": [random_real_set(data, 2, 0.01, seed=r) for r in range(2)],
        "staged": [two_stages, two_stages],
    }
    rows = cross_arch_rows(
        sets,
        ["convnet", "mlp"],
        model_for=factory,
        config=TrainConfig(epochs=2, lr=0.01, batch_size=4),
        seeds=[1],
        test=(data.test_x, data.test_y),
        augment=None,
        progressive_nets=["convnet"],
    )
    keys = {(r["net"], r["protocol"], r["set"], r["run"], r["seed"]) for r in rows}
    assert len(keys) == len(rows)
    convnet = {(p, s, run) for n, p, s, run, _ in keys if n == "convnet"}
    assert convnet == {
        (p, s, run) for p in ("union", "paper", "equal") for s in sets for run in (0, 1)
    }
    assert {p for n, p, *_ in keys if n == "mlp"} == {"union"}  # not a progressive net
    assert all(0.0 <= r["test_acc"] <= 100.0 for r in rows)
    by_key = {(r["net"], r["protocol"], r["set"], r["run"]): r["test_acc"] for r in rows}
    # a one-stage set trains the same under every protocol
    assert by_key["convnet", "union", "real", 0] == by_key["convnet", "paper", "real", 0]
    assert by_key["convnet", "union", "real", 0] == by_key["convnet", "equal", "real", 0]


def test_the_protocols_of_a_network_share_out_the_steps():
    config = TrainConfig(epochs=4, lr=0.01, batch_size=256)
    scorings = network_scorings(
        factory("mlp"), config, None, (None, None), through_stages=True, steps=4
    )
    assert set(scorings) == {(p, "default") for p in ("union", "paper", "equal")}
    staged = [SyntheticStage(torch.zeros(3, 1, 8, 8), torch.arange(3), 0.1)] * 2
    epochs = {p: ScoreJob(staged, 0, s).epochs() for (p, _), s in scorings.items()}
    assert epochs == {"union": [4], "paper": [4, 4], "equal": [2, 2]}
    only = network_scorings(
        factory("mlp"), config, None, (None, None), through_stages=False, steps=4
    )
    assert list(only) == [("union", "default")]


def _publish(reports, schedule, stages, runs):
    """A published set as notebook 02 leaves it: each run's stage files and manifest."""
    for run in range(runs):
        folder = reports / "distill" / schedule / f"run{run}"
        folder.mkdir(parents=True)
        entries = []
        for index, stage in enumerate(stages):
            name = f"stage_{index + 1}.pt"
            payload = {"images": stage.images, "labels": stage.labels, "lr": torch.tensor(stage.lr)}
            torch.save(payload, folder / name)
            entries.append({"file": name, "ipc": stage.ipc, "lr": stage.lr})
        (folder / "manifest.json").write_text(json.dumps({"stages": entries}))


def tiny_params(**cross):
    return SimpleNamespace(
        common=SimpleNamespace(seed=7, dataset="tiny", val_per_class=2, zca=False, threads=1),
        distill=SimpleNamespace(method="mtt", stages=2, ipc_per_stage=1),
        eval=SimpleNamespace(lr=0.03, dsa=True, dsa_strategy="crop", dsa_flip=False),
        net=SimpleNamespace(name="convnet"),
        cross_arch=SimpleNamespace(
            **{
                "nets": ["convnet"],
                "progressive_nets": ["convnet"],
                "epochs": 3,
                "runs": 2,
                "num_seeds": 1,
                "test_images": 9,
            }
            | cross
        ),
    )


def test_schedules_are_named_after_the_method_only_for_the_union():
    assert schedule_label("union", "idc") == "IDC (union)"
    assert schedule_label("progressive", "idc") == "PDD (progressive)"
    assert schedule_label("sequential", "mtt") == "sequential"


def test_compared_sets_put_random_real_at_the_total_ipc_before_the_published_runs(tmp_path):
    data = tiny_splits()
    first = SyntheticStage(torch.ones(3, 1, 8, 8), torch.arange(3), lr=0.5)
    second = SyntheticStage(torch.zeros(3, 1, 8, 8), torch.arange(3), lr=0.25)
    _publish(tmp_path, "progressive", [first, second], runs=2)
    sets = compared_sets(tiny_params(), data, tmp_path, ["progressive"], runs=2)
    assert list(sets) == ["random real", "PDD (progressive)"]
    reals = sets["random real"]
    assert len(reals) == 2 and all(r[0].ipc == 2 and r[0].lr == 0.03 for r in reals)
    for run, (real,) in enumerate(reals):  # 2 stages × 1 image, at eval.lr; a draw per run
        expected = random_real_set(data, 2, 0.03, derive_seed(7, "real", run))[0]
        assert torch.equal(real.images, expected.images)
    assert not torch.equal(reals[0][0].images, reals[1][0].images)
    assert [s.lr for s in sets["PDD (progressive)"][1]] == [0.5, 0.25]
    assert torch.equal(sets["PDD (progressive)"][0][1].images, second.images)
    with pytest.raises(ValueError, match="holds 2 runs, 3 needed"):
        compared_sets(tiny_params(), data, tmp_path, ["progressive"], runs=3)


def test_eval_seeds_are_the_derived_evaluation_seeds():
    assert eval_seeds(3, 2) == [derive_seed(3, "eval", 0), derive_seed(3, "eval", 1)]
    assert eval_seeds(3, 3)[:2] == eval_seeds(3, 2) and len(set(eval_seeds(3, 3))) == 3


def test_model_factories_swap_only_the_architecture():
    data = tiny_splits()
    net = {"name": "convnet", "width": 4, "depth": 2, "norm": "none"}
    ctx = Context(torch.device("cpu"), data, net, TrainConfig(epochs=1, lr=0.1), None, [])
    model_for = model_factories(ctx)
    mlp = model_for("mlp")(0)
    assert isinstance(mlp, type(factory("mlp")(0))) and ctx.net["name"] == "convnet"
    assert not isinstance(model_for("convnet")(0), type(mlp))


def test_scores_by_network_gives_a_table_and_seconds_per_network():
    data = tiny_splits()
    sets = {"real": [random_real_set(data, 1, 0.01, seed=0)]}
    scores, seconds = scores_by_network(
        sets,
        ["convnet", "mlp"],
        model_for=factory,
        config=TrainConfig(epochs=1, lr=0.01),
        seeds=[1],
        test=(data.test_x, data.test_y),
        augment=None,
    )
    assert list(scores.columns) == ["net", "set", "run", "protocol", "seed", "test_acc"]
    assert scores.net.tolist() == ["convnet", "mlp"] and list(seconds) == ["convnet", "mlp"]
    assert all(s >= 0 for s in seconds.values())


def scores_table():
    return pd.DataFrame(
        {
            "net": ["mlp", "mlp", "convnet", "convnet"],
            "set": ["b", "b", "a", "a"],
            "test_acc": [10.0, 20.0, 30.0, 30.0],
        }
    )


def test_seed_summary_keeps_the_order_of_appearance_and_the_population_std():
    summary = seed_summary(scores_table(), ["net", "set"])
    assert summary.net.tolist() == ["mlp", "convnet"]
    assert summary.test_mean.tolist() == [15.0, 30.0] and summary.test_std.tolist() == [5.0, 0.0]
    assert summary.n.tolist() == [2, 2]


def test_mean_std_table_writes_cells_and_orders_rows():
    summary = seed_summary(scores_table(), ["net", "set"])
    table = mean_std_table(summary, index="set", columns="net", order=["b", "a"])
    assert table.index.tolist() == ["b", "a"]
    assert table.loc["b", "mlp"] == "15.00 ± 5.00" and table.loc["a", "convnet"] == "30.00 ± 0.00"


def test_cross_arch_metrics_score_every_set_per_protocol_and_network():
    table = scores_table().assign(protocol=["union", "union", "union", "paper"])
    summary = seed_summary(table, ["protocol", "net", "set"])
    params = tiny_params(nets=["convnet", "mlp"])
    metrics = cross_arch_metrics(params, summary, test_images=9, seconds_per_net={"mlp": 1.5})
    assert metrics["total_ipc"] == 2 and metrics["distilled_with"] == "convnet"
    assert (metrics["test_images"], metrics["epochs"], metrics["runs"]) == (9, 3, 2)
    assert metrics["scores"] == {
        "union": {
            "mlp": {"b": {"test_mean": 15.0, "test_std": 5.0, "n": 2}},
            "convnet": {"a": {"test_mean": 30.0, "test_std": 0.0, "n": 1}},
        },
        "paper": {"convnet": {"a": {"test_mean": 30.0, "test_std": 0.0, "n": 1}}},
    }


def test_cross_arch_figure_has_a_bar_per_network_and_set():
    fig = cross_arch_figure(scores_table(), distilled_with="convnet", title="tiny")
    (ax,) = fig.axes
    assert ax.get_title() == "tiny" and "distilled with convnet" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["b", "a"]
    plt.close(fig)
