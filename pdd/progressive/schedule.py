"""The shape of a PDD run: its schedule's name, its stages and their images per class.
Kept apart from the driver so that params validation reads the names without importing it."""

from __future__ import annotations

from dataclasses import dataclass

SCHEDULES = ("progressive", "sequential", "union")
# A base method alone (one stage at the total IPC) and under PDD: what notebook 04 compares.
ALONE_AND_PDD = ("union", "progressive")


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


def split_stage_ipcs(stages: int | str, total_ipc: int) -> tuple[int, ...]:
    """Per-stage IPCs of a stage-count ablation item: P (the total shared out evenly) or
    "a-b-…" (the per-stage IPC ablation: explicit sizes that must add up to the total)."""
    if isinstance(stages, int):
        if stages < 1 or total_ipc % stages:
            raise ValueError(
                f"ablation.stage_counts: P={stages} must divide the total IPC ({total_ipc})"
            )
        return (total_ipc // stages,) * stages
    parts = tuple(int(part) for part in str(stages).split("-"))
    if min(parts) < 1 or sum(parts) != total_ipc:
        raise ValueError(
            f"ablation.stage_ipcs: {stages!r} must be positive IPCs that add up to the total "
            f"IPC ({total_ipc})"
        )
    return parts


def ablation_split(item: int | str, total_ipc: int, budget: int) -> tuple[int, ...]:
    """Per-stage IPCs of a stage-count ablation point that shares out both the total IPC and
    the iteration budget of the main run; raises naming the item when it cannot."""
    ipcs = split_stage_ipcs(item, total_ipc)
    if budget % len(ipcs):
        raise ValueError(f"ablation: P={len(ipcs)} must divide the iteration budget ({budget})")
    return ipcs
