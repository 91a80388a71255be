"""The stage registry is the one list of stages: dvc.yaml is generated from it, each stage's
code deps are its notebook's real import closure, and its params the sections it reads."""

from __future__ import annotations

import pytest
import yaml

from pdd.config import stages
from pdd.config.params import load_params
from pdd.infra.paths import PARAMS_FILE, ROOT
from pdd.pipeline import dagdoc, dvcfile


def committed() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())


def test_committed_dvc_yaml_is_the_generated_one():
    assert dvcfile.main(["--check"]) == 0, "run: python -m pdd.pipeline.dvcfile"


def test_every_dvc_stage_comes_from_the_registry():
    names = {variant.name for s in stages.STAGES for variant in s.dvc_variants}
    assert set(committed()["stages"]) == names


def test_code_deps_follow_imports_through_other_modules():
    # the notebook imports pdd.progressive.driver, which imports pdd.core.forgetting
    deps = dvcfile.code_deps(stages.stage("distill"))
    assert "pdd/core/forgetting.py" in deps
    assert "pdd/progressive/driver.py" in deps
    # the runner is not imported by a notebook: editing it invalidates no result
    assert "pdd/pipeline/run.py" not in deps
    assert "notebooks/02_distill.py" == deps[0]


def test_import_closure_reads_function_level_imports(tmp_path):
    source = tmp_path / "nb.py"
    source.write_text("def f():\n    from pdd.infra import io\n    return io\n")
    assert dvcfile.import_closure(source) == [
        "pdd/__init__.py",
        "pdd/infra/__init__.py",
        "pdd/infra/io.py",
    ]


def test_params_are_the_sections_read_and_only_the_active_overlay():
    distill = committed()["stages"]["distill"]["do"]["params"]
    assert "profiles" not in distill  # editing another profile's overlay invalidates nothing
    read = stages.sections(stages.stage("distill"), "mtt")
    assert {"profiles/${profile}.yaml": list(read)} in distill
    # a foreach list the stage does not read is left out: a new item leaves the others valid
    methods = committed()["stages"]["methods"]["do"]["params"]
    assert "methods.num_seeds" in methods and "methods" not in methods
    assert "methods.names" not in methods
    assert "methods" in committed()["stages"]["report"]["params"]


def test_expanded_runs_come_upstream_first():
    params = load_params(PARAMS_FILE)
    names = [name for name, _, _ in stages.expanded(params)]
    assert names.index("forgetting") < names.index("scaling")
    assert names.index("distill@progressive") < names.index("evaluate")
    assert names[0] == "data" and names[-1] == "report"
    assert len(names) == len(set(names))


def test_outputs_are_named_by_stage_and_item():
    easy = stages.stage("easy_drop")
    assert stages.outputs(easy, 0.2) == {
        "artifacts/easy_drop/0.2": True,
        "reports/easy_drop/0.2": False,
        "reports/notebooks/06b_easy_drop_0.2.ipynb": False,
    }


def test_a_stage_depends_on_the_sections_it_reads_and_no_others():
    deps = dvcfile.code_deps(stages.stage("baselines"))
    assert "pdd/config/sections/baselines.py" in deps  # imported by name in its first cell
    assert "pdd/config/sections/mtt.py" not in deps  # a section it does not read
    assert "pdd/config/schema.py" not in deps  # the whole schema is the runner's
    assert "pdd/config/stages.py" not in deps
    assert "pdd/progressive/driver.py" not in deps  # it distills nothing
    distill = dvcfile.code_deps(stages.stage("distill"))
    assert {"pdd/config/sections/mtt.py", "pdd/progressive/driver.py"} <= set(distill)


def test_type_checking_imports_are_no_code_deps(tmp_path):
    source = tmp_path / "nb.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pdd.config import schema\n"
        "from pdd.infra import io\n"
    )
    assert dvcfile.import_closure(source) == [
        "pdd/__init__.py",
        "pdd/infra/__init__.py",
        "pdd/infra/io.py",
    ]


def test_publication_folders_name_every_published_stage_in_table_order():
    folders = stages.publication_folders(load_params(PARAMS_FILE))
    assert "report" not in folders
    assert folders["data"] == "data"
    assert folders["easy_drop_correct"] == "easy_drop/correct-by-all"
    assert list(folders).index("scaling") < list(folders).index("forgetting")  # table order


def test_the_stage_graph_in_the_docs_is_dvcs():
    assert dagdoc.main(["--check"]) == 0


def test_a_distilling_stage_tracks_only_its_base_method_s_sections():
    # the MTT headline does not rerun when DC's or DM's settings change
    for name in ("search", "distill", "ablation_stages", "scaling", "easy_drop"):
        read = stages.sections(stages.stage(name), "mtt")
        assert "mtt" in read and "matching" not in read and "dm" not in read, name
    assert stages.sections(stages.stage("distill"), "dsa")[-2:] == ("mtt", "matching")
    assert stages.sections(stages.stage("distill"), "dm")[-2:] == ("mtt", "dm")  # transitions
    every = stages.sections(stages.stage("methods"), "mtt")
    assert {"mtt", "matching", "dm"} <= set(every)  # it runs every base method
    assert set(stages.stage("distill").reads) >= {"mtt", "matching", "dm"}  # opened by hand
    search = committed()["stages"]["search"]["params"]
    assert "mtt" in search and "matching" not in search and "dm" not in search


def test_a_stage_refuses_a_base_method_dvc_yaml_does_not_track():
    from pdd.config.params import ParamsError
    from pdd.pipeline.run import check_tracked

    distill = stages.stage("distill")
    check_tracked(distill, stages.sections(distill, "mtt"))
    with pytest.raises(ParamsError, match="distill.method: .* reads matching.*dvcfile"):
        check_tracked(distill, stages.sections(distill, "dc"))
    with pytest.raises(ValueError, match="unknown base method 'gm'"):
        stages.sections(distill, "gm")
