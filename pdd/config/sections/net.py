"""The `net` section of params.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pdd.config.sections.base import Section
from pdd.core.models import MODEL_NAMES, NORMS


class Net(Section):
    name: Literal[MODEL_NAMES]
    width: int = Field(ge=1)
    depth: int | None = Field(None, ge=1)
    norm: Literal[NORMS]


SECTION = Net
