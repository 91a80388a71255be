"""Every stage of the pipeline, declared once.

A `Stage` is what `python -m pdd <stage>` runs: its notebook, the params sections it reads,
the upstream files it reads and its per-run items. A `Variant` is one stage of `dvc.yaml`:
a stage run once per item of a params list (DVC's `foreach`), or once with a fixed item.
`dvc.yaml` is generated from this table (`python -m pdd.pipeline.dvcfile`); the runner, the
report, `pdd.analyses.published`, the params check of foreach lists and the benchmarks read it.
It sits in the configuration layer so that the analyses below the pipeline can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pdd.config.budgets import PAPER_SUFFIX, split_budget
from pdd.config.method_sections import METHOD_SECTIONS

if TYPE_CHECKING:
    from pdd.config.schema import Params

# Sections every notebook reads: the run, the network, the evaluation protocol.
SHARED = ("common", "net", "eval")
# In a stage's `reads`: the sections of the base method it distils with, `distill.method`'s
# own and mtt's (a PDD transition's real-data trajectories run MTT's M - 1 + E epochs
# whatever the base method). `sections` resolves it, so that DVC does not rerun the MTT
# headline when DC's settings change.
BASE_METHOD = "<base method>"
# The sections a distilling notebook reads to build its distiller and transitions.
DISTILLING = (*SHARED, "buffers", "distill", BASE_METHOD)
# The methods stage distils with every base method in turn.
EVERY_METHOD = (*SHARED, "buffers", "distill", *dict.fromkeys(METHOD_SECTIONS.values()))


@dataclass(frozen=True)
class Variant:
    """One stage of dvc.yaml: `foreach` over a params list, or one fixed item."""

    name: str
    foreach: tuple[str, str] | None = None  # (section, key) of the list DVC expands
    item: Any = None  # the fixed item when there is no list
    suffix: str = ""  # appended to each foreach item (distill_paper: progressive-paper)


@dataclass(frozen=True)
class Plot:
    """A published file that `dvc plots` draws: a CSV as a scatter of `y` against `x`, or a
    folder of figures (no x, y)."""

    path: str  # inside the stage's published folder
    x: str | None = None
    y: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    notebook: str | None  # notebooks/<notebook>.py; None: a plain Python stage
    declared: tuple[str, ...]  # params sections it reads (DVC tracks them), BASE_METHOD too
    inputs: tuple[str, ...] = ()  # upstream outputs it reads (DVC deps)
    items: dict[str, Any] = field(default_factory=dict)  # per-run choices -> defaults
    item: str | None = None  # the item that names the output folder (foreach)
    variants: tuple[Variant, ...] = ()  # dvc.yaml stages; default: one, named like the stage
    list_keys: tuple[str, ...] = ()  # foreach lists the stage itself reads (dotted)
    metrics: str = "metrics.json"  # inside the published folder: `dvc metrics` reads it
    plots: tuple[Plot, ...] = ()  # inside the published folder: `dvc plots` draws them

    @property
    def reads(self) -> tuple[str, ...]:
        """Every section it may read, BASE_METHOD as every base method's: what a notebook
        opened by hand is given; a pipeline run gets `sections` of its base method only."""
        every = (section for method in METHOD_SECTIONS for section in sections(self, method))
        return tuple(dict.fromkeys(every))

    @property
    def dvc_variants(self) -> tuple[Variant, ...]:
        return self.variants or (Variant(self.name),)

    def folder(self, item: Any = None) -> str:
        """The stage's folder under artifacts/ and reports/ for one item."""
        return self.name if item is None or self.item is None else f"{self.name}/{item}"

    def command(self, item: Any = None) -> str:
        """What DVC runs for one item (dvc.yaml writes `${item}` for a foreach item)."""
        command = f"python -m pdd {self.name}"
        return command if self.item is None else f"{command} --item {self.item}={item}"

    def published(self, item: Any = None) -> str:
        """The git-tracked folder the stage publishes into for one item."""
        return "reports/summary" if self.name == "report" else f"reports/{self.folder(item)}"

    def notebook_name(self, item: Any = None) -> str:
        """The executed notebook's name: the notebook stem, then the item."""
        return self.notebook if item is None or self.item is None else f"{self.notebook}_{item}"


# Accuracy per seed against the set's size, after each stage of a progressive evaluation.
BY_STAGE = Plot("progressive.csv", "images_per_class", "test_acc", "test accuracy (%) per seed")
FIGURES = Plot("figures")
PREPARED = "data/prepared"
BUFFERS = "artifacts/buffers"
# Published results of earlier regimes: the report reads them, no stage writes them, so a
# scratch copy of the sources carries them.
ARCHIVED = "reports/regimes"

STAGES: tuple[Stage, ...] = (
    Stage("data", None, ("common",), metrics="summary.json"),
    Stage(
        "baselines",
        "00_data_and_baselines",
        (*SHARED, "baselines"),
        (PREPARED,),
        plots=(FIGURES, Plot("random_subsets.csv", "ipc", "test_acc", "random real subsets")),
    ),
    Stage(
        "buffers",
        "01_buffers",
        (*SHARED, "buffers"),
        (PREPARED,),
        items={"shard": 0, "num_shards": 1},
        plots=(
            FIGURES,
            Plot("experts.csv", "expert", "test_acc", "experts on real data"),
            Plot("experts_curve.csv", "epoch", "test_acc", "experts by epoch"),
        ),
    ),
    Stage(
        "search",
        "01b_search",
        (*DISTILLING, "tune"),
        (PREPARED, BUFFERS),
        list_keys=("distill.schedules",),
        plots=(FIGURES, Plot("scores.csv", "config", "val_mean", "validation accuracy")),
    ),
    Stage(
        "distill",
        "02_distill",
        DISTILLING,
        (PREPARED, BUFFERS, "reports/search/metrics.json"),
        items={"schedule": "progressive"},
        item="schedule",
        variants=(
            Variant("distill", foreach=("distill", "schedules")),
            Variant("distill_paper", foreach=("distill", "paper_budget"), suffix=PAPER_SUFFIX),
        ),
        plots=(FIGURES, Plot("history.csv", "iteration", "loss", "distillation loss")),
    ),
    Stage(
        "evaluate",
        "03_evaluate",
        (*SHARED, "buffers", "distill", "evaluate"),
        (
            PREPARED,
            "reports/baselines/metrics.json",
            "reports/buffers/metrics.json",
            "reports/distill",
        ),
        list_keys=("distill.schedules", "distill.paper_budget"),
        plots=(FIGURES, Plot("scores.csv", "images_per_class", "test_acc", "every network")),
    ),
    Stage(
        "methods",
        "04_methods",
        (*EVERY_METHOD, "evaluate", "methods"),
        (PREPARED, BUFFERS),
        items={"method": "dm"},
        item="method",
        variants=(Variant("methods", foreach=("methods", "names")),),
        plots=(FIGURES, BY_STAGE),
    ),
    Stage(
        "ablation_stages",
        "05_ablation_stages",
        (*DISTILLING, "evaluate", "ablation"),
        (PREPARED, BUFFERS, "reports/distill"),
        items={"stages": 2},
        item="stages",
        variants=(
            Variant("ablation_stages", foreach=("ablation", "stage_counts")),
            Variant("ablation_ipcs", foreach=("ablation", "stage_ipcs")),
        ),
        plots=(FIGURES, BY_STAGE),
    ),
    Stage(
        "scaling",
        "05b_scaling",
        (*DISTILLING, "evaluate", "scaling"),
        (PREPARED, BUFFERS, "reports/evaluate/scores.csv", "reports/forgetting/metrics.json"),
        plots=(FIGURES, Plot("curve.csv", "images_per_class", "test_mean", "accuracy by size")),
    ),
    Stage(
        "forgetting",
        "06a_forgetting",
        (*SHARED, "buffers", "easy_drop"),
        (PREPARED,),
        plots=(FIGURES,),
    ),
    Stage(
        "easy_drop",
        "06b_easy_drop",
        (*DISTILLING, "evaluate", "easy_drop"),
        (PREPARED, BUFFERS, "reports/distill", "artifacts/forgetting/easiness.pt"),
        items={"rate": 0.2},
        item="rate",
        variants=(
            Variant("easy_drop", foreach=("easy_drop", "drop_rates")),
            Variant("easy_drop_correct", item="correct-by-all"),
        ),
        plots=(BY_STAGE,),
    ),
    Stage(
        "cross_arch",
        "07_cross_arch",
        (*SHARED, "distill", "cross_arch"),
        (PREPARED, "reports/distill"),
        plots=(FIGURES, Plot("scores.csv", "net", "test_acc", "test accuracy (%) per network")),
    ),
    Stage(
        "continual",
        "08_continual",
        (*SHARED, "distill", "continual"),
        (PREPARED, "reports/distill"),
        plots=(
            FIGURES,
            Plot("accuracy.csv", "classes_seen", "test_acc", "accuracy on the seen classes"),
        ),
    ),
    Stage(
        "report",
        "09_report",
        (*SHARED, "distill", "methods", "ablation", "easy_drop"),
        (
            PREPARED,
            "reports/data",
            "reports/baselines",
            "reports/buffers",
            "reports/search",
            "reports/distill",
            "reports/evaluate",
            "reports/methods",
            "reports/ablation_stages",
            "reports/scaling",
            "reports/forgetting",
            "reports/easy_drop",
            "reports/cross_arch",
            "reports/continual",
            ARCHIVED,
            "stale.yaml",
        ),
        list_keys=(
            "distill.schedules",
            "distill.paper_budget",
            "methods.names",
            "ablation.stage_counts",
            "ablation.stage_ipcs",
            "easy_drop.drop_rates",
        ),
        plots=(FIGURES,),
    ),
)


def sections(stage: Stage, method: str) -> tuple[str, ...]:
    """The params sections `stage` reads when `distill.method` is `method`: BASE_METHOD
    resolved, each section once, in the declared order."""
    if method not in METHOD_SECTIONS:
        raise ValueError(f"unknown base method {method!r}; allowed: {', '.join(METHOD_SECTIONS)}")
    resolved: dict[str, None] = {}
    for section in stage.declared:
        named = ("mtt", METHOD_SECTIONS[method]) if section == BASE_METHOD else (section,)
        resolved |= dict.fromkeys(named)
    return tuple(resolved)


@cache
def by_name() -> dict[str, Stage]:
    return {stage.name: stage for stage in STAGES}


def stage(name: str) -> Stage:
    return by_name()[name]


def foreach_lists() -> tuple[tuple[str, str], ...]:
    """Every params list DVC's foreach expands, as (section, key)."""
    return tuple(variant.foreach for s in STAGES for variant in s.dvc_variants if variant.foreach)


def outputs(stage: Stage, item: Any = None) -> dict[str, bool]:
    """What one run of the stage writes: path -> cached by DVC (reports/ is git-tracked)."""
    if stage.name == "data":
        return {PREPARED: True, "reports/data": False}
    published = {stage.published(item): False}
    if stage.name == "report":
        published["reports/README.md"] = False
    notebook = f"reports/notebooks/{stage.notebook_name(item)}.ipynb"
    return {f"artifacts/{stage.folder(item)}": True, **published, notebook: False}


def expanded(params: Params) -> list[tuple[str, Stage, Any]]:
    """(dvc.yaml stage name, stage, item) for every stage DVC would run with these params
    (`foreach` lists read from them), each after the stages whose outputs it reads."""
    runs = []
    for s in STAGES:
        for variant in s.dvc_variants:
            if variant.foreach is None:
                runs.append((variant.name, s, variant.item))
                continue
            section, key = variant.foreach
            runs += [
                (f"{variant.name}@{item}", s, f"{item}{variant.suffix}" if variant.suffix else item)
                for item in getattr(getattr(params, section), key)
            ]
    return upstream_first(runs)


def publication_folders(params: Params) -> dict[str, str]:
    """dvc.yaml stage name -> its folder under reports/, for every stage that publishes one
    (all but the report), in the table's order (`foreach` lists read from `params`)."""
    order = {s.name: index for index, s in enumerate(STAGES)}
    runs = sorted(expanded(params), key=lambda run: order[run[1].name])
    return {
        name: s.folder(item)
        for name, s, item in runs
        if f"reports/{s.folder(item)}" in outputs(s, item)
    }


def _touches(path: str, out: str) -> bool:
    return path == out or path.startswith(out + "/") or out.startswith(path + "/")


def upstream(runs: list[tuple[str, Stage, Any]]) -> dict[str, set[str]]:
    """For each run, the runs whose outputs its inputs touch (an input equal to, inside or
    above an output): those must finish before it starts."""
    return {
        name: {
            other
            for other, o_stage, o_item in runs
            if o_stage is not s
            and any(_touches(i, o) for i in s.inputs for o in outputs(o_stage, o_item))
        }
        for name, s, _ in runs
    }


def upstream_first(runs: list[tuple[str, Stage, Any]]) -> list[tuple[str, Stage, Any]]:
    """Order runs so that each comes after every run it needs; ties keep the table's order."""
    needs = upstream(runs)
    ordered, done = [], set()
    while len(ordered) < len(runs):
        ready = [run for run in runs if run[0] not in done and needs[run[0]] <= done]
        if not ready:
            left = sorted(run[0] for run in runs if run[0] not in done)
            raise ValueError(f"stages {left} read each other's outputs (a cycle)")
        ordered.append(ready[0])
        done.add(ready[0][0])
    return ordered


def check_items(stage: Stage, given: dict[str, Any]) -> dict[str, Any]:
    """The stage's items with `given` applied, or one ParamsError naming the bad item."""
    from pdd.config.errors import ParamsError
    from pdd.config.sections.ablation import STAGE_SPLIT
    from pdd.progressive.schedule import SCHEDULES

    unknown = sorted(set(given) - set(stage.items))
    if unknown:
        raise ParamsError(
            f"--item {unknown[0]}: not an item of stage {stage.name}; "
            f"allowed: {sorted(stage.items) or 'none'}"
        )
    chosen = stage.items | given
    value = chosen.get(stage.item)
    if stage.name == "distill" and split_budget(str(value))[0] not in SCHEDULES:
        raise ParamsError(
            f"--item schedule={value!r}; allowed: {', '.join(SCHEDULES)}, each optionally "
            f"with {PAPER_SUFFIX!r} (the paper's budget)"
        )
    if stage.name == "ablation_stages" and not _stage_count_or_split(value, STAGE_SPLIT):
        raise ParamsError(
            f"--item stages={value!r} must be a positive integer (P) or per-stage "
            "IPCs joined by '-' (2-8)"
        )
    if stage.name == "easy_drop" and not (
        value == "correct-by-all"
        or (isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1)
    ):
        raise ParamsError(f"--item rate={value!r} must be a fraction in [0, 1) or correct-by-all")
    if stage.name == "buffers" and not 0 <= chosen["shard"] < chosen["num_shards"]:
        raise ParamsError(f"--item shard={chosen['shard']} must be in 0..num_shards-1")
    return chosen


def _stage_count_or_split(value: Any, split) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 1
    return isinstance(value, str) and split.fullmatch(value) is not None
