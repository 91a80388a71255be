"""The mechanics the paper's claims rest on, each checked on tiny tensors:
- PDD's transition chains the stages: stage i+1's trajectories start from the networks
  trained on S_<=i, and `sequential` ignores the earlier stages altogether;
- selection during distillation reads the validation split only;
- progressive evaluation grows the union stage by stage, at each stage's step size, keeps
  the optimiser's momentum and restarts the step-size decay;
- MTT draws start epochs in [0, M) and matches the expert E epochs later;
- the learned step size's gradient agrees with finite differences."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

import pdd.core.scoring as scoring
import pdd.progressive.driver as progressive
from pdd.core.buffers import ExpertConfig, generate_buffers
from pdd.core.models import get_model
from pdd.core.synthetic import SyntheticStage
from pdd.core.train import TrainConfig
from pdd.core.trajectory import Trajectory, flatten_params, param_layout
from pdd.data import Splits, get_spec
from pdd.infra.workers import torch_threads
from pdd.methods import mtt
from pdd.methods.base import StageResult
from pdd.progressive.driver import run_schedule
from pdd.progressive.schedule import Schedule
from pdd.progressive.setup import StageSetup, train_from

SPEC = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)


def make_model(seed: int) -> torch.nn.Module:
    return get_model(
        "convnet", in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=seed
    )


def tiny_splits(poisoned_test: bool = False) -> Splits:
    generator = torch.Generator().manual_seed(0)

    def part(n):
        y = torch.arange(3).repeat(n)
        return torch.randn(3 * n, 1, 8, 8, generator=generator) + y.view(-1, 1, 1, 1), y

    (tx, ty), (vx, vy), (sx, sy) = part(10), part(3), part(3)
    if poisoned_test:  # anything that trains or selects on test breaks on these
        sx = torch.full_like(sx, float("nan"))
    return Splits(tx, ty, vx, vy, sx, sy, SPEC, ("a", "b", "c"))


class Recorder:
    """A distiller that learns nothing: it records every stage's task and returns its
    initial images at a per-stage step size, scoring them once with the task's scorer."""

    name, factor, needs_trajectories = "recorder", 1, True

    def __init__(self):
        self.tasks = []

    def distill(self, task) -> StageResult:
        self.tasks.append(task)
        lr = 0.05 * len(self.tasks)
        best = task.score(task.init_images, lr) if task.score else 0.0
        return StageResult(task.init_images.clone(), lr, best, 0, [], 0.0)


EXPERT = ExpertConfig(epochs=2, lr=0.05, batch_size=16)


def setup_with(data: Splits, distiller: Recorder) -> StageSetup:
    return StageSetup(
        data=data,
        make_model=make_model,
        distiller=distiller,
        experts=EXPERT,
        train=TrainConfig(epochs=2, lr=0.01, batch_size=8),
        transition_epochs=3,
        select_epochs=2,
        select_nets=2,
        augment=None,
        seed=4,
    )


@pytest.fixture(scope="module")
def experts(tmp_path_factory) -> list[Trajectory]:
    folder = tmp_path_factory.mktemp("experts")
    return generate_buffers(make_model, 2, tiny_splits(), EXPERT, seed=0, folder=folder)


def distill(schedule: str, experts, tmp_path: Path, data: Splits | None = None) -> Recorder:
    recorder = Recorder()
    data = data or tiny_splits()
    plan = Schedule(schedule, 2, 1)
    run_schedule(plan, setup_with(data, recorder), experts, work=tmp_path)
    return recorder


def test_the_transition_chains_stage_two_to_networks_trained_on_stage_one(experts, tmp_path):
    recorder = distill("progressive", experts, tmp_path)
    first, second = recorder.tasks
    assert first.starts == [] and len(first.frozen_images) == 0
    assert torch.equal(second.frozen_images, first.init_images)  # S_1 frozen in the pool
    setup = setup_with(tiny_splits(), recorder)
    for k, expert in enumerate(experts):
        # the network trained from the expert's start on S_1, at S_1's step size ...
        seed = progressive.derive_seed(setup.seed, "transition", 0, k)
        labels = first.labels
        with torch_threads(1):  # as a transition trains its networks: one thread each
            trained = train_from(setup, expert.params[0], first.init_images, labels, 0.05, 3, seed)
        # ... is where stage 2's networks and its trajectories start
        assert torch.equal(second.starts[k], flatten_params(trained))
        assert torch.equal(second.trajectories[k].params[0], second.starts[k])
        assert not torch.equal(second.trajectories[k].params[0], expert.params[0])


def test_transition_starts_keep_the_first_experts_through_the_transitions(experts, tmp_path):
    recorder = Recorder()
    setup = dataclasses.replace(setup_with(tiny_splits(), recorder), transition_starts=1)
    run_schedule(Schedule("progressive", 2, 1), setup, experts, work=tmp_path)
    first, second = recorder.tasks
    assert len(first.trajectories) == 2  # stage 1 matches every expert of the run
    assert len(second.starts) == len(second.trajectories) == 1  # the first one continues
    full = distill("progressive", experts, tmp_path / "all").tasks[1]
    assert torch.equal(second.starts[0], full.starts[0])  # the same transition for it


def test_sequential_stages_ignore_the_earlier_ones(experts, tmp_path):
    recorder = distill("sequential", experts, tmp_path)
    first, second = recorder.tasks
    assert len(second.frozen_images) == 0 and second.starts == []
    assert all(a is b for a, b in zip(second.trajectories, experts, strict=True))
    assert not torch.equal(first.init_images, second.init_images)  # a stage of its own


def test_selection_reads_the_validation_split_only(experts, tmp_path):
    # with a test split of NaN, any training or scoring on it would give NaN or fail
    recorder = distill("progressive", experts, tmp_path, tiny_splits(poisoned_test=True))
    for task in recorder.tasks:
        score = task.score(task.init_images, 0.05)
        assert 0.0 <= score <= 100.0


def test_progressive_evaluation_grows_the_union_keeps_momentum_and_restarts_decay(monkeypatch):
    calls = []
    original = scoring.train_classifier

    def recording(model, images, labels, config, *, seed, optimizer=None, augment=None):
        result = original(model, images, labels, config, seed=seed, optimizer=optimizer)
        calls.append((len(images), config, optimizer, result.optimizer))
        return result

    monkeypatch.setattr(scoring, "train_classifier", recording)
    stages = [
        SyntheticStage(torch.randn(3, 1, 8, 8), torch.arange(3), 0.1),
        SyntheticStage(torch.randn(6, 1, 8, 8), torch.arange(3).repeat(2), 0.02),
    ]
    config = TrainConfig(epochs=4, lr=0.5, batch_size=8, lr_decay_at=(0.5,))
    trained = list(
        scoring.train_through_stages(stages, make_model(0), config, seed=1, augment=None)
    )
    assert [index for index, _, _ in trained] == [0, 1]
    (n1, c1, o1_in, o1_out), (n2, c2, o2_in, _) = calls
    assert (n1, n2) == (3, 9)  # S_1, then S_1 ∪ S_2
    assert (c1.lr, c2.lr) == (0.1, 0.02)  # each stage's learned step size
    assert o1_in is None and o2_in is o1_out  # the optimiser (momentum) carries over
    assert any(state.get("momentum_buffer") is not None for state in o2_in.state.values())
    # the decay restarts: each stage starts at its own step size, decays at half of it
    assert [c2.lr_at(epoch) for epoch in range(4)] == pytest.approx([0.02, 0.02, 0.002, 0.002])


def test_mtt_starts_in_the_first_m_epochs_and_matches_e_epochs_later(monkeypatch):
    seen = []
    original = mtt.matching_loss

    def recording(model, trajectory, start_epoch, *args, **kwargs):
        seen.append(start_epoch)
        return original(model, trajectory, start_epoch, *args, **kwargs)

    monkeypatch.setattr(mtt, "matching_loss", recording)
    model = make_model(0)
    params = torch.stack([flatten_params(make_model(k)) for k in range(6)])
    expert = Trajectory(params, param_layout(model), 0)
    config = mtt.MTTConfig(
        iterations=40, syn_steps=1, expert_epochs=2, max_start_epoch=3, batch_syn=3,
        lr_img=1.0, lr_lr=0.0, lr_init=0.01, eval_every=100, checkpoint_every=100,
    )  # fmt: skip
    data = tiny_splits()
    task = mtt.StageTask.alone(
        data.train_x[:3].clone(), data.train_y[:3].clone(), trajectories=[expert], seed=2,
        progress=False,
    )  # fmt: skip
    mtt.distill(model, config, task)
    assert set(seen) == {0, 1, 2}  # every start epoch in [0, M), none past it

    # the target is the expert E epochs after the start: a student landing exactly there
    # has zero loss, one landing an epoch later does not
    for start in range(3):
        for landing, zero in ((start + 2, True), (start + 3, False)):
            monkeypatch.setattr(mtt, "unroll", lambda *a, at=landing, **k: params[at].clone())
            loss = original(model, expert, start, data.train_x[:3], data.train_y[:3],
                            torch.tensor(0.01), config, augment=None, seed=0)  # fmt: skip
            assert (loss.item() == 0.0) is zero


def test_the_step_size_gradient_matches_finite_differences():
    torch.manual_seed(0)
    model = make_model(0).double()
    start = flatten_params(model).double()
    expert = Trajectory(
        torch.stack([start, start + 0.01 * torch.randn_like(start)]), param_layout(model), 0
    )
    data = tiny_splits()
    images, labels = data.train_x[:6].double(), data.train_y[:6]
    config = mtt.MTTConfig(
        iterations=1, syn_steps=3, expert_epochs=1, max_start_epoch=1, batch_syn=3,
        lr_img=1.0, lr_lr=0.01, lr_init=0.01, eval_every=1, checkpoint_every=1,
    )  # fmt: skip

    def loss(lr: torch.Tensor) -> torch.Tensor:
        return mtt.matching_loss(model, expert, 0, images, labels, lr, config, augment=None, seed=5)

    lr = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(loss(lr), lr)
    h = 1e-5
    up, down = (loss(torch.tensor(0.05 + d, dtype=torch.float64)).item() for d in (h, -h))
    numeric = (up - down) / (2 * h)  # the unroll differentiates inside: no torch.no_grad
    assert grad.item() == pytest.approx(numeric, rel=1e-5)
    assert grad.item() != 0.0
