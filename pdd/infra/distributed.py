"""Sharding independent jobs (experts, evaluation seeds) over torch.distributed.

Launched by `torchrun --nproc-per-node N ...`, every rank takes the jobs whose index is its
rank mod N, and the results are gathered back in job order. Each job derives everything
from its own index and seed, so the merged result equals the single-process one as long
as each process uses the same number of intra-op threads (CPU float reductions depend on
it). gloo on CPU, NCCL on GPU (one device per local rank). Without torchrun's environment
the world is one process and nothing is initialised.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist

Job = TypeVar("Job")
Result = TypeVar("Result")


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    def owns(self, index: int) -> bool:
        return index % self.size == self.rank


def init_world() -> World:
    """Join torchrun's process group (gloo on CPU, NCCL with CUDA), or a world of one."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
            dist.init_process_group("nccl")
        else:
            dist.init_process_group("gloo")
    return World(dist.get_rank(), dist.get_world_size())


def close_world(world: World) -> None:
    if world.size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()


def map_sharded(fn: Callable[[Job], Result], jobs: Sequence[Job], world: World) -> list[Result]:
    """[fn(job) for job in jobs], each rank computing its share; every rank gets the list."""
    mine = [(index, fn(job)) for index, job in enumerate(jobs) if world.owns(index)]
    if world.size == 1:
        return [result for _, result in mine]
    shares: list[list | None] = [None] * world.size
    dist.all_gather_object(shares, mine)
    merged = dict(pair for share in shares for pair in share)
    return [merged[index] for index in range(len(jobs))]
