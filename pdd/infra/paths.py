"""Where things live. Every path is relative to the repository root (the folder holding
`dvc.yaml`), so notebooks opened interactively from `notebooks/` resolve the same files."""

from __future__ import annotations

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
