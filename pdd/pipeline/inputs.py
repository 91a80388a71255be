"""What a notebook's first cell turns its three papermill parameters into.

The runner injects `params` (the validated sections the stage reads, as plain data), `item`
(this run's per-run choices) and `workdir`. Opened in JupyterLab with nothing injected, the
same cell reads `params.yaml` (its active profile) and the stage's default item, so a notebook
runs top to bottom either way. The result names every setting as in params.yaml:
`params.distill.syn_steps`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from pdd.config.params import ParamsError, load_params
from pdd.config.schema import Params
from pdd.infra.paths import PARAMS_FILE, ROOT, Workspace
from pdd.pipeline.stages import Stage, check_items, stage


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


@dataclass(frozen=True)
class StageRun:
    stage: Stage
    params: BaseModel
    item: SimpleNamespace
    workspace: Workspace

    def __repr__(self) -> str:
        """Every value the stage runs with, as YAML (the executed notebook shows it)."""
        shown = {"item": vars(self.item), **self.params.model_dump()}
        return yaml.safe_dump(shown, sort_keys=False, default_flow_style=None).rstrip()


def stage_inputs(
    name: str,
    params: dict[str, Any] | None = None,
    item: dict[str, Any] | None = None,
    workdir: str = ".",
) -> StageRun:
    """Validate what the runner injected (or read params.yaml when it injected nothing)."""
    os.chdir(ROOT)  # a JupyterLab kernel starts in notebooks/; paths are repo-relative
    if params is None:
        params = stage_sections(load_params(PARAMS_FILE), name)
    try:
        model = stage_model(name).model_validate(params)
    except ValidationError as error:
        raise ParamsError(f"stage {name}: {error}") from None
    chosen = check_items(stage(name), item or {})
    return StageRun(stage(name), model, SimpleNamespace(**chosen), Workspace(Path(workdir)))
