"""Base methods behind the Distiller interface, on tiny problems: the matching distances
are zero for identical inputs, multi-formation decodes to the right shapes and passes
gradients, every method moves its images without touching the frozen earlier stages, and
a resumed run (network state included) equals an uninterrupted one."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from test_mtt import make_model, tiny_splits

from pdd.config.distillers import build_distiller
from pdd.config.sections.distill import Distill
from pdd.config.sections.dm import DM
from pdd.config.sections.matching import Matching
from pdd.config.sections.mtt import MTT
from pdd.core.multiformation import decode, encode_from_real
from pdd.methods import METHODS
from pdd.methods.base import DistillationDiverged, StageTask
from pdd.methods.dm import mean_embedding_distance
from pdd.methods.gradient_matching import gradient_distance

SECTIONS = {
    "mtt": MTT(
        iterations=4, syn_steps=2, expert_epochs=1, max_start_epoch=1, batch_syn=6,
        lr_img=10.0, lr_lr=0.01, unroll="graph",
    ),
    "matching": Matching(
        iterations=4, batch_real=5, lr_img=0.1, lr_net=0.01, net_steps=2, net_batch=8,
        refresh_every=3, idc_factor=2,
    ),
    "dm": DM(iterations=4, batch_real=5, lr_img=1.0),
}  # fmt: skip
SECTION_OF = {"mtt": "mtt", "dc": "matching", "dsa": "matching", "idc": "matching", "dm": "dm"}
NON_MTT = [m for m in METHODS if m != "mtt"]


def loop_keys(eval_every: int = 2, checkpoint_every: int = 2) -> Distill:
    return Distill(
        method="mtt", stages=1, ipc_per_stage=1, schedules=["union"], eval_every=eval_every,
        checkpoint_every=checkpoint_every, select_nets=1, select_epochs=1, transition_epochs=1,
    )  # fmt: skip


def distiller(method: str, **loop):
    return build_distiller(
        method,
        SECTIONS[SECTION_OF[method]],
        distill=loop_keys(**loop),
        make_model=make_model,
        data=tiny_splits(),
        lr_init=0.05,
    )


def task(method, checkpoint=None, frozen=None, images=None, starts=()):
    data = tiny_splits()
    factor = distiller(method).factor
    x = data.train_x[: 3 * factor * factor]  # classes interleave: 0,1,2,0,1,2,...
    order = torch.argsort(data.train_y[: len(x)], stable=True)
    init = encode_from_real(x[order], factor) if images is None else images
    labels = data.train_y[: len(x)][order][:: factor * factor]
    frozen_x, frozen_y = frozen if frozen is not None else (data.train_x[:0], data.train_y[:0])
    return StageTask(
        init, labels, frozen_x, frozen_y, list(starts), [], seed=3, checkpoint=checkpoint,
        progress=False,
    )  # fmt: skip


def test_gradient_distance_is_zero_for_identical_gradients_and_ignores_biases():
    grads = [torch.randn(4, 3, 3, 3), torch.randn(4), torch.randn(5, 8)]
    assert gradient_distance(grads, grads).abs().item() < 1e-5
    assert gradient_distance(grads, [-g for g in grads]).item() == pytest.approx(2 * 9, 1e-4)
    only_bias_differs = [grads[0], torch.randn(4), grads[2]]
    assert gradient_distance(grads, only_bias_differs).abs().item() < 1e-5


def test_mean_embedding_distance():
    x = torch.randn(6, 5)
    assert mean_embedding_distance(x, x[torch.randperm(6)]).item() == pytest.approx(0, abs=1e-9)
    assert mean_embedding_distance(x, x + 1).item() == pytest.approx(5.0)


def test_multiformation_decodes_tiles_with_gradients():
    stored = torch.randn(3, 1, 8, 8, requires_grad=True)
    images, labels = decode(stored, torch.tensor([0, 1, 2]), 2)
    assert images.shape == (12, 1, 8, 8) and labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    images.sum().backward()
    assert stored.grad is not None and torch.isfinite(stored.grad).all()
    plain = torch.randn(4, 1, 8, 8)
    assert torch.equal(decode(plain, torch.arange(4), 1)[0], plain)
    packed = encode_from_real(torch.randn(8, 1, 8, 8), 2)
    assert packed.shape == (2, 1, 8, 8)
    with pytest.raises(ValueError, match="not divisible"):
        decode(torch.randn(1, 1, 7, 7), torch.tensor([0]), 2)


@pytest.mark.parametrize("method", NON_MTT)
def test_every_method_moves_its_images_and_leaves_the_frozen_ones(method):
    data = tiny_splits()
    frozen = (data.train_x[30:36].clone(), data.train_y[30:36].clone())
    before = frozen[0].clone()
    job = task(method, frozen=frozen)
    result = distiller(method).distill(job)
    assert result.images.shape == job.init_images.shape
    assert not torch.equal(result.images, job.init_images)
    assert torch.equal(frozen[0], before)
    assert len([h for h in result.history if "loss" in h]) == 4


@pytest.mark.parametrize("method", ["dm", "dc", "idc"])
def test_resume_equals_uninterrupted(method, tmp_path):
    uninterrupted = distiller(method).distill(task(method))
    short = distiller(method)
    short = dataclasses.replace(short, config=dataclasses.replace(short.config, iterations=2))
    short.distill(task(method, tmp_path / "ck.pt"))  # "killed" after iteration 2
    resumed = distiller(method).distill(task(method, tmp_path / "ck.pt"))
    assert torch.equal(resumed.images, uninterrupted.images)


def test_a_resumed_stage_reports_the_seconds_of_every_run(tmp_path, monkeypatch):
    clock = iter(range(0, 10_000, 10))  # every perf_counter() call: 10 s later
    monkeypatch.setattr("pdd.methods.base.time.perf_counter", lambda: float(next(clock)))
    short = distiller("dm")
    short = dataclasses.replace(short, config=dataclasses.replace(short.config, iterations=2))
    first = short.distill(task("dm", tmp_path / "ck.pt"))  # "killed" after iteration 2
    saved = torch.load(tmp_path / "ck.pt", weights_only=True)["seconds"]
    resumed = distiller("dm").distill(task("dm", tmp_path / "ck.pt"))
    alone = resumed.seconds - saved
    assert 0 < saved <= first.seconds and alone > 0
    total = torch.load(tmp_path / "ck.pt", weights_only=True)["seconds"]
    assert total > saved  # the second run's time was added to the first run's
    again = distiller("dm").distill(task("dm", tmp_path / "ck.pt"))  # finished: resume only
    assert again.seconds > total  # counts on from the last checkpoint's total


def test_networks_start_from_the_given_parameters():
    """Progressive stages pass transition parameters: they change the result."""
    start = torch.cat([p.detach().reshape(-1) for p in make_model(99).parameters()])
    random_nets = distiller("dm").distill(task("dm"))
    from_start = distiller("dm").distill(task("dm", starts=[start * 3]))
    assert not torch.equal(random_nets.images, from_start.images)


@pytest.mark.parametrize("method", ["dm", "dsa"])
def test_nan_in_images_is_caught_at_its_iteration(method):
    images = task(method).init_images.clone()
    images[0, 0, 0, 0] = math.nan
    with pytest.raises(DistillationDiverged, match="iteration 0"):
        distiller(method).distill(task(method, images=images))


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method 'kip'"):
        build_distiller(
            "kip", SECTIONS["mtt"], distill=loop_keys(), make_model=make_model,
            data=tiny_splits(), lr_init=0.05,
        )  # fmt: skip
    with pytest.raises(ValueError, match="method 'dm' reads the 'dm' section"):
        build_distiller(
            "dm", SECTIONS["mtt"], distill=loop_keys(), make_model=make_model,
            data=tiny_splits(), lr_init=0.05,
        )  # fmt: skip
