"""Independent trainings spread over single-thread worker processes.

On the 2-core machines two single-thread processes train 1.7-2.2x as fast as one, while one
process with two threads manages 1.3-1.6x (`reports/bench/scaling.json`). So every batch of
independent jobs (evaluation seeds, validation and transition networks, experts, random-real
baselines, cross-architecture and continual seeds) goes through `parallel_map`: a pool of
forked workers, one torch thread each. Forked workers inherit the parent's tensors (the
dataset is not copied or pickled) and the job function itself, closures included; only the
job's index goes to a worker and only its (small) result comes back.

A job gives the same result bit for bit whatever the number of workers: it always runs on
one intra-op thread (CPU float reductions depend on the thread count) and draws its
randomness from its own seed. With one worker, on CUDA (a forked child cannot use the
parent's CUDA context), without `fork` (macOS, Windows) and inside a worker, the jobs run
one after another in this process, still on one thread each.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Literal, TypeVar

import torch
from tqdm.auto import tqdm

Job = TypeVar("Job")
Result = TypeVar("Result")

_settings = {"workers": 1}
# What the forked workers run: set in the parent just before the fork, so children inherit it.
_task: tuple[Callable, Sequence] | None = None
_in_worker = False


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure(workers: int | Literal["auto"]) -> int:
    """Set how many worker processes `parallel_map` uses (`auto`: one per core)."""
    count = available_cores() if workers == "auto" else int(workers)
    if count < 1:
        raise ValueError(f"common.workers must be 'auto' or at least 1, got {workers!r}")
    _settings["workers"] = count
    return count


def worker_count() -> int:
    return _settings["workers"]


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with `count` intra-op threads, then restore the previous count."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def can_fork() -> bool:
    """Forked workers are safe here: Linux-style fork, no CUDA context, not in a worker."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not torch.cuda.is_initialized()
        and not _in_worker
    )


def parallel_map(
    fn: Callable[[Job], Result], jobs: Iterable[Job], *, desc: str | None = None
) -> list[Result]:
    """[fn(job) for job in jobs], each job on one torch thread, spread over the configured
    workers; results in job order. A job's exception is raised here. `desc`: a progress bar
    over finished jobs."""
    global _task
    jobs = list(jobs)
    count = min(worker_count(), len(jobs))
    bar = partial(tqdm, total=len(jobs), desc=desc, disable=desc is None, leave=False)
    if count <= 1 or not can_fork():
        with torch_threads(1):
            return [fn(job) for job in bar(jobs)]
    _task = (fn, jobs)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(count, mp_context=context, initializer=_enter_worker) as pool:
            try:
                return list(bar(pool.map(_run_job, range(len(jobs)))))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        _task = None


def _enter_worker() -> None:
    global _in_worker
    _in_worker = True
    torch.set_num_threads(1)
    os.environ.pop("PDD_PHASES", None)  # only the stage's own process reports its phases


def _run_job(index: int) -> object:
    fn, jobs = _task
    return fn(jobs[index])
