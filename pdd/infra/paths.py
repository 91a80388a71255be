"""Where things live. Every path is relative to the repository root (the folder holding
`dvc.yaml`), so notebooks opened interactively from `notebooks/` resolve the same files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """Walk up from `start` (default: this file) to the folder that holds `dvc.yaml`."""
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no dvc.yaml above {here}: run from inside the repository")


ROOT = find_root()
PARAMS_FILE = ROOT / "params.yaml"
NOTEBOOKS = ROOT / "notebooks"
RAW_DATA = ROOT / "data" / "raw"
PREPARED_DATA = ROOT / "data" / "prepared"
ARTIFACTS = ROOT / "artifacts"
REPORTS = ROOT / "reports"


def work_dir(artifacts: str | Path, name: str, key: dict) -> Path:
    """Where a stage keeps resumable state: outside its DVC outputs (which DVC deletes before
    rerunning a stage) and keyed by the parameters that shape it, so a rerun with the same
    parameters resumes and one with other parameters starts clean."""
    import hashlib
    import json

    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    return Path(artifacts) / "work" / f"{name}-{digest[:12]}"


@dataclass(frozen=True)
class Workspace:
    """A run's folders: the repository's by default, a scratch copy's for tests and smoke
    runs. Relative roots stay relative, so executed notebooks name no machine."""

    root: Path = Path(".")

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def score_cache(self) -> Path:
        """Scores of sets already scored, kept across stages (pdd/core/scoring.py)."""
        return self.artifacts / "scores"
