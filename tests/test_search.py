"""The one search of MTT settings every schedule shares: configuration 0 is the mtt
section, the rest seeded draws from the grid, the same for every schedule; every
configuration is valid when params load; the search scores on the validation split and
never touches the test split."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from pdd.config.params import ParamsError, load_params
from pdd.core.buffers import ExpertConfig, generate_buffers
from pdd.experiments.plan import Settings, distill_runs
from pdd.experiments.search import (
    candidates,
    chosen_for,
    search_schedules,
    searched_settings,
)
from pdd.infra.io import write_json
from pdd.methods.mtt import _batch_indices

PARAMS_FILE = Path(__file__).parents[1] / "params.yaml"
# classes apart, a small ConvNet: the search has something to choose between
SEARCH_CONTEXT = {"net": "convnet", "batch_size": 8, "eval_seeds": (1,), "separable": True}


def smoke(**overrides):
    return load_params(PARAMS_FILE, profile="smoke", overrides=overrides)


def test_the_first_candidate_is_the_mtt_section_and_the_rest_distinct_grid_draws():
    params = load_params(PARAMS_FILE, profile="default")
    drawn = candidates(params.mtt, params.tune, seed=3)
    own = {key: getattr(params.mtt, key) for key in params.tune.grid}
    assert drawn[0] == own and len(drawn) == params.tune.configs
    assert len({tuple(c.values()) for c in drawn}) == len(drawn)
    for config in drawn:
        assert all(config[key] in params.tune.grid[key] for key in config)
    assert candidates(params.mtt, params.tune, seed=3) == drawn  # seeded
    assert candidates(params.mtt, params.tune, seed=4) != drawn


def test_a_configuration_is_applied_and_validated_like_the_section():
    settings = Settings.of(smoke())
    assert settings.varied("mtt", syn_steps=7).mtt.syn_steps == 7
    with pytest.raises(ValueError, match="syn_steps"):
        settings.varied("mtt", syn_steps=0)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"width": [1, 2]}, "'width' cannot be searched"),
        ({"syn_steps": [0, 2]}, "tune.grid.syn_steps: 0 is not a valid mtt.syn_steps"),
        ({"max_start_epoch": [2, 5]}, "reaches 5, past buffers.epochs"),
        ({"lr_img": [10.0, 10.0]}, "distinct values"),
    ],
)
def test_a_bad_grid_names_its_key(grid, message):
    with pytest.raises(ParamsError, match=message):
        smoke(**{"tune.grid": grid})


def test_more_configurations_than_the_grid_holds_is_refused():
    with pytest.raises(ParamsError, match=r"tune.configs \(9\) exceeds the grid's 4"):
        smoke(**{"tune.configs": 9})


def test_a_batch_larger_than_the_pool_takes_the_pool_once():
    batches = _batch_indices(4, 10, 3, torch.Generator().manual_seed(0))
    assert [sorted(b.tolist()) for b in batches] == [[0, 1, 2, 3]] * 3


def test_every_schedule_is_scored_on_the_same_configurations_on_validation_only(
    tmp_path, tiny_context
):
    params = smoke(**{"buffers.examples_per_epoch": None})  # the tiny split is smaller
    ctx = tiny_context(**SEARCH_CONTEXT, poisoned_test=True)
    experts = generate_buffers(
        ctx.make_model,
        params.buffers.num_experts,
        ctx.data,
        ExpertConfig(epochs=params.buffers.epochs, lr=0.05, batch_size=8),
        seed=0,
        folder=tmp_path / "buffers",
        progress=False,
    )
    run = distill_runs(params)[0]
    schedules = ["union", "progressive"]
    found = search_schedules(
        params, ctx, schedules=schedules, experts=experts, artifacts=tmp_path, run=run
    )
    scores = found.scores
    assert len(scores) == params.tune.configs * len(schedules)
    by_schedule = [scores[scores.schedule == s].drop(columns=SCORED) for s in schedules]
    assert by_schedule[0].reset_index(drop=True).equals(by_schedule[1].reset_index(drop=True))
    assert torch.isfinite(torch.tensor(scores.val_mean.to_numpy())).all()
    for schedule in schedules:
        rows = scores[scores.schedule == schedule]
        best = rows[rows.chosen]
        assert len(best) == 1 and best.val_mean.iloc[0] == rows.val_mean.max()
        assert found.chosen[schedule]["syn_steps"] == best.syn_steps.iloc[0]
        settings = found.settings_for(schedule)
        assert settings.mtt.syn_steps == best.syn_steps.iloc[0]
        assert settings.mtt.iterations == params.mtt.iterations  # the runs' own budget

    side_by_side = found.table()
    assert len(side_by_side) == params.tune.configs
    assert {"val_mean_union", "val_mean_progressive", "chosen_by"} <= set(side_by_side.columns)
    assert sorted(" ".join(side_by_side.chosen_by).split()) == sorted(schedules)

    summary = found.summary(params.tune)
    assert chosen_for({"search": summary}, "union") == found.chosen["union"]
    with pytest.raises(ValueError, match="not 'sequential'"):
        chosen_for({"search": summary}, "sequential")
    write_json(
        tmp_path / "published" / "metrics.json",
        {"search": summary | {"chosen": found.chosen["union"]}},
    )
    assert searched_settings(params, tmp_path / "published") == found.settings_for("union")


SCORED = ["schedule", "val_mean", "val_std", "distill_seconds", "chosen"]


def test_no_grid_search_when_one_configuration_is_asked_for(tmp_path, tiny_context):
    params = smoke(**{"tune.configs": 1})
    found = search_schedules(
        params,
        tiny_context(**SEARCH_CONTEXT),
        schedules=["union"],
        experts=[],
        artifacts=tmp_path,
        run=None,
    )
    assert found.scores.empty and found.chosen == {}
    assert found.settings_for("union") == Settings.of(params)
    assert chosen_for({"search": found.summary(params.tune)}, "union") == {}
    with pytest.raises(FileNotFoundError, match="run the distill stage"):
        searched_settings(params, tmp_path / "nothing")
