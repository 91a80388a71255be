"""Where a stage's time goes: wall seconds per phase (experts, distillation iterations,
validation, transitions, evaluation), summed over the process.

`with phase("validation"): ...` adds the block's seconds to its phase, minus the time spent
in phases nested inside it, so the phases never count a second twice (validation inside a
distillation loop is validation, not distillation). When the environment names a file in
`PDD_PHASES` (the runner does, for the notebook's kernel), the totals are rewritten there
after every phase; the runner keeps them with the executed notebook, and the stage-times
table of the report splits each stage by them.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENVIRONMENT = "PDD_PHASES"
NAMES = ("experts", "distillation", "validation", "transition", "evaluation")

_totals: dict[str, float] = defaultdict(float)
_open: list[float] = []  # seconds spent in nested phases, one entry per open phase


@contextmanager
def phase(name: str) -> Iterator[None]:
    if name not in NAMES:
        raise ValueError(f"unknown phase {name!r}; allowed: {', '.join(NAMES)}")
    started = time.perf_counter()
    _open.append(0.0)
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        nested = _open.pop()
        _totals[name] += elapsed - nested
        if _open:
            _open[-1] += elapsed
        _write()


def totals() -> dict[str, float]:
    """Seconds per phase so far, in the order of NAMES."""
    return {name: round(_totals[name], 3) for name in NAMES if name in _totals}


def reset() -> None:
    _totals.clear()


def _write() -> None:
    path = os.environ.get(ENVIRONMENT)
    if path:
        Path(path).write_text(json.dumps(totals()))
