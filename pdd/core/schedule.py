"""The shape of a PDD run: its schedule's name, its stages and their images per class.
Kept apart from the driver so that params validation reads the names without importing it."""

from __future__ import annotations

from dataclasses import dataclass

SCHEDULES = ("progressive", "sequential", "union")


@dataclass(frozen=True)
class Schedule:
    name: str
    stages: int
    ipc_per_stage: int
    # Images per class of each stage when they differ (the per-stage IPC ablation);
    # empty: `ipc_per_stage` for every stage.
    stage_ipcs: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.stage_ipcs and len(self.stage_ipcs) != self.stages:
            raise ValueError(f"stage_ipcs {self.stage_ipcs} must have one IPC per stage")

    def ipcs(self) -> list[int]:
        sizes = list(self.stage_ipcs) or [self.ipc_per_stage] * self.stages
        return [sum(sizes)] if self.name == "union" else sizes
