"""A distilled set, stage by stage: images (normalised, as the network sees them), labels
and the learned step size, saved as plain tensors (`torch.load(weights_only=True)` works)
with a small JSON manifest and a PNG grid per stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from pdd.core.multiformation import decode
from pdd.data.registry import DatasetSpec
from pdd.data.tensors import denormalize
from pdd.data.zca import ZCA
from pdd.infra import plots
from pdd.infra.io import read_json, save_torch, write_json


@dataclass
class SyntheticStage:
    images: Tensor
    labels: Tensor
    lr: float
    info: dict[str, object] = field(default_factory=dict)
    factor: int = 1  # multi-formation: each stored image decodes into factor² images

    @property
    def ipc(self) -> int:
        """Stored images per class (the budget), whatever they decode into."""
        return int(torch.bincount(self.labels).max())

    def training_set(self) -> tuple[Tensor, Tensor]:
        """The images a network trains on (decoded mosaics for multi-formation sets)."""
        return decode(self.images, self.labels, self.factor)


def union(stages: list[SyntheticStage]) -> tuple[Tensor, Tensor]:
    """S_1 ∪ … ∪ S_k as one (images, labels) pair, earlier stages first."""
    decoded = [s.training_set() for s in stages]
    return torch.cat([x for x, _ in decoded]), torch.cat([y for _, y in decoded])


def stage_file(folder: Path, index: int) -> Path:
    return Path(folder) / f"stage_{index + 1}.pt"


def save_stages(folder: Path, stages: list[SyntheticStage], spec: DatasetSpec, zca: ZCA | None):
    """Write every stage (.pt + .png) and `manifest.json` describing them."""
    folder = Path(folder)
    for index, stage in enumerate(stages):
        save_torch(
            {
                "images": stage.images.detach().cpu(),
                "labels": stage.labels.cpu(),
                "lr": torch.tensor(stage.lr),
                # plain sets keep the original three-tensor format
                **({"factor": torch.tensor(stage.factor)} if stage.factor > 1 else {}),
            },
            stage_file(folder, index),
        )
        grid = plots.image_grid(
            grid_order(denormalize(stage.images.detach().cpu(), spec, zca), stage.labels.cpu()),
            rows=spec.num_classes if stage.ipc > 1 else 1,
        )
        # beside the set; the executed notebook shows its own figures, not every run's grid
        plots.save(grid, folder / f"stage_{index + 1}", shown=False)
    write_json(
        folder / "manifest.json",
        {
            "dataset": spec.name,
            "stages": [
                {
                    "file": stage_file(folder, i).name,
                    "ipc": s.ipc,
                    "lr": s.lr,
                    **({"factor": s.factor} if s.factor > 1 else {}),
                    **s.info,
                }
                for i, s in enumerate(stages)
            ],
        },
    )


def grid_order(images: Tensor, labels: Tensor) -> Tensor:
    """Images sorted by class, so each grid row is one class."""
    return images[torch.argsort(labels, stable=True)]


def load_stages(folder: Path) -> list[SyntheticStage]:
    manifest = read_json(Path(folder) / "manifest.json")
    stages = []
    for entry in manifest["stages"]:
        payload = torch.load(Path(folder) / entry["file"], weights_only=True)
        info = {k: v for k, v in entry.items() if k not in ("file", "ipc", "lr", "factor")}
        factor = int(payload.get("factor", 1))
        stages.append(
            SyntheticStage(payload["images"], payload["labels"], float(payload["lr"]), info, factor)
        )
    return stages


def distill_seconds(stages: list[SyntheticStage]) -> float:
    """Seconds spent distilling one run: the sum of its stages' own."""
    return sum(float(s.info["seconds"]) for s in stages)


def run_folder(index: int) -> str:
    """The sub-folder of a schedule's folder that holds its distillation run `index`."""
    return f"run{index}"


def load_runs(folder: Path) -> list[list[SyntheticStage]]:
    """Every distillation run saved under `folder` (run0, run1, ...), in run order."""
    runs = []
    while (Path(folder) / run_folder(len(runs)) / "manifest.json").is_file():
        runs.append(load_stages(Path(folder) / run_folder(len(runs))))
    if not runs:
        raise FileNotFoundError(f"{folder}: no distillation runs ({run_folder(0)}/manifest.json)")
    return runs
