"""params.yaml validation: the real file is valid in every profile, and every bad value
stops the run with one line that names the key, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pdd.config.params import PROFILES, ParamsError, load_params, notebook_parameters
from pdd.infra.paths import NOTEBOOKS, PARAMS_FILE
from pdd.pipeline.notebook import check_parameters
from pdd.pipeline.run import (
    ITEMS,
    NOTEBOOK_STAGES,
    READS_REPORTS,
    main,
    parse_overrides,
    stage_items,
)

RUNNER_KEYS = {"prepared_dir": "data/prepared", "artifacts_dir": "artifacts"}


def real_params() -> dict:
    return yaml.safe_load(PARAMS_FILE.read_text())


@pytest.mark.parametrize("profile", PROFILES)
def test_real_params_are_valid_in_every_profile(profile):
    params = load_params(PARAMS_FILE, profile=profile)
    assert params.common.seed >= 0


def test_profiles_override_single_keys():
    default = load_params(PARAMS_FILE, profile="default")
    smoke = load_params(PARAMS_FILE, profile="smoke")
    assert smoke.eval.epochs < default.eval.epochs
    assert smoke.eval.lr == default.eval.lr  # not overridden, so inherited


def test_overrides_apply_after_profile():
    params = load_params(PARAMS_FILE, profile="smoke", overrides={"eval.epochs": 3})
    assert params.eval.epochs == 3


@pytest.mark.parametrize("stage", sorted(NOTEBOOK_STAGES))
def test_every_param_reaches_its_notebook(stage):
    stem, section, upstream = NOTEBOOK_STAGES[stage]
    parameters = notebook_parameters(load_params(PARAMS_FILE), section, upstream) | RUNNER_KEYS
    parameters |= ITEMS.get(stage, {})
    if stage in READS_REPORTS:
        parameters["reports_dir"] = "reports"
    check_parameters(NOTEBOOKS / f"{stem}.py", parameters)  # raises on any mismatch


def edit(path: str, value=None, *, delete: bool = False):
    """A mutation of the real params: set (or delete) one dotted key."""

    def apply(tree: dict) -> dict:
        *parents, leaf = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        if delete:
            del node[leaf]
        else:
            node[leaf] = value
        return tree

    return apply


BAD_CASES = {
    "epochs is text": (edit("eval.epochs", "ten"), "eval.epochs"),
    "epochs zero": (edit("eval.epochs", 0), "eval.epochs"),
    "epochs negative": (edit("eval.epochs", -5), "eval.epochs"),
    "epochs fractional": (edit("eval.epochs", 2.5), "eval.epochs"),
    "lr zero": (edit("eval.lr", 0.0), "eval.lr"),
    "lr negative": (edit("eval.lr", -0.1), "eval.lr"),
    "momentum one": (edit("eval.momentum", 1.0), "eval.momentum"),
    "batch size zero": (edit("eval.batch_size", 0), "eval.batch_size"),
    "decay point outside (0,1)": (edit("eval.lr_decay_at", [1.5]), "eval.lr_decay_at"),
    "unknown dsa op": (edit("eval.dsa_strategy", "color_warp"), "eval.dsa_strategy"),
    "num seeds zero": (edit("eval.num_seeds", 0), "eval.num_seeds"),
    "unknown dataset": (edit("common.dataset", "imagenet-21k"), "fashion-mnist"),
    "unknown device": (edit("common.device", "tpu"), "common.device"),
    "threads zero": (edit("common.threads", 0), "common.threads"),
    "seed negative": (edit("common.seed", -1), "common.seed"),
    "val split zero": (edit("common.val_per_class", 0), "common.val_per_class"),
    "unknown model": (edit("net.name", "transformer"), "convnet"),
    "unknown norm": (edit("net.norm", "layer"), "net.norm"),
    "width zero": (edit("net.width", 0), "net.width"),
    "ipcs empty": (edit("baselines.ipcs", []), "baselines.ipcs"),
    "ipc zero": (edit("baselines.ipcs", [1, 0]), "baselines.ipcs"),
    "extra key in section": (edit("eval.epoch", 10), "eval.epoch"),
    "unknown top-level section": (edit("distil", {"ipc": 1}), "distil"),
    "missing section": (edit("net", delete=True), "net"),
    "missing key": (edit("eval.lr", delete=True), "eval.lr"),
    "unknown schedule": (edit("distill.schedules", ["progressive", "cyclic"]), "distill.schedules"),
    "repeated schedule": (edit("distill.schedules", ["union", "union"]), "distill.schedules"),
    "no stages": (edit("distill.stages", 0), "distill.stages"),
    "negative ipc per stage": (edit("distill.ipc_per_stage", -2), "distill.ipc_per_stage"),
    "image lr zero": (edit("distill.lr_img", 0.0), "distill.lr_img"),
    "checkpoint every zero": (edit("distill.checkpoint_every", 0), "distill.checkpoint_every"),
    "no experts": (edit("buffers.num_experts", 0), "buffers.num_experts"),
    "experts shorter than M + E": (edit("buffers.epochs", 2), "buffers.epochs"),
    "foreach list in an overlay": (edit("profiles.smoke.methods", {"names": ["dc"]}), "foreach"),
    "split that is not IPCs": (edit("ablation.stage_ipcs", ["2-x"]), "ablation.stage_ipcs"),
    "scaling sizes repeat": (edit("scaling.real_ipcs", [10, 10]), "scaling.real_ipcs"),
    "keep probability one": (
        edit("easy_drop.correct_by_all_keep", 1.0),
        "easy_drop.correct_by_all_keep",
    ),
    "unknown profile": (edit("profile", "fast"), "profile"),
    "unknown overlay profile": (edit("profiles.fast", {}), "profiles"),
    "bad key in smoke overlay": (edit("profiles.smoke.eval.epochs", 0), "profile smoke"),
    "wrong type in paper overlay": (edit("profiles.paper.net.width", "wide"), "net.width"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_params_give_one_line_naming_the_key(case, tmp_path):
    mutate, expected = BAD_CASES[case]
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(mutate(real_params())))
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_invalid_yaml_is_reported(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("common: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


@pytest.mark.parametrize("stage", ["data", "baselines", "report"])
def test_runner_exits_nonzero_and_writes_nothing(stage, tmp_path, capsys):
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(edit("eval.epochs", 0)(real_params())))
    workdir = tmp_path / "work"
    workdir.mkdir()
    code = main([stage, "--params", str(bad), "--workdir", str(workdir)])
    assert code == 2
    assert "eval.epochs" in capsys.readouterr().err
    assert list(Path(workdir).iterdir()) == []


def test_bad_override_is_reported(tmp_path, capsys):
    code = main(["baselines", "--set", "net.width=-3", "--workdir", str(tmp_path)])
    assert code == 2
    assert "net.width" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("stage", "item", "accepted"),
    [
        ("ablation_stages", "stages=4", True),
        ("ablation_stages", "stages=2-8", True),
        ("ablation_stages", "stages=0", False),
        ("ablation_stages", "stages=2-", False),
        ("easy_drop", "rate=0.4", True),
        ("easy_drop", "rate=correct-by-all", True),
        ("easy_drop", "rate=1.0", False),
        ("easy_drop", "rate=easiest", False),
    ],
)
def test_runner_items_are_checked_before_any_work(stage, item, accepted):
    chosen = parse_overrides([item], "--item")
    if accepted:
        assert stage_items(stage, chosen) == ITEMS[stage] | chosen
    else:
        with pytest.raises(ParamsError, match="--item"):
            stage_items(stage, chosen)
