"""What a notebook's first cell turns its one papermill parameter into.

The runner validates the whole params file, then injects `inputs`: `params` (the sections
the stage reads, as plain data; `runner_inputs`), `item` (this run's per-run choices,
checked) and `workdir`. Opened in JupyterLab with nothing injected, the same cell reads
`params.yaml` (its active profile) and the stage's default item, so a notebook runs top to
bottom either way. The result names every setting as in params.yaml:
`params.mtt.syn_steps`.

The notebook side imports only the section modules the stage reads
(`pdd/config/sections/<section>.py`, by name), never the whole schema or the stage
registry: a stage's code deps stay the code it runs (docs/architecture.md).
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from pdd.config.errors import ParamsError
from pdd.infra.paths import PARAMS_FILE, ROOT, Workspace

SECTIONS_PACKAGE = "pdd.config.sections"


def section_type(section: str) -> type[BaseModel]:
    """The model of params section `section`, from its own module."""
    return importlib.import_module(f"{SECTIONS_PACKAGE}.{section}").SECTION


@cache
def stage_model(name: str, sections: tuple[str, ...]) -> type[BaseModel]:
    """A model holding only `sections`, the ones stage `name` reads: reading any other
    section is an AttributeError, so a notebook cannot depend on params DVC does not track."""
    fields = {section: (section_type(section), ...) for section in sections}
    config = ConfigDict(extra="forbid", frozen=True)
    return create_model(f"{name.title().replace('_', '')}Params", __config__=config, **fields)


class StageInputs(NamedTuple):
    params: BaseModel  # only the sections the stage reads
    item: SimpleNamespace  # this run's items: item.schedule, item.rate, ...
    workspace: Workspace


def describe(params: BaseModel, item: dict[str, Any]) -> str:
    """Every value a stage runs with, as YAML (the executed notebook shows it)."""
    shown = {"item": item, **params.model_dump()}
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=None).rstrip()


def runner_inputs(
    params: BaseModel, reads: tuple[str, ...], item: dict[str, Any], workdir: str
) -> dict[str, Any]:
    """The one parameter the runner injects into a stage's notebook: the sections it
    `reads` of the whole validated `params`, its checked `item` and the work folder."""
    sections = {section: getattr(params, section).model_dump() for section in reads}
    return {"params": sections, "item": item, "workdir": workdir}


def interactive_inputs(name: str) -> dict[str, Any]:
    """What the runner would inject, from params.yaml and the stage's default item. Imported
    by name: a notebook run by the pipeline never executes this (and DVC's deps leave the
    whole schema and the registry out of its code)."""
    params = importlib.import_module("pdd.config.params")
    stages = importlib.import_module("pdd.config.stages")
    stage = stages.stage(name)
    whole = params.load_params(PARAMS_FILE)
    return runner_inputs(whole, stage.reads, stages.check_items(stage, {}), ".")


def stage_inputs(name: str, inputs: dict[str, Any] | None = None) -> StageInputs:
    """Validate what the runner injected (or read params.yaml when it injected nothing),
    print every value, and return the params, the item and the workspace."""
    os.chdir(ROOT)  # a JupyterLab kernel starts in notebooks/; paths are repo-relative
    inputs = inputs or interactive_inputs(name)
    sections = inputs["params"]
    try:
        params = stage_model(name, tuple(sections)).model_validate(sections)
    except ValidationError as error:
        raise ParamsError(f"stage {name}: {error}") from None
    item = dict(inputs.get("item") or {})
    print(describe(params, item))
    workspace = Workspace(Path(inputs.get("workdir", ".")))
    return StageInputs(params, SimpleNamespace(**item), workspace)
