"""The stage-count ablation (notebook 05): the main run's total IPC and iteration budget
learnt in P stages, shared out evenly (item P) or unevenly (item "a-b-…")."""

from __future__ import annotations

import dataclasses
from typing import Any

from pdd.experiments.plan import Settings
from pdd.progressive.schedule import ablation_split


@dataclasses.dataclass(frozen=True)
class StagePoint:
    """One ablation item: the stage sizes and the iterations each stage gets."""

    item: int | str  # P, or the per-stage IPCs joined by "-"
    ipcs: tuple[int, ...]
    total_ipc: int
    budget: int  # iterations of the whole schedule

    @property
    def count(self) -> int:
        """P, the number of stages."""
        return len(self.ipcs)

    @property
    def uniform(self) -> bool:
        """Whether the total is shared out evenly (a stage-count item)."""
        return isinstance(self.item, int)

    @property
    def iterations(self) -> int:
        """Iterations per stage."""
        return self.budget // self.count

    @property
    def planned_ipcs(self) -> tuple[int, ...]:
        """The explicit stage sizes to plan with; none for an even split."""
        return () if self.uniform else self.ipcs

    @property
    def sizes(self) -> str:
        """The stage sizes as "1+3"."""
        return "+".join(map(str, self.ipcs))

    def describe(self) -> str:
        """ "P=2: IPC 1+3, 5 iterations each"."""
        return f"P={self.count}: IPC {self.sizes}, {self.iterations} iterations each"


def stage_point(item: int | str, settings: Settings) -> StagePoint:
    """The ablation point of `item` at the main run's total IPC and iteration budget; raises
    naming the item when its stages cannot share them out."""
    distill = settings.distill
    total_ipc = distill.stages * distill.ipc_per_stage
    budget = distill.stages * settings.section.iterations
    ipcs = ablation_split(item, total_ipc, budget)
    return StagePoint(item, ipcs, total_ipc, budget)


def reused_folder(point: StagePoint, main_stages: int) -> str | None:
    """The main run's published set equal to this point (P = 1: the union; P = the main
    run's stage count: the progressive set), or None when it must be distilled here."""
    reused = {1: "union", main_stages: "progressive"}
    return f"distill/{reused[point.item]}" if point.uniform and point.item in reused else None


def varied_settings(point: StagePoint, settings: Settings) -> Settings:
    """The settings of this point: P stages, budget / P iterations each."""
    stages = {"stages": point.count, "ipc_per_stage": point.total_ipc // point.count}
    return settings.varied("distill", **stages).with_iterations(point.iterations)


def ablation_metrics(point: StagePoint, final: dict[str, Any]) -> dict[str, Any]:
    """metrics.json of one point: its stages, then the score after the last stage."""
    return {
        "P": point.count,
        "ipc_per_stage": point.total_ipc // point.count if point.uniform else None,
        "stage_ipcs": list(point.ipcs),
        "iterations_per_stage": point.iterations,
        **final,
    }
