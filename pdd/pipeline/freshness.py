"""Which published stages the code and params in the working tree no longer produce.

`dvc status --json` is read stage by stage. A stage is fresh when DVC reports nothing for
it, or only outputs absent from the local cache (expert buffers, checkpoints, prepared
data: DVC-cached, not in git) and, as dependencies, upstream outputs absent for that
reason. Anything else makes it stale: a changed dependency, parameter or command, or a
published output that differs from the lock.

`stale.yaml` lists the stages known to be stale, each with the reason. The test suite
keeps that list and DVC in agreement (a change that makes a published stage stale fails
until the stage is rerun or listed), and the report shows the list on its landing page.

    python -m pdd.pipeline.freshness   # what DVC finds stale, and whether stale.yaml agrees
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from pdd.config.params import load_params
from pdd.config.stages import expanded, outputs
from pdd.infra.paths import PARAMS_FILE, ROOT

STALE_FILE = "stale.yaml"


class StatusBusy(RuntimeError):
    """DVC holds its lock: a `dvc repro` is running in this repository."""


def dvc_status(root: Path = ROOT) -> dict[str, list[Any]]:
    """`dvc status --json` of the repository (stage name -> what changed)."""
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "status", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if "is busy" in done.stderr:
        raise StatusBusy(done.stderr.strip().splitlines()[0])
    if done.returncode != 0:
        raise RuntimeError(f"dvc status failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout or "{}")


def cached_outputs(params_file: Path = PARAMS_FILE) -> set[str]:
    """Every output DVC caches outside git, for the stages params.yaml expands into."""
    params = load_params(params_file)
    return {
        path
        for _, stage, item in expanded(params)
        for path, cached in outputs(stage, item).items()
        if cached
    }


def differences(entries: list[Any], cached: set[str]) -> list[str]:
    """What makes one stage stale, from its `dvc status` entries; [] when it is fresh."""
    reasons = []
    for entry in entries:
        if isinstance(entry, str):  # "changed command", "always changed"
            reasons.append(entry)
            continue
        for kind, changes in entry.items():
            noun = kind.removeprefix("changed ").rstrip("s")
            for path, change in changes.items():
                if isinstance(change, dict):  # a params file: section or key -> change
                    reasons += [f"param {key} {how} ({path})" for key, how in change.items()]
                elif change == "not in cache":
                    continue
                elif noun == "dep" and change == "deleted" and _inside(path, cached):
                    continue  # an upstream output this checkout does not hold
                else:
                    reasons.append(f"{noun} {path} {change}")
    return reasons


def _inside(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f + "/") for f in folders)


def stale_stages(status: dict[str, list[Any]], cached: set[str]) -> dict[str, list[str]]:
    """Stage -> the reasons it is stale, for every stale stage."""
    return {
        stage: reasons
        for stage, entries in status.items()
        if (reasons := differences(entries, cached))
    }


def known_stale(root: Path = ROOT) -> dict[str, str]:
    """`stale.yaml`: stage -> why it is knowingly left stale ({} without the file)."""
    path = root / STALE_FILE
    if not path.is_file():
        return {}
    listed = yaml.safe_load(path.read_text()) or {}
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise ValueError(f"{STALE_FILE}: expected `stage: reason` lines")
    return listed


def disagreements(found: dict[str, list[str]], listed: dict[str, str]) -> list[str]:
    """Lines saying where DVC and `stale.yaml` disagree ([] when they agree)."""
    lines = [
        f"{stage}: stale ({'; '.join(found[stage][:3])}) but not in {STALE_FILE}: "
        "rerun it (dvc repro -s) or list it with the reason"
        for stage in found
        if stage not in listed
    ]
    lines += [
        f"{stage}: listed in {STALE_FILE} but fresh: take it off the list"
        for stage in listed
        if stage not in found
    ]
    return lines


def main() -> int:
    found = stale_stages(dvc_status(), cached_outputs())
    for stage, reasons in found.items():
        print(f"{stage}: {len(reasons)} changes, e.g. {'; '.join(reasons[:3])}")
    problems = disagreements(found, known_stale())
    print("\n".join(problems) or f"{STALE_FILE} agrees with dvc status ({len(found)} stale)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
