"""Whether two runs of the pipeline produced the same results, apart from timing.

Compares every file under `artifacts/`, `reports/` and `data/` of two checkouts that each
ran the pipeline (e.g. two `make smoke` copies, one per commit): tensors saved with
torch (distilled sets, checkpoints, experts) value by value, CSV tables and JSON files
with their timing keys left out (any key or column naming seconds, minutes, hours, a
date or the machine, or ending in `_s`), anything else byte by byte. Executed notebooks
and the score cache are skipped: the first carry timestamps, the second is keyed by
source paths.

    python -m benchmarks.same_results RUN_A RUN_B    # exit 1 when a file differs
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import torch

FOLDERS = ("artifacts", "reports", "data")
SKIPPED_SUFFIXES = (".ipynb", ".lock")
SKIPPED_FOLDERS = ("scores", ".dvc")
TIMING_WORDS = ("seconds", "minutes", "hours", "wall", "date", "machine", "started", "finished")


def is_timing(key: object) -> bool:
    """Whether a key or column measures time or names when and where something ran."""
    name = str(key).lower()
    return name.endswith("_s") or any(word in name for word in TIMING_WORDS)


def equal(a: Any, b: Any) -> bool:
    """Deep equality of loaded files; timing keys of mappings are left out, NaN equals NaN."""
    if torch.is_tensor(a):
        return torch.is_tensor(b) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return False
        keys = {k for k in a if not is_timing(k)}
        return keys == {k for k in b if not is_timing(k)} and all(equal(a[k], b[k]) for k in keys)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN != NaN


def without_timing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[column for column in frame.columns if not is_timing(column)]]


def same_file(a: Path, b: Path) -> bool:
    if a.suffix == ".pt":
        return equal(torch.load(a, weights_only=False), torch.load(b, weights_only=False))
    if a.suffix == ".csv":
        return without_timing(pd.read_csv(a)).equals(without_timing(pd.read_csv(b)))
    if a.suffix == ".json":
        return equal(json.loads(a.read_text()), json.loads(b.read_text()))
    return a.read_bytes() == b.read_bytes()


def compared_files(root: Path) -> set[Path]:
    """The files of a run that are compared, relative to its root."""
    found = set()
    for folder in FOLDERS:
        for path in (root / folder).rglob("*"):
            relative = path.relative_to(root)
            skipped = path.suffix in SKIPPED_SUFFIXES or set(relative.parts) & set(SKIPPED_FOLDERS)
            if path.is_file() and not skipped:
                found.add(relative)
    return found


def compare(run_a: Path, run_b: Path) -> dict[str, Any]:
    """Files compared by kind, those that differ, and those only one run holds."""
    files_a, files_b = compared_files(run_a), compared_files(run_b)
    common = sorted(files_a & files_b)
    return {
        "compared": dict(Counter(path.suffix or "(none)" for path in common)),
        "differ": [str(p) for p in common if not same_file(run_a / p, run_b / p)],
        "only_first": sorted(map(str, files_a - files_b)),
        "only_second": sorted(map(str, files_b - files_a)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    args = parser.parse_args(argv)
    found = compare(args.run_a, args.run_b)
    print(f"compared: {found['compared']}")
    for key in ("differ", "only_first", "only_second"):
        print(f"{key}: {len(found[key])}")
        for path in found[key]:
            print(f"  {path}")
    return 1 if found["differ"] or found["only_first"] or found["only_second"] else 0


if __name__ == "__main__":
    sys.exit(main())
