"""The two distillation budgets and the per-stage start epochs: `equal` shares the union's
iteration count out over the stages, `paper` gives every stage all of it; a stage of a
schedule of several stages draws its MTT start from round(M x share) epochs; a stage that
peaks at its last snapshot is marked still improving; the registry names the paper-budget
stages and their folders; params refuse budgets and transitions they cannot serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdd.config.budgets import budget_name, split_budget
from pdd.config.distillers import build_distiller
from pdd.config.params import ParamsError, load_params
from pdd.config.stages import check_items, expanded, stage
from pdd.experiments.plan import Settings
from pdd.methods.base import StageResult

PARAMS_FILE = Path(__file__).parents[1] / "params.yaml"


def default(**overrides):
    return load_params(PARAMS_FILE, profile="default", overrides=overrides)


def test_a_schedule_under_the_paper_budget_is_named_by_a_suffix():
    assert split_budget("progressive-paper") == ("progressive", "paper")
    assert split_budget("union") == ("union", "equal")
    assert budget_name("sequential", "paper") == "sequential-paper"
    assert budget_name("sequential", "equal") == "sequential"
    with pytest.raises(ValueError, match="unknown budget"):
        budget_name("union", "generous")


def test_the_paper_budget_gives_every_stage_the_union_s_whole_count():
    params = default()
    settings = Settings.of(params)
    assert settings.with_budget("equal") == settings
    paper = settings.with_budget("paper")
    assert paper.mtt.iterations == params.distill.stages * params.mtt.iterations
    # as many validation snapshots per stage as under the equal budget
    snapshots = params.mtt.iterations // params.distill.eval_every
    assert paper.mtt.iterations // paper.distill.eval_every == snapshots
    assert paper.distill.checkpoint_every == params.distill.checkpoint_every
    with pytest.raises(ValueError, match="unknown budget"):
        settings.with_budget("generous")


def test_a_stage_of_several_draws_its_start_from_a_share_of_m():
    settings = Settings.of(default(**{"mtt.max_start_epoch": 20}))
    assert settings.per_stage(5).mtt.max_start_epoch == 5  # the paper's M 20 alone, 5 a stage
    assert settings.per_stage(1) == settings  # the union, P = 1: MTT's own M
    tiny = Settings.of(default(**{"mtt.max_start_epoch": 1}))
    assert tiny.per_stage(5).mtt.max_start_epoch == 1  # at least one start epoch
    dm = Settings.of(default(), method="dm")
    assert dm.per_stage(5) == dm  # other methods have no start epochs


def test_settings_hold_the_sections_a_stage_is_given():
    from types import SimpleNamespace

    params = default()
    given = SimpleNamespace(distill=params.distill, mtt=params.mtt)  # a distill stage's
    settings = Settings.of(given)
    assert settings.mtt == params.mtt and settings.matching is None and settings.dm is None
    with pytest.raises(ValueError, match="'dc' reads the 'matching' section"):
        dc = Settings.of(given, method="dc")
        build_distiller(
            dc.method, dc.section, distill=dc.distill, make_model=None, data=None, lr_init=0.01
        )


def test_the_last_snapshot_winning_marks_a_stage_still_improving():
    best_at_end = StageResult(None, 0.01, 80.0, best_iteration=150, iterations=150)
    earlier = StageResult(None, 0.01, 80.0, best_iteration=100, iterations=150)
    assert best_at_end.still_improving and not earlier.still_improving


def test_the_registry_runs_each_paper_budget_schedule_in_its_own_folder():
    params = default()
    runs = {name: item for name, s, item in expanded(params) if s.name == "distill"}
    assert runs["distill@union"] == "union"
    assert runs["distill_paper@progressive"] == "progressive-paper"
    assert "distill_paper@union" not in runs
    assert stage("distill").folder("progressive-paper") == "distill/progressive-paper"
    assert check_items(stage("distill"), {"schedule": "sequential-paper"})
    with pytest.raises(ParamsError, match="schedule='nonsense-paper'"):
        check_items(stage("distill"), {"schedule": "nonsense-paper"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"distill.paper_budget": ["union"]}, "the union's paper budget is its equal one"),
        (
            {"distill.schedules": ["union", "sequential"]},
            r"paper_budget: \['progressive'\] not in distill.schedules",
        ),
        ({"distill.transition_starts": 9}, r"transition_starts \(9\) must be <="),
        ({"mtt.stage_start_share": 0}, "stage_start_share"),
    ],
)
def test_params_refuse_what_the_budgets_and_transitions_cannot_serve(overrides, message):
    with pytest.raises(ParamsError, match=message):
        default(**overrides)
