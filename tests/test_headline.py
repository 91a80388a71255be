"""The evaluate stage's tables: progressive and from-scratch rows per schedule, the headline
between random real and full data, its metrics and its readable form."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from pdd.analyses import headline
from pdd.analyses.headline import (
    final_stage_rows,
    headline_metrics,
    headline_rows,
    progressive_table,
    schedule_labels,
    scratch_scores,
    scratch_table,
    total_ipc,
    with_result,
)
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import SetScore, TrainConfig

DISTILL = SimpleNamespace(
    method="mtt", stages=2, ipc_per_stage=2, schedules=["progressive", "union"]
)
EVALS = SimpleNamespace(dsa=True, num_seeds=2)


def tiny_data() -> SimpleNamespace:
    x, y = torch.zeros(2, 1, 2, 2), torch.tensor([0, 1])
    return SimpleNamespace(test_x=x, test_y=y, val_x=x, val_y=y)


def stage(ipc: int) -> SyntheticStage:
    return SyntheticStage(torch.zeros(2 * ipc, 1, 4, 4), torch.arange(2).repeat(ipc), 0.01)


def progressive_rows() -> pd.DataFrame:
    # progressive: two stages over two seeds; union: one stage
    return pd.DataFrame(
        {
            "schedule": ["progressive"] * 4 + ["union"] * 2,
            "seed": [1, 1, 2, 2, 1, 2],
            "stage": [1, 2, 1, 2, 1, 1],
            "test_acc": [10.0, 30.0, 12.0, 20.0, 15.0, 25.0],
        }
    )


def test_schedule_labels_name_the_base_method_for_the_union():
    labels = schedule_labels("dm")
    assert labels == {
        "union": "DM (union, one stage)",
        "sequential": "sequential stages",
        "progressive": "PDD (progressive)",
    }


def test_total_ipc_is_stages_times_ipc_per_stage():
    assert total_ipc(SimpleNamespace(stages=3, ipc_per_stage=5)) == 15


def fake_score_sets(seen):
    def score_sets(sets, scoring, seeds):
        seen.append((scoring.config.epochs, scoring.protocol))
        return [
            {
                "set": name,
                "seed": s,
                "stage": i + 1,
                "images_per_class": i + 1,
                "test_acc": float(len(stages)),
                "val_acc": 0.0,
                "seconds": 0.0,
            }
            for name, stages in sets.items()
            for s in seeds
            for i in range(len(stages) if scoring.protocol == "progressive" else 1)
        ]

    return score_sets


def test_progressive_table_runs_every_schedule_at_once_for_stage_epochs(monkeypatch):
    seen = []
    monkeypatch.setattr(headline, "score_sets", fake_score_sets(seen))
    table = progressive_table(
        {"progressive": [stage(1), stage(1)], "union": [stage(2)]},
        make_model=None,
        config=TrainConfig(epochs=300, lr=0.01),
        stage_epochs=7,
        seeds=[5, 6],
        data=tiny_data(),
        augment=None,
    )
    assert seen == [(7, "progressive")]
    assert list(table.columns) == [
        "schedule",
        "seed",
        "stage",
        "images_per_class",
        "test_acc",
        "val_acc",
    ]
    assert table.schedule.tolist() == ["progressive"] * 4 + ["union"] * 2
    assert table.stage.tolist() == [1, 2, 1, 2, 1, 1]


def test_scratch_scores_keeps_the_protocol_and_the_schedule_order(monkeypatch):
    seen = []
    monkeypatch.setattr(headline, "score_sets", fake_score_sets(seen))
    scores = scratch_scores(
        {"union": [stage(2)], "progressive": [stage(1), stage(1)]},
        make_model=None,
        config=TrainConfig(epochs=3, lr=0.01),
        seeds=[5, 6],
        data=tiny_data(),
        augment=None,
    )
    assert seen == [(3, "union")]
    assert list(scores) == ["union", "progressive"]
    assert scores["progressive"].test_acc == (2.0, 2.0) and scores["union"].seeds == (5, 6)


def test_scratch_table_has_one_row_per_schedule_and_seed():
    scratch = {
        "union": SetScore((1, 2), (20.0, 30.0), (0.0, 0.0), (0.0, 0.0)),
        "progressive": SetScore((1,), (40.0,), (0.0,), (0.0,)),
    }
    table = scratch_table(scratch)
    assert list(table.columns) == ["schedule", "seed", "test_acc"]
    assert table.values.tolist() == [
        ["union", 1, 20.0],
        ["union", 2, 30.0],
        ["progressive", 1, 40.0],
    ]


def test_final_stage_rows_take_each_schedules_own_last_stage():
    final = final_stage_rows(progressive_rows())
    assert final.loc["progressive"].test_acc.tolist() == [30.0, 20.0]
    assert final.loc[["union"]].test_acc.tolist() == [15.0, 25.0]


def test_headline_rows_frame_the_schedules_with_random_real_and_full_data():
    random_real = {"ipc4": {"test_mean": 11.0, "test_std": 1.0, "val_mean": 9.0, "n": 3}}
    reference = {"test_mean": 90.0, "test_std": 0.5, "val_mean": 89.0, "n": 2, "what": "x"}
    rows = headline_rows(
        progressive_rows(), distill=DISTILL, random_real=random_real, reference=reference
    )
    assert [row["method"] for row in rows] == [
        "random real",
        "PDD (progressive)",
        "MTT (union, one stage)",
        "full data (experts)",
    ]
    assert rows[0] == {"method": "random real", "test_mean": 11.0, "test_std": 1.0, "n": 3}
    assert rows[1]["test_mean"] == 25.0 and rows[1]["test_std"] == 5.0  # population std
    assert rows[2]["n"] == 2 and rows[-1]["test_mean"] == 90.0
    # a schedule's numbers stay numpy floats, as the notebook computed them before
    assert isinstance(rows[1]["test_mean"], np.floating)


def test_headline_rows_leave_out_random_real_when_its_ipc_was_not_measured():
    reference = {"test_mean": 90.0, "test_std": 0.5, "n": 2}
    rows = headline_rows(
        progressive_rows(), distill=DISTILL, random_real={"ipc1": {}}, reference=reference
    )
    assert [row["method"] for row in rows][0] == "PDD (progressive)"
    assert len(rows) == 3


def test_headline_metrics_by_method_with_the_gap_of_pdd_over_the_union():
    rows = [
        {"method": "PDD (progressive)", "test_mean": 25.0, "test_std": 5.0, "n": 2},
        {"method": "MTT (union, one stage)", "test_mean": 20.0, "test_std": 5.0, "n": 2},
    ]
    scratch = {
        "progressive": SetScore((1, 2), (20.0, 30.0), (0.0, 0.0), (0.0, 0.0)),
        "union": SetScore((1, 2), (10.0, 10.0), (0.0, 0.0), (0.0, 0.0)),
    }
    metrics = headline_metrics(
        rows, scratch, dataset="fashion-mnist", distill=DISTILL, stage_epochs=5, evals=EVALS
    )
    assert metrics["headline"]["PDD (progressive)"] == {"test_mean": 25.0, "test_std": 5.0, "n": 2}
    assert metrics["union_from_scratch"]["progressive"] == {"test_mean": 25.0, "test_std": 5.0}
    assert metrics["eval"] == {"stage_epochs": 5, "dsa": True, "seeds": 2}
    assert metrics["total_ipc"] == 4 and metrics["stages"] == 2
    assert metrics["pdd_minus_mtt"] == pytest.approx(5.0)


def test_headline_metrics_without_both_schedules_have_no_gap():
    rows = [{"method": "PDD (progressive)", "test_mean": 25.0, "test_std": 5.0, "n": 2}]
    scratch = {"progressive": SetScore((1,), (20.0,), (0.0,), (0.0,))}
    metrics = headline_metrics(
        rows, scratch, dataset="fashion-mnist", distill=DISTILL, stage_epochs=5, evals=EVALS
    )
    assert "pdd_minus_mtt" not in metrics


def test_with_result_formats_mean_and_std_to_two_decimals():
    table = pd.DataFrame({"method": ["a"], "test_mean": [24.456], "test_std": [4.8]})
    assert with_result(table).result.tolist() == ["24.46 ± 4.80"]
    assert "result" not in table.columns  # the written table is left alone
