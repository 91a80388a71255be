"""Worker processes: any number of them gives the in-process results bit for bit, in job
order, with a job's error raised in the caller."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pdd.core.evaluate import evaluate_synthetic_set
from pdd.core.models import get_model
from pdd.data import Splits, get_spec
from pdd.infra import workers


def tiny_splits() -> Splits:
    spec = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 1, 8, 8, generator=generator), torch.arange(3).repeat(20)
    return Splits(x, y, x[:9], y[:9], x[9:], y[9:], spec, ("a", "b", "c"))


def make_model(seed: int) -> torch.nn.Module:
    return get_model("convnet", in_channels=1, num_classes=3, image_size=8, width=8, seed=seed)


def score(data: Splits):
    from pdd.core.train import TrainConfig

    return evaluate_synthetic_set(
        data.train_x[:12],
        data.train_y[:12],
        make_model=make_model,
        config=TrainConfig(epochs=6, lr=0.05, batch_size=5),
        seeds=[1, 2, 3],
        test=(data.test_x, data.test_y),
        val=(data.val_x, data.val_y),
    )


def trained_weights(seed: int) -> torch.Tensor:
    model = make_model(seed)
    x = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork")
def test_two_workers_give_the_in_process_results_bit_for_bit():
    data = tiny_splits()
    workers.configure(1)
    alone, weights_alone = score(data), workers.parallel_map(trained_weights, [4, 5, 6])
    workers.configure(2)
    together, weights_together = score(data), workers.parallel_map(trained_weights, [4, 5, 6])
    assert together.test_acc == alone.test_acc and together.val_acc == alone.val_acc
    assert all(torch.equal(a, b) for a, b in zip(weights_alone, weights_together, strict=True))


def test_results_come_in_job_order_and_threads_are_restored():
    torch.set_num_threads(2)
    for count in (1, 2):
        workers.configure(count)
        assert workers.parallel_map(lambda n: n * n, [3, 1, 2, 5]) == [9, 1, 4, 25]
        assert workers.parallel_map(lambda _: torch.get_num_threads(), range(3)) == [1, 1, 1]
        assert torch.get_num_threads() == 2


def fails_on_two(n: int) -> int:
    if n == 2:
        raise FloatingPointError("loss became nan")
    return n


@pytest.mark.parametrize("count", [1, 2])
def test_a_jobs_error_reaches_the_caller(count):
    workers.configure(count)
    with pytest.raises(FloatingPointError, match="nan"):
        workers.parallel_map(fails_on_two, [1, 2, 3])


def test_jobs_inside_a_worker_run_in_that_worker():
    workers.configure(2)
    nested = workers.parallel_map(lambda n: workers.parallel_map(lambda m: m + n, [1, 2]), [10, 20])
    assert nested == [[11, 12], [21, 22]]


def test_worker_count_is_auto_or_positive():
    assert workers.configure("auto") == workers.available_cores() >= 1
    assert workers.configure(3) == 3 == workers.worker_count()
    with pytest.raises(ValueError, match="common.workers"):
        workers.configure(0)
