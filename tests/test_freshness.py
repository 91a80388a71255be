"""Published = produced: `dvc status` finds exactly the stages `stale.yaml` lists stale.
A change that makes a published stage stale fails here until the stage is rerun in the
same change or listed with its reason; outputs absent from the local cache (buffers,
checkpoints, prepared data) do not count. Every stage not listed published the executed
notebook of its current source."""

from __future__ import annotations

import pytest

from pdd.config.params import load_params
from pdd.config.stages import expanded
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline import freshness
from pdd.pipeline.freshness import (
    StatusBusy,
    cached_outputs,
    differences,
    disagreements,
    known_stale,
    stale_stages,
)
from pdd.pipeline.report_page import stale_lines

CACHED = {"data/prepared", "artifacts/buffers"}


def test_outputs_absent_from_the_cache_leave_a_stage_fresh():
    entries = [
        {"changed deps": {"data/prepared": "deleted", "artifacts/buffers/expert_0.pt": "deleted"}},
        {"changed outs": {"artifacts/distill/union": "not in cache"}},
    ]
    assert differences(entries, CACHED) == []


def test_code_params_command_and_published_outputs_make_a_stage_stale():
    entries = [
        {"changed deps": {"pdd/core/train.py": "modified", "reports/distill": "deleted"}},
        {"changed deps": {"params.yaml": {"distill.runs": "new", "eval": "modified"}}},
        {"changed outs": {"reports/evaluate": "modified"}},
        "changed command",
    ]
    assert differences(entries, CACHED) == [
        "dep pdd/core/train.py modified",
        "dep reports/distill deleted",  # a published (git) output, not a cache miss
        "param distill.runs new (params.yaml)",
        "param eval modified (params.yaml)",
        "out reports/evaluate modified",
        "changed command",
    ]


def test_disagreements_name_each_side():
    found = stale_stages({"a": [{"changed deps": {"x.py": "modified"}}], "b": [], "c": []}, CACHED)
    assert found == {"a": ["dep x.py modified"]}
    problems = disagreements(found, {"c": "left for later"})
    assert problems[0].startswith("a: stale (dep x.py modified) but not in stale.yaml")
    assert problems[1] == "c: listed in stale.yaml but fresh: take it off the list"
    assert disagreements(found, {"a": "why"}) == []


def test_the_stale_list_must_be_stage_reason_lines(tmp_path):
    assert known_stale(tmp_path) == {}
    (tmp_path / "stale.yaml").write_text("evaluate: rerun pending\n")
    assert known_stale(tmp_path) == {"evaluate": "rerun pending"}
    (tmp_path / "stale.yaml").write_text("- evaluate\n")
    with pytest.raises(ValueError, match="stage: reason"):
        known_stale(tmp_path)


def test_the_landing_page_lists_stale_stages_or_says_there_are_none():
    assert "None: every stage's published results" in "\n".join(stale_lines({}))
    lines = stale_lines({"evaluate": "rerun pending"})
    assert "| `evaluate` | rerun pending |" in lines


def test_the_cached_outputs_are_the_artifacts_and_the_prepared_data():
    cached = cached_outputs()
    assert {"data/prepared", "artifacts/buffers", "artifacts/distill/union"} <= cached
    assert not any(path.startswith("reports/") for path in cached)


def test_dvc_finds_exactly_the_stages_listed_stale():
    try:
        status = freshness.dvc_status()
    except StatusBusy as busy:  # a dvc repro holds the lock: its stage is being rerun
        pytest.skip(str(busy))
    problems = disagreements(stale_stages(status, cached_outputs()), known_stale())
    assert not problems, "\n".join(problems)


def code_cells(notebook) -> list[str]:
    """The notebook's code, without the cell papermill injects."""
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])
    ]


def test_every_fresh_stage_published_the_notebook_its_source_is_now():
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    stale = known_stale()
    checked = 0
    for name, stage, item in expanded(load_params(PARAMS_FILE)):
        if stage.notebook is None or name in stale:
            continue
        executed = ROOT / "reports" / "notebooks" / f"{stage.notebook_name(item)}.ipynb"
        source = jupytext.read(ROOT / "notebooks" / f"{stage.notebook}.py")
        assert code_cells(nbformat.read(executed, as_version=4)) == code_cells(source), name
        checked += 1
    assert checked or stale  # nothing is exempt unless it is listed stale
