"""The evaluate stage's tables: every run of every schedule under both protocols and every
recipe, their summary over runs, the headline between random real and full data, the
paired comparisons and the metrics."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from pdd.analyses import protocols
from pdd.analyses.headline import (
    FULL_DATA,
    RANDOM_REAL,
    headline_metrics,
    headline_rows,
    schedule_labels,
    set_names,
    total_ipc,
    with_budget,
    with_result,
)
from pdd.config.context import recipe
from pdd.core.synthetic import SyntheticStage
from pdd.experiments import scoring
from pdd.experiments.headline import score_schedules

DISTILL = SimpleNamespace(
    method="mtt",
    stages=2,
    ipc_per_stage=1,
    schedules=["progressive", "union"],
    paper_budget=["progressive"],
)


def params(recipes=("default",)) -> SimpleNamespace:
    return SimpleNamespace(
        distill=DISTILL,
        evaluate=SimpleNamespace(stage_epochs=1, equal_steps=None, recipes=list(recipes)),
        eval=SimpleNamespace(dsa=False, epochs=2),
        common=SimpleNamespace(seed=0, dataset="tiny"),
    )


def stage(seed: int, lr: float = 0.01) -> SyntheticStage:
    images = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(seed))
    return SyntheticStage(images, torch.arange(3), lr)


def test_schedule_labels_name_the_base_method_for_the_union_and_the_paper_budget():
    assert schedule_labels("dm") == {
        "union": "DM (union, one stage)",
        "sequential": "sequential stages",
        "progressive": "PDD (progressive)",
        "sequential-paper": "sequential stages, paper budget",
        "progressive-paper": "PDD (progressive), paper budget",
    }
    assert total_ipc(SimpleNamespace(stages=3, ipc_per_stage=5)) == 15


def test_each_budget_names_its_sets_and_the_union_is_one_set_under_both():
    assert set_names(DISTILL, "equal") == ["progressive", "union"]
    assert set_names(DISTILL, "paper") == ["progressive-paper", "union"]
    table = pd.DataFrame({"set": ["progressive-paper", "union", "progressive"]})
    assert with_budget(table).budget.tolist() == ["paper", "equal", "equal"]


def test_every_run_is_scored_under_both_protocols_every_recipe_and_from_scratch(tiny_context):
    sets = {
        "progressive": [[stage(1), stage(2)], [stage(3), stage(4)]],
        "union": [[stage(5)], [stage(6)]],
    }
    rows = score_schedules(sets, tiny_context(), params(("default", "plain")), seeds=[7, 8])
    keys = set(zip(rows.protocol, rows.recipe, strict=True))
    expected = {(p, r) for p in ("paper", "equal") for r in ("default", "plain")}
    assert keys == expected | {("scratch", "default")}
    final = scoring.final_rows(rows)
    union = final[(final.set == "union") & (final.recipe == "default")]
    # the equal protocol gives the one-stage union the progressive set's 2 steps at once
    steps = union.groupby("protocol").steps.max().to_dict()
    assert steps == {"equal": 2, "paper": 1, "scratch": 2}
    assert len(final[(final.protocol == "paper") & (final.recipe == "plain")]) == 2 * 2 * 2
    scratch = final[final.protocol == "scratch"]
    assert set(scratch.stage) == {1} and (scratch.steps == 2).all()  # eval.epochs at once


def summary_rows() -> pd.DataFrame:
    rows = []
    runs = {
        "progressive": [80.0, 82.0, 81.0],
        "union": [79.0, 80.0, 80.5],
        "progressive-paper": [81.0, 83.0, 82.0],
    }
    for name, by_run in runs.items():
        for protocol, shift in (("paper", 0.0), ("equal", -1.0)):
            for run, acc in enumerate(by_run):
                for seed, noise in ((1, -0.5), (2, 0.5)):
                    rows.append(
                        {"set": name, "protocol": protocol, "recipe": "default", "run": run,
                         "seed": seed, "stage": 1, "steps": 10, "test_acc": acc + shift + noise}
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_summary_is_over_runs_and_the_comparison_is_paired():
    final = summary_rows()
    table = protocols.summary(final)
    row = table[(table.set == "progressive") & (table.protocol == "paper")].iloc[0]
    assert row.test_mean == pytest.approx(81.0) and row.test_std_runs == pytest.approx(1.0)
    assert row.test_std_seeds == pytest.approx(0.5) and (row.runs, row.seeds) == (3, 2)
    compared = protocols.comparisons(final, [("progressive", "union"), ("progressive", "x")])
    assert list(compared.comparison) == ["progressive − union"] * 2  # "x" is not there
    assert compared.delta.tolist() == pytest.approx([1.1666667, 1.1666667])
    assert (compared.runs == 3).all() and (compared.interval == "t over runs").all()


def test_headline_rows_frame_the_schedules_with_random_real_and_full_data():
    table = protocols.summary(summary_rows())
    random_real = {"ipc2": {"test_mean": 70.0, "test_std": 1.0, "n": 5}}
    reference = {"test_mean": 90.0, "test_std": 0.2, "n": 6}
    rows = headline_rows(
        table, distill=DISTILL, random_real=random_real, reference=reference, protocol="equal"
    )
    assert [r["method"] for r in rows] == [
        RANDOM_REAL,
        "PDD (progressive)",
        "MTT (union, one stage)",
        FULL_DATA,
    ]
    assert rows[1] == {"method": "PDD (progressive)", "test_mean": 80.0, "test_std": 1.0, "n": 3}
    without = headline_rows(
        table, distill=DISTILL, random_real={}, reference=reference, protocol="paper"
    )
    assert without[0]["method"] == "PDD (progressive)"


def test_metrics_keep_both_tables_the_comparisons_and_the_gaps():
    final = summary_rows()
    table = protocols.summary(final)
    compared = protocols.comparisons(final, [("progressive", "union")])
    reference = {"test_mean": 90.0, "test_std": 0.2, "n": 6}
    compared = pd.concat(
        [
            compared.assign(budget="equal"),
            protocols.comparisons(final, [("progressive-paper", "union")]).assign(budget="paper"),
        ]
    )
    reference = {"test_mean": 90.0, "test_std": 0.2, "n": 6}
    rows = {
        (budget, protocol): headline_rows(
            table,
            distill=DISTILL,
            random_real={},
            reference=reference,
            protocol=protocol,
            budget=budget,
        )
        for budget in ("equal", "paper")
        for protocol in scoring.PROTOCOLS
    }
    metrics = headline_metrics(
        rows, table, compared, params=params(), runs=3, seeds=2, regime="experts of 3 epochs"
    )
    assert metrics["headline"]["PDD (progressive)"]["test_mean"] == pytest.approx(81.0)
    assert metrics["headline_equal"]["PDD (progressive)"]["test_mean"] == pytest.approx(80.0)
    paper_budget = metrics["headline_by_budget"]["paper"]["paper"]
    assert paper_budget["PDD (progressive), paper budget"]["test_mean"] == pytest.approx(82.0)
    assert metrics["pdd_minus_mtt"] == pytest.approx(1.1666667)
    assert metrics["pdd_minus_mtt_equal"] == pytest.approx(1.1666667)
    assert metrics["pdd_minus_mtt_by_budget"]["paper"]["equal"] == pytest.approx(2.1666667)
    assert metrics["protocols"] == {"paper": {"stage_epochs": 1}, "equal": {"steps": 2}}
    assert len(metrics["comparisons"]) == 4 and metrics["union_from_scratch"] == {}
    assert metrics["regime"] == "experts of 3 epochs"


def test_with_result_formats_mean_and_std_to_two_decimals():
    table = pd.DataFrame({"test_mean": [77.123], "test_std": [0.456]})
    assert with_result(table).result.tolist() == ["77.12 ± 0.46"]


def test_recipes_change_only_the_network_or_the_augmentation(tiny_context):
    ctx = tiny_context(net="convnet")  # width 4, depth 2, instance norm
    default, shift, plain, wide = (
        recipe(ctx, name) for name in ("default", "shift", "plain", "wide")
    )
    assert default.augment is ctx.augment and plain.augment is None
    assert shift.augment.config.strategy == ("crop",) and shift.augment.config.flip is False
    assert default.make_model(3).features[0].out_channels == 4
    assert wide.make_model(3).features[0].out_channels == 128
    with pytest.raises(ValueError, match="unknown recipe"):
        recipe(ctx, "fancy")
