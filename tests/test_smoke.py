"""`make smoke`'s driver: the scratch copy and the order it runs stages in (the run itself
is tests/test_pipeline.py)."""

from __future__ import annotations

import pytest

from pdd.config import stages
from pdd.config.params import load_params
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline import smoke
from pdd.pipeline.smoke import downstream, scratch_copy


def test_the_copy_holds_the_sources_set_to_the_profile_and_no_outputs(tmp_path):
    copy = scratch_copy(tmp_path / "copy", profile="smoke")
    assert (copy / "dvc.yaml").read_text() == (ROOT / "dvc.yaml").read_text()
    assert "profile: smoke" in (copy / "params.yaml").read_text()
    assert not list((copy / "reports").glob("*/metrics.json"))
    # every input that no stage writes is there, or `dvc commit` fails after the run
    runs = stages.expanded(load_params(copy / "params.yaml"))
    written = [out for _, stage, item in runs for out in stages.outputs(stage, item)]
    for _, stage, _ in runs:
        for read in stage.inputs:
            if not any(stages._touches(read, out) for out in written):
                assert (copy / read).exists(), f"{stage.name} reads {read}"
    assert scratch_copy(copy, profile="default") == copy  # an earlier copy is replaced


def test_a_folder_that_is_not_a_copy_is_never_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    with pytest.raises(SystemExit, match="not a scratch copy"):
        scratch_copy(tmp_path / "mine")
    with pytest.raises(SystemExit, match="cannot hold the repository"):
        scratch_copy(ROOT.parent)


def test_downstream_is_every_stage_that_waits_directly_or_not():
    runs = stages.expanded(load_params(PARAMS_FILE, profile="smoke"))
    later = downstream(stages.upstream(runs))
    assert later["data"] == {name for name, _, _ in runs} - {"data"}
    assert later["report"] == set()
    assert {"evaluate", "scaling", "report"} <= later["distill@progressive"]


def test_a_resumed_run_skips_the_stages_it_finished(tmp_path, monkeypatch):
    copy = scratch_copy(tmp_path / "copy", profile="smoke")
    (copy / "logs").mkdir()
    for name in ("data", "baselines"):
        (copy / "logs" / f"{name}.done").write_text("1.0\n")
    ran = []
    monkeypatch.setattr(smoke, "environment", dict)
    monkeypatch.setattr(smoke, "commit", lambda repo, env: 0)
    monkeypatch.setattr(
        smoke, "run_stage", lambda repo, s, item, log, env: ran.append(log.stem) or 0
    )
    assert smoke.run_all(copy, jobs=1) == 0
    names = [name for name, _, _ in stages.expanded(load_params(copy / "params.yaml"))]
    assert sorted(ran) == sorted(set(names) - {"data", "baselines"})
    assert all((copy / "logs" / f"{name}.done").is_file() for name in names)
    ran.clear()
    assert smoke.run_all(copy, jobs=1) == 0 and ran == []  # nothing left to do
