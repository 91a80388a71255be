"""What a notebook's first cell turns its one papermill parameter into.

The runner injects `inputs`: `params` (the validated sections the stage reads, as plain
data), `item` (this run's per-run choices) and `workdir`. Opened in JupyterLab with nothing
injected, the same cell reads `params.yaml` (its active profile) and the stage's default
item, so a notebook runs top to bottom either way. The result names every setting as in
params.yaml: `params.distill.syn_steps`.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from pdd.config.params import ParamsError, load_params
from pdd.config.schema import Params
from pdd.config.stages import check_items, stage
from pdd.infra.paths import PARAMS_FILE, ROOT, Workspace


@cache
def stage_model(name: str) -> type[BaseModel]:
    """A model holding only the sections stage `name` reads: reading any other section is
    an AttributeError, so a notebook cannot depend on params DVC does not track."""
    fields = {
        section: (Params.model_fields[section].annotation, ...) for section in stage(name).reads
    }
    config = ConfigDict(extra="forbid", frozen=True)
    return create_model(f"{name.title().replace('_', '')}Params", __config__=config, **fields)


def stage_sections(params: Params, name: str) -> dict[str, Any]:
    """The sections stage `name` reads, as plain data for papermill to inject."""
    return {section: getattr(params, section).model_dump() for section in stage(name).reads}


class StageInputs(NamedTuple):
    params: BaseModel  # only the sections the stage reads
    item: SimpleNamespace  # this run's items: item.schedule, item.rate, ...
    workspace: Workspace


def describe(params: BaseModel, item: dict[str, Any]) -> str:
    """Every value a stage runs with, as YAML (the executed notebook shows it)."""
    shown = {"item": item, **params.model_dump()}
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=None).rstrip()


def runner_inputs(params: Params, name: str, item: dict[str, Any], workdir: str) -> dict:
    """The one parameter the runner injects into stage `name`'s notebook."""
    return {"params": stage_sections(params, name), "item": item, "workdir": workdir}


def stage_inputs(name: str, inputs: dict[str, Any] | None = None) -> StageInputs:
    """Validate what the runner injected (or read params.yaml when it injected nothing),
    print every value, and return the params, the item and the workspace."""
    os.chdir(ROOT)  # a JupyterLab kernel starts in notebooks/; paths are repo-relative
    inputs = inputs or {}
    sections = inputs.get("params") or stage_sections(load_params(PARAMS_FILE), name)
    try:
        params = stage_model(name).model_validate(sections)
    except ValidationError as error:
        raise ParamsError(f"stage {name}: {error}") from None
    item = check_items(stage(name), inputs.get("item") or {})
    print(describe(params, item))
    workspace = Workspace(Path(inputs.get("workdir", ".")))
    return StageInputs(params, SimpleNamespace(**item), workspace)
