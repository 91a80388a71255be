"""params.yaml validation: the real file is valid in every profile, and every bad value
stops the run with one line that names the key, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pdd.config import stages
from pdd.config.params import PROFILES, ParamsError, load_params, overlay_file
from pdd.config.schema import SECTIONS
from pdd.infra.paths import NOTEBOOKS, PARAMS_FILE
from pdd.pipeline.inputs import runner_inputs, stage_inputs
from pdd.pipeline.notebook import check_parameters
from pdd.pipeline.run import main, parse_overrides
from pdd.progressive.schedule import ablation_split

RUNNER_KEYS = {"inputs"}


def real_params() -> dict:
    """params.yaml with each profile's overlay file under `profiles.<name>`."""
    tree = yaml.safe_load(PARAMS_FILE.read_text())
    tree["profiles"] = {
        name: yaml.safe_load(overlay_file(PARAMS_FILE, name).read_text()) for name in PROFILES
    }
    return tree


def write_params(folder: Path, tree: dict) -> Path:
    """params.yaml and profiles/<name>.yaml from a tree shaped like `real_params()`."""
    (folder / "profiles").mkdir(exist_ok=True)
    for name, overlay in tree.pop("profiles").items():
        overlay_file(folder / "params.yaml", name).write_text(yaml.safe_dump(overlay))
    (folder / "params.yaml").write_text(yaml.safe_dump(tree))
    return folder / "params.yaml"


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


NOTEBOOK_STAGES = [s for s in stages.STAGES if s.notebook]


@pytest.mark.parametrize("stage", NOTEBOOK_STAGES, ids=lambda s: s.name)
def test_every_notebook_takes_the_one_runner_parameter(stage):
    check_parameters(NOTEBOOKS / f"{stage.notebook}.py", dict.fromkeys(RUNNER_KEYS))


@pytest.mark.parametrize("stage", NOTEBOOK_STAGES, ids=lambda s: s.name)
def test_injected_sections_validate_into_the_stage_model(stage, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)  # stage_inputs returns to the repository root
    smoke = load_params(PARAMS_FILE, profile="smoke")
    item = stages.check_items(stage, {})
    read = stages.sections(stage, smoke.distill.method)  # what the runner injects
    params, item, ws = stage_inputs(stage.name, runner_inputs(smoke, read, item, "."))
    assert set(type(params).model_fields) == set(read)
    assert params.common == smoke.common
    assert vars(item) == stage.items
    unread = next(section for section in SECTIONS if section not in read)
    with pytest.raises(AttributeError):
        getattr(params, unread)  # a section DVC does not track for this stage


def test_without_injection_the_notebook_reads_params_yaml(monkeypatch, capsys):
    monkeypatch.chdir(NOTEBOOKS)
    params, item, ws = stage_inputs("distill")
    assert params.distill == load_params(PARAMS_FILE).distill
    assert item.schedule == "progressive"
    assert ws.prepared == Path("data/prepared")
    assert "syn_steps: 30" in capsys.readouterr().out  # the notebook shows every value


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
    "folder without a path": (edit("common.dataset", "folder"), "common.data_path"),
    "image size below 4": (edit("common.image_size", 2), "common.image_size"),
    "test fraction one": (edit("common.test_fraction", 1.0), "common.test_fraction"),
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
    "image lr zero": (edit("mtt.lr_img", 0.0), "mtt.lr_img"),
    "checkpoint every zero": (edit("distill.checkpoint_every", 0), "distill.checkpoint_every"),
    "no experts": (edit("buffers.num_experts", 0), "buffers.num_experts"),
    "experts shorter than M + E": (edit("buffers.epochs", 2), "buffers.epochs"),
    "foreach list in an overlay": (edit("profiles.smoke.methods", {"names": ["dc"]}), "foreach"),
    "overlay without a section": (edit("profiles.paper.dm", delete=True), "section 'dm'"),
    "split that is not IPCs": (edit("ablation.stage_ipcs", ["2-x"]), "ablation.stage_ipcs"),
    "scaling sizes repeat": (edit("scaling.real_ipcs", [10, 10]), "scaling.real_ipcs"),
    "zero runs of an ablation item": (edit("ablation.runs_by_item", {"10": 0}), "runs_by_item"),
    "more ablation runs than main runs": (edit("ablation.runs", 9), "ablation.runs"),
    "more experts per run than experts": (edit("distill.experts_per_run", 99), "experts_per_run"),
    "a recipe list without default first": (edit("evaluate.recipes", ["shift"]), "recipes"),
    "keep probability one": (
        edit("easy_drop.correct_by_all_keep", 1.0),
        "easy_drop.correct_by_all_keep",
    ),
    "unknown profile": (edit("profile", "fast"), "profile"),
    "an MTT key left in distill": (edit("distill.syn_steps", 20), "distill.syn_steps is now mtt."),
    "an MTT key left in an overlay's distill": (
        edit("profiles.smoke.distill.batch_syn", 10),
        "smoke.yaml: distill.batch_syn is now mtt.batch_syn",
    ),
    "unknown section in an overlay": (edit("profiles.smoke.distil", {}), "distil"),
    "bad key in smoke overlay": (edit("profiles.smoke.eval.epochs", 0), "profile smoke"),
    "wrong type in paper overlay": (edit("profiles.paper.net.width", "wide"), "net.width"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_params_give_one_line_naming_the_key(case, tmp_path):
    mutate, expected = BAD_CASES[case]
    path = write_params(tmp_path, mutate(real_params()))
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_an_override_of_an_old_name_names_the_new_one():
    with pytest.raises(ParamsError, match=r"--set distill.iterations: .* is now mtt.iterations"):
        load_params(PARAMS_FILE, overrides={"distill.iterations": 5})


def test_invalid_yaml_is_reported(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("common: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


@pytest.mark.parametrize("stage", ["data", "baselines", "report"])
def test_runner_exits_nonzero_and_writes_nothing(stage, tmp_path, capsys):
    bad = write_params(tmp_path, edit("eval.epochs", 0)(real_params()))
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
        assert stages.check_items(stages.stage(stage), chosen) == stages.stage(stage).items | chosen
    else:
        with pytest.raises(ParamsError, match="--item"):
            stages.check_items(stages.stage(stage), chosen)


@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
@pytest.mark.parametrize("profile", PROFILES)
def test_every_stage_dvc_generates_is_valid_for_every_profile(profile, dataset):
    """DVC expands params.yaml's foreach lists whatever the profile: each stage it makes
    must accept its item under that profile (no P that cannot split the total IPC)."""
    params = load_params(PARAMS_FILE, profile=profile, overrides={"common.dataset": dataset})
    distill = params.distill
    runs = stages.expanded(params)
    assert len(runs) == len({name for name, _, _ in runs})
    for _, stage, item in runs:
        if stage.item is not None:
            stages.check_items(stage, {stage.item: item})
        if stage.name == "ablation_stages":
            budget = distill.stages * params.mtt.iterations
            ipcs = ablation_split(item, distill.stages * distill.ipc_per_stage, budget)
            assert sum(ipcs) == distill.stages * distill.ipc_per_stage


def test_a_profile_that_some_foreach_item_does_not_fit_is_refused_in_one_line():
    with pytest.raises(
        ParamsError, match=r"ablation.stage_counts: P=5 must divide the total IPC \(4\)"
    ):
        load_params(PARAMS_FILE, overrides={"distill.stages": 2, "distill.ipc_per_stage": 2})
