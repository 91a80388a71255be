"""Shared fixtures. Tests run on CPU with tiny tensors; the real data mirror is optional."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from pdd.infra.paths import ROOT


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    """The real-data mirror (CI points PDD_DATA_MIRROR at it); tests needing it skip without."""
    mirror = os.environ.get("PDD_DATA_MIRROR")
    if mirror and (Path(mirror) / "fashion-mnist").is_dir():
        return Path(mirror)
    if (ROOT / "data" / "raw" / "fashion-mnist").is_dir():
        return ROOT / "data" / "raw"
    pytest.skip("no Fashion-MNIST copy: set PDD_DATA_MIRROR to a mirror folder")


@pytest.fixture(autouse=True)
def _in_process_scoring_without_cache():
    """Each test starts with one worker and no score cache (stages set both per process)."""
    from pdd.core import scoring
    from pdd.infra import workers

    workers.configure(1)
    scoring.keep_scores_in(None)
    yield
    workers.configure(1)
    scoring.keep_scores_in(None)
