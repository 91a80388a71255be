"""Ablation items: P shares the total IPC out evenly, "a-b" gives explicit stage sizes;
either must add up to the total, and the schedule then holds those sizes. A variant reuses
the main run's published set when there is one, else distills its own; either is scored
progressively with its label on every row."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from pdd.analyses.variants import accuracy_curve, variant_summary
from pdd.core.synthetic import SyntheticStage, load_stages
from pdd.experiments import variants
from pdd.experiments.runs import save_run
from pdd.experiments.variants import VariantSet, run_variant
from pdd.infra.io import save_torch, write_json
from pdd.progressive.schedule import Schedule, split_stage_ipcs


def test_a_stage_count_shares_the_total_evenly():
    assert split_stage_ipcs(5, 10) == (2, 2, 2, 2, 2)
    assert split_stage_ipcs(1, 10) == (10,)


def test_a_split_gives_each_stage_its_size():
    assert split_stage_ipcs("2-8", 10) == (2, 8)
    assert split_stage_ipcs("1-1-8", 10) == (1, 1, 8)


@pytest.mark.parametrize(("item", "key"), [(3, "stage_counts"), ("2-7", "stage_ipcs")])
def test_items_that_do_not_add_up_name_their_key(item, key):
    with pytest.raises(ValueError, match=f"ablation.{key}"):
        split_stage_ipcs(item, 10)


def test_schedules_with_uneven_stages():
    assert Schedule("progressive", 2, 5, (2, 8)).ipcs() == [2, 8]
    assert Schedule("union", 2, 5, (2, 8)).ipcs() == [10]
    assert Schedule("progressive", 5, 2).ipcs() == [2] * 5
    with pytest.raises(ValueError, match="one IPC per stage"):
        Schedule("progressive", 3, 5, (2, 8))


def tiny_stages(count: int) -> list[SyntheticStage]:
    generator = torch.Generator().manual_seed(count)
    return [
        SyntheticStage(torch.randn(3, 1, 8, 8, generator=generator), torch.arange(3), 0.01)
        for _ in range(count)
    ]


# epochs 4, two evaluation seeds
CONTEXT = {"epochs": 4, "eval_seeds": (11, 12)}

PARAMS = SimpleNamespace(
    evaluate=SimpleNamespace(stage_epochs=1, equal_steps=None, recipes=["default"]),
    distill=SimpleNamespace(stages=2),
    common=SimpleNamespace(seed=0),
)


def publish(folder: Path, runs: list[list[SyntheticStage]], seconds: list[list[float]]) -> None:
    """A main-run stage's published runs: each run's stage files and manifest, and the
    schedule's metrics."""
    for index, stages in enumerate(runs):
        entries = []
        for number, stage in enumerate(stages, start=1):
            payload = {"images": stage.images, "labels": stage.labels, "lr": torch.tensor(stage.lr)}
            save_torch(payload, folder / f"run{index}" / f"stage_{number}.pt")
            entry = {"file": f"stage_{number}.pt", "ipc": stage.ipc, "lr": stage.lr}
            entries.append({**entry, "seconds": seconds[index][number - 1]})
        write_json(folder / f"run{index}" / "manifest.json", {"stages": entries})
    metrics = {"runs": [{"stages": [{"seconds": s} for s in run]} for run in seconds]}
    write_json(folder / "metrics.json", metrics)


def test_published_runs_are_reused_and_scored_under_both_protocols(tmp_path, tiny_context):
    publish(tmp_path / "distill" / "progressive", [tiny_stages(2)] * 3, [[1.0, 2.0]] * 3)
    run = run_variant(
        PARAMS,
        tiny_context(**CONTEXT),
        artifacts=tmp_path,
        work_name="unused",
        out_dir=tmp_path / "out",
        num_seeds=2,
        runs=2,
        label={"rate": 0.0},
        published=tmp_path,
        reuse="distill/progressive",
    )
    assert run.variant.origin == "reused reports/distill/progressive"
    assert run.variant.distill_seconds == [3.0, 3.0] and run.variant.wall_seconds is None
    assert len(run.variant.runs) == 2  # the first two of three
    assert list(run.progressive.columns)[-1] == "rate" and (run.progressive.rate == 0.0).all()
    paper = run.progressive[run.progressive.protocol == "paper"]
    assert paper.stage.tolist() == [1, 2] * 4  # two runs × two seeds through two stages
    assert set(run.progressive.protocol) == {"paper", "equal"}
    assert len(run.final_rows) == 8 and (run.final_rows.stage == 2).all()
    final = variant_summary(run.variant, run.final_rows)
    assert final["n"] == 4 and final["set"] == run.variant.origin
    assert set(final["results"]) == {"paper/default", "equal/default"}
    assert final["results"]["paper/default"]["runs"] == 2
    assert not (tmp_path / "out").exists()  # nothing distilled
    with pytest.raises(ValueError, match="holds 3 runs, 4 needed"):
        variants.reuse_published(tmp_path, "distill/progressive", 4)


def test_without_a_published_set_the_variant_is_distilled(tmp_path, monkeypatch, tiny_context):
    calls = []

    def distill(params, ctx, **kwargs):
        calls.append(kwargs)
        return VariantSet([tiny_stages(1)], "distilled here", [4.0], 5.0)

    monkeypatch.setattr(variants, "distill_progressive", distill)
    later = tiny_context(**CONTEXT).data
    run = run_variant(
        PARAMS,
        tiny_context(**CONTEXT),
        artifacts=tmp_path,
        work_name="easy-drop-0.0",
        out_dir=tmp_path / "out",
        num_seeds=1,
        runs=1,
        published=tmp_path,
        reuse="distill/progressive",  # not published: distilled instead
        stage_ipcs=(1,),
        later_data=later,
        keep_learned=0.2,
        only_paper=True,
    )
    assert run.variant.origin == "distilled here"
    assert calls == [
        {
            "artifacts": tmp_path,
            "work_name": "easy-drop-0.0",
            "out_dir": tmp_path / "out",
            "runs": 1,
            "settings": None,
            "stage_ipcs": (1,),
            "later_data": later,
            "keep_learned": 0.2,
        }
    ]
    assert set(run.progressive.protocol) == {"paper"}  # only the paper protocol
    assert "rate" not in run.progressive  # no label: the rows as scored
    final = variant_summary(run.variant, run.final_rows)
    assert final["distill_seconds"] == 4.0 and final["wall_seconds"] == 5.0


def test_saved_stages_leave_their_history_out(tmp_path, tiny_context):
    stages = tiny_stages(1)
    stages[0].info.update(history=[{"iteration": 0}], seconds=1.5)
    save_run(tmp_path, stages, tiny_context().data)
    (loaded,) = load_stages(tmp_path)
    assert loaded.info == {"seconds": 1.5}
    assert stages[0].info["history"] == [{"iteration": 0}]  # the caller's stages keep it
    assert torch.equal(loaded.images, stages[0].images)


def test_the_accuracy_curve_draws_one_line_per_hue():
    rows = pd.DataFrame(
        {
            "schedule": ["union", "progressive", "progressive"],
            "images_per_class": [2, 1, 2],
            "test_acc": [40.0, 30.0, 50.0],
        }
    )
    fig = accuracy_curve(rows, title="t", figsize=(4, 3), hue="schedule")
    (ax,) = fig.axes
    assert (ax.get_title(), ax.get_xlabel()) == ("t", "images per class so far")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["union", "progressive"]
    assert tuple(fig.get_size_inches()) == (4, 3)
    plain = accuracy_curve(rows, title="t", figsize=(4, 3))
    assert plain.axes[0].get_legend() is None and len(plain.axes[0].lines) == 1
    plt.close("all")
