"""The mechanism check as notebook 02 runs it: every run and stage of a schedule, the PDD
stages' trajectories rebuilt from the run's work folder (the transitions it kept, nothing
trained again), floors shared between schedules, and the per-stage verdicts and figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdd.analyses.distillation import schedule_metrics, stage_table
from pdd.analyses.mechanism import mechanism_figure, mechanism_summary, stage_verdicts
from pdd.config.params import load_params
from pdd.core.buffers import ExpertConfig, generate_buffers
from pdd.experiments.mechanism import check_schedule
from pdd.experiments.plan import Settings, distill_runs
from pdd.experiments.runs import distill_schedule
from pdd.infra.workers import torch_threads

PARAMS_FILE = Path(__file__).parents[1] / "params.yaml"


def distilled_with_check(tmp_path, ctx, schedule):
    params = load_params(
        PARAMS_FILE,
        profile="smoke",
        overrides={
            "buffers.examples_per_epoch": None,
            "distill.mechanism_windows": 2,
        },
    )
    experts = generate_buffers(
        ctx.make_model,
        params.buffers.num_experts,
        ctx.data,
        ExpertConfig(epochs=params.buffers.epochs, lr=0.05, batch_size=8),
        seed=0,
        folder=tmp_path / "buffers",
        progress=False,
    )
    runs = distill_runs(params, count=1)  # one run: the check is per run
    settings = Settings.of(params)
    common = {"experts": experts, "artifacts": tmp_path, "work_name": f"distill-{schedule}"}
    results = distill_schedule(
        params, ctx, schedule=schedule, runs=runs, settings=settings, **common
    )
    checks = check_schedule(
        params, ctx, schedule=schedule, distilled=results, settings=settings, **common
    )
    return params, results, checks


def test_every_run_and_stage_is_checked_without_training_the_transitions_again(
    tmp_path, tiny_context, monkeypatch
):
    ctx = tiny_context(net="convnet", separable=True, batch_size=8)
    with torch_threads(1):
        params, results, checks = distilled_with_check(tmp_path, ctx, "progressive")
    stages = params.distill.stages
    assert len(checks) == stages * 2  # one run, 2 windows a stage
    assert set(checks.stage) == set(range(1, stages + 1))
    assert checks.floor.between(0, 1, inclusive="neither").all()
    later = checks[checks.stage > 1]
    assert later.new_share.lt(1).all()  # the frozen stage 1 pushes the later students too
    assert (checks[checks.stage == 1].new_share > 0.999).all()  # nothing frozen at stage 1
    # the starts of the later stages' trajectories are the transition networks: scored
    assert later.starts_val_acc.notna().all()
    floors = sorted((tmp_path / "work" / "floors").glob("floor-*.pt"))
    assert floors  # kept, and found again by a second check of the same windows
    import pdd.progressive.mechanism as mechanism

    def no_training(*args, **kwargs):
        raise AssertionError("a kept floor or transition was trained again")

    monkeypatch.setattr(mechanism, "loss_floor", no_training)
    monkeypatch.setattr("pdd.core.buffers.train_classifier", no_training)
    with torch_threads(1):
        again = check_schedule(
            params,
            ctx,
            schedule="progressive",
            distilled=results,
            experts=_experts(tmp_path, params),
            artifacts=tmp_path,
            work_name="distill-progressive",
            settings=Settings.of(params),
        )
    pd.testing.assert_frame_equal(again, checks)


def _experts(tmp_path, params):
    from pdd.core.buffers import load_buffers

    return load_buffers(tmp_path / "buffers", params.buffers.num_experts)


def test_verdicts_join_the_sets_own_accuracy_and_summarise_by_stage(tmp_path, tiny_context):
    ctx = tiny_context(net="convnet", separable=True, batch_size=8)
    with torch_threads(1):
        _, results, checks = distilled_with_check(tmp_path, ctx, "sequential")
    stages = stage_table(schedule_metrics("sequential", results))
    verdicts = stage_verdicts(checks, stages)
    assert len(verdicts) == len(stages)
    merged = verdicts.merge(stages, on=["run", "stage"])
    assert (merged.set_val_acc == merged.best_val).all()
    summary = mechanism_summary(verdicts)
    assert set(summary["learned_share_by_stage"]) == set(verdicts.stage)
    assert summary["later_stages_learned"] == bool(verdicts[verdicts.stage > 1].learned.all())
    fig = mechanism_figure(verdicts, "sequential")
    assert [ax.get_title() for ax in fig.axes][1] == "loss and its floor"


def test_the_summary_says_whether_every_later_stage_learned():
    verdicts = pd.DataFrame(
        {"run": [0, 0, 1, 1], "stage": [1, 2, 1, 2], "learned": [True, False, True, True]}
    )
    summary = mechanism_summary(verdicts)
    assert summary["learned_share_by_stage"] == {1: 1.0, 2: 0.5}
    assert summary["later_stages_learned"] is False
    assert "(1 + floor) / 2" in summary["rule"]
    one_stage = mechanism_summary(verdicts[verdicts.stage == 1])
    assert one_stage["later_stages_learned"] is None
