"""Trajectories, expert buffers and MTT on tiny problems: file round trips, resume equals
an uninterrupted run, the matching loss is zero for a student that reproduces the expert,
frozen earlier stages stay bit-identical, and faults are caught at their iteration."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from pdd.core.buffers import (
    ExpertConfig,
    generate_buffers,
    load_buffers,
    shard_indices,
    train_expert,
)
from pdd.core.models import get_model
from pdd.core.trajectory import Trajectory, flatten_params, load_flat, param_layout
from pdd.data import Splits, get_spec
from pdd.infra.workers import torch_threads
from pdd.methods import mtt
from pdd.methods.base import DistillationDiverged, StageTask

SPEC = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)


def make_model(seed: int) -> torch.nn.Module:
    return get_model(
        "convnet", in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=seed
    )


def tiny_splits(seed: int = 0) -> Splits:
    generator = torch.Generator().manual_seed(seed)

    def part(n):
        y = torch.arange(3).repeat(n)
        x = torch.randn(3 * n, 1, 8, 8, generator=generator) + y.view(-1, 1, 1, 1).float()
        return x, y

    (tx, ty), (vx, vy), (sx, sy) = part(20), part(4), part(4)
    return Splits(tx, ty, vx, vy, sx, sy, SPEC, ("a", "b", "c"))


EXPERT = ExpertConfig(epochs=3, lr=0.05, batch_size=16)
CONFIG = mtt.MTTConfig(
    iterations=6,
    syn_steps=3,
    expert_epochs=1,
    max_start_epoch=2,
    batch_syn=6,
    lr_img=10.0,
    lr_lr=0.01,
    lr_init=0.05,
    eval_every=3,
    checkpoint_every=2,
)


@pytest.fixture(scope="module")
def experts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("buffers")
    return generate_buffers(
        make_model, 2, tiny_splits(), EXPERT, seed=0, folder=folder, progress=False
    )


def test_trajectory_file_round_trip(tmp_path, experts):
    experts[0].save(tmp_path / "t.pt")
    loaded = Trajectory.load(tmp_path / "t.pt")
    assert torch.equal(loaded.params, experts[0].params) and loaded.layout == experts[0].layout
    assert loaded.complete and loaded.epochs == 3 and "test_acc" in loaded.metrics


def test_truncated_checkpoint_is_ignored_with_a_warning(tmp_path, experts):
    experts[0].save(tmp_path / "t.pt")
    data = (tmp_path / "t.pt").read_bytes()
    (tmp_path / "t.pt").write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match="unreadable checkpoint"):
        assert Trajectory.load_or_none(tmp_path / "t.pt") is None


def test_flat_params_round_trip():
    model = make_model(0)
    other = load_flat(make_model(1), flatten_params(model))
    assert torch.equal(flatten_params(other), flatten_params(model))


def test_buffer_resume_equals_uninterrupted(tmp_path, experts):
    data = tiny_splits()
    partial = dataclasses.replace(EXPERT, epochs=1)
    with torch_threads(1):  # as generate_buffers trains them: one thread per expert
        train_expert(make_model, 0, data, partial, seed=0, folder=tmp_path)  # "killed" at 1
        saved = Trajectory.load(tmp_path / "expert_000.pt")
        saved.complete = False
        saved.save(tmp_path / "expert_000.pt")
        resumed = train_expert(make_model, 0, data, EXPERT, seed=0, folder=tmp_path)
    assert torch.equal(resumed.params, experts[0].params)
    assert resumed.metrics == experts[0].metrics  # the accuracy curve resumes too


def test_shorter_unscored_expert_is_the_prefix_of_a_longer_one(tmp_path, experts):
    # What lets a transition train only the epochs MTT reads: each epoch's batches derive
    # from (seed, expert, epoch) alone, so the first epochs are the same whatever the length.
    short = dataclasses.replace(EXPERT, epochs=2)
    with torch_threads(1):
        trajectory = train_expert(
            make_model, 0, tiny_splits(), short, seed=0, folder=tmp_path, score=False
        )
    assert torch.equal(trajectory.params, experts[0].params[:3])
    assert trajectory.complete and trajectory.metrics == {}
    assert set(experts[0].metrics) == {"val_acc", "test_acc", "val_curve", "test_curve"}


def test_experts_of_exactly_the_matched_epochs_are_enough(experts):
    # Starts 0..M-1 and targets E later: M = 3, E = 1 reads epochs up to 3, all the experts have.
    assert mtt.epochs_matched(3, 1) == 3
    config = dataclasses.replace(CONFIG, max_start_epoch=3, iterations=1)
    run_distill(experts, tiny_splits(), config=config)


def test_shards_are_disjoint_and_cover_everything():
    shards = [shard_indices(7, i, 3) for i in range(3)]
    assert sorted(sum(shards, [])) == list(range(7))


def test_sharded_buffers_equal_single_process(tmp_path, experts):
    data = tiny_splits()
    for shard in range(2):
        generate_buffers(
            make_model,
            2,
            data,
            EXPERT,
            seed=0,
            folder=tmp_path,
            shard=shard,
            num_shards=2,
            progress=False,
        )
    merged = load_buffers(tmp_path, 2)
    assert all(torch.equal(a.params, b.params) for a, b in zip(merged, experts, strict=True))


def test_matching_loss_is_zero_when_the_student_reproduces_the_expert():
    model, data = make_model(0), tiny_splits()
    images, labels = data.train_x[:9], data.train_y[:9]
    start = flatten_params(model)
    config = dataclasses.replace(CONFIG, syn_steps=2, batch_syn=4, expert_epochs=1)
    # The "expert" takes exactly the student's two SGD steps on the same batches.
    student = Trajectory(torch.stack([start, start]), param_layout(model), 0)
    lr = torch.tensor(0.1)
    theta = start.clone().requires_grad_(True)
    for batch in mtt._batch_indices(
        9, 4, 2, torch.Generator().manual_seed(mtt.derive_seed(3, "batches"))
    ):
        logits = torch.func.functional_call(
            model, mtt.unflatten(theta, student.layout), (images[batch],)
        )
        (grad,) = torch.autograd.grad(
            torch.nn.functional.cross_entropy(logits, labels[batch]), theta
        )
        theta = (theta - lr * grad).detach().requires_grad_(True)
    expert = Trajectory(torch.stack([start, theta.detach()]), param_layout(model), 0)
    loss = mtt.matching_loss(model, expert, 0, images, labels, lr, config, augment=None, seed=3)
    assert loss.item() < 1e-10
    far = mtt.matching_loss(model, expert, 0, images, labels, lr * 0, config, augment=None, seed=3)
    assert far.item() == pytest.approx(1.0)


def run_distill(
    experts, data, checkpoint=None, config=CONFIG, frozen_images=None, frozen_labels=None, **kw
):
    images, labels = data.train_x[:6].clone(), data.train_y[:6].clone()
    task = StageTask.alone(
        images, labels, trajectories=experts, seed=1, checkpoint=checkpoint, progress=False, **kw
    )
    if frozen_images is not None:
        task = dataclasses.replace(task, frozen_images=frozen_images, frozen_labels=frozen_labels)
    return mtt.distill(make_model(0), config, task)


def test_distillation_lowers_the_matching_loss(experts):
    data = tiny_splits()
    config = dataclasses.replace(CONFIG, iterations=12, max_start_epoch=1)  # start epoch 0
    result = run_distill(experts[:1], data, config=config)
    assert not torch.equal(result.images, data.train_x[:6])
    assert len([h for h in result.history if "loss" in h]) == 12

    def loss(images, lr) -> float:
        labels = data.train_y[:6]
        return mtt.matching_loss(
            make_model(0), experts[0], 0, images, labels, torch.tensor(lr), config,
            augment=None, seed=99,
        ).item()  # fmt: skip

    # on mini-batches none of the iterations saw, the learnt images and step size match the
    # expert's epoch better than the real images they started from
    assert loss(result.images, result.lr) < 0.9 * loss(data.train_x[:6], CONFIG.lr_init)


def test_adjoint_unroll_distills_the_same_images_as_the_graph(experts):
    data = tiny_splits()
    frozen = {"frozen_images": data.train_x[6:12], "frozen_labels": data.train_y[6:12]}
    graph = run_distill(experts, data, **frozen)
    adjoint = run_distill(
        experts, data, config=dataclasses.replace(CONFIG, unroll="adjoint"), **frozen
    )
    torch.testing.assert_close(adjoint.images, graph.images, rtol=1e-4, atol=1e-5)
    assert adjoint.lr == pytest.approx(graph.lr, rel=1e-4)


def test_distillation_resume_equals_uninterrupted(tmp_path, experts):
    data = tiny_splits()
    scorer = lambda images, lr: float(images.sum())  # deterministic stand-in  # noqa: E731
    full = run_distill(experts, data, score=scorer)
    short = dataclasses.replace(CONFIG, iterations=4)
    run_distill(experts, data, tmp_path / "ck.pt", short, score=scorer)  # "killed" at 4
    resumed = run_distill(experts, data, tmp_path / "ck.pt", score=scorer)
    assert torch.equal(resumed.images, full.images) and resumed.lr == full.lr


def test_frozen_stage_stays_bit_identical_and_conditions_the_result(experts):
    data = tiny_splits()
    frozen_x, frozen_y = data.train_x[6:12].clone(), data.train_y[6:12].clone()
    before = frozen_x.clone()
    conditioned = run_distill(experts, data, frozen_images=frozen_x, frozen_labels=frozen_y)
    alone = run_distill(experts, data)
    assert torch.equal(frozen_x, before)
    assert not torch.equal(conditioned.images, alone.images)


def test_nan_in_images_is_caught_at_its_iteration(experts):
    data = tiny_splits()
    images = data.train_x[:6].clone()
    images[0, 0, 0, 0] = math.nan
    with pytest.raises(DistillationDiverged, match="iteration 0"):
        task = StageTask.alone(
            images, data.train_y[:6], trajectories=experts, seed=1, progress=False
        )
        mtt.distill(make_model(0), CONFIG, task)


def test_exploding_unroll_is_caught_at_its_iteration(experts):
    config = dataclasses.replace(CONFIG, lr_init=1e6)  # the student's weights blow up
    with pytest.raises(DistillationDiverged, match="iteration 0: matching loss is nan"):
        run_distill(experts, tiny_splits(), config=config)


def test_fault_midway_keeps_the_last_good_checkpoint(tmp_path, experts, monkeypatch):
    data = tiny_splits()
    every_step = dataclasses.replace(CONFIG, checkpoint_every=1)
    uninterrupted = run_distill(experts, data, config=every_step)
    healthy, calls = mtt.matching_loss, []

    def poisoned(*args, **kwargs):  # a NaN appears in the unroll of iteration 3
        calls.append(1)
        loss = healthy(*args, **kwargs)
        return loss * math.nan if len(calls) == 4 else loss

    monkeypatch.setattr(mtt, "matching_loss", poisoned)
    with pytest.raises(DistillationDiverged, match="iteration 3"):
        run_distill(experts, data, tmp_path / "ck.pt", every_step)
    kept = torch.load(tmp_path / "ck.pt", weights_only=True)
    assert kept["iteration"] == 3 and torch.isfinite(kept["images"]).all()
    monkeypatch.setattr(mtt, "matching_loss", healthy)
    resumed = run_distill(experts, data, tmp_path / "ck.pt", every_step)
    assert torch.equal(resumed.images, uninterrupted.images)


def test_truncated_mtt_checkpoint_restarts_with_a_warning(tmp_path, experts):
    data = tiny_splits()
    fresh = run_distill(experts, data)
    run_distill(experts, data, tmp_path / "ck.pt", dataclasses.replace(CONFIG, iterations=4))
    torn = (tmp_path / "ck.pt").read_bytes()
    (tmp_path / "ck.pt").write_bytes(torn[: len(torn) // 3])
    with pytest.warns(UserWarning, match="unreadable checkpoint ignored"):
        restarted = run_distill(experts, data, tmp_path / "ck.pt")
    assert torch.equal(restarted.images, fresh.images)


def test_collapsing_step_size_is_caught(experts):
    config = dataclasses.replace(CONFIG, lr_init=1e-7)
    with pytest.raises(DistillationDiverged, match="step size collapsed"):
        run_distill(experts, tiny_splits(), config=config)


def test_too_short_trajectories_are_refused(experts):
    # Starts 0..3 and targets one epoch later need 4 epochs; the experts have 3.
    config = dataclasses.replace(CONFIG, max_start_epoch=4)
    with pytest.raises(ValueError, match="max_start_epoch"):
        run_distill(experts, tiny_splits(), config=config)
