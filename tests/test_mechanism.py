"""The check of whether a PDD stage's student learned, on a toy problem with known answers:
the rerun student scores what MTT's matching loss scores, the shares of its displacement
split it exactly and hit their limits, the floor is 0 for the expert's own seeds and
between 0 and 1 for others, window accuracies are the experts' recorded curve, and the rule
and the final loss hold on hand-made numbers."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from pdd.core.augment import DiffAugment
from pdd.core.buffers import ExpertConfig, generate_buffers
from pdd.core.models import get_model
from pdd.core.synthetic import SyntheticStage
from pdd.data import Splits, get_spec
from pdd.infra.workers import torch_threads
from pdd.methods import mtt
from pdd.progressive import mechanism as check

SPEC = dataclasses.replace(get_spec("fashion-mnist"), image_size=8, num_classes=3)
# 60 training images, 30 a epoch: the floor's rerun must draw the expert's subsets too
EXPERT = ExpertConfig(epochs=3, lr=0.05, batch_size=8, examples_per_epoch=30)
CONFIG = mtt.MTTConfig(
    iterations=1, syn_steps=4, expert_epochs=1, max_start_epoch=2, batch_syn=5,
    lr_img=1.0, lr_lr=0.01, lr_init=0.05, eval_every=1, checkpoint_every=1,
)  # fmt: skip


def make_model(seed: int) -> torch.nn.Module:
    return get_model(
        "convnet", in_channels=1, num_classes=3, image_size=8, width=4, depth=2, seed=seed
    )


def shifted_classes() -> Splits:
    """Class c is noise shifted by c: learnable, so an expert's epoch moves it somewhere."""
    generator = torch.Generator().manual_seed(7)

    def part(per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.arange(3).repeat(per_class)
        return torch.randn(3 * per_class, 1, 8, 8, generator=generator) + y.view(-1, 1, 1, 1), y

    (tx, ty), (vx, vy), (sx, sy) = part(20), part(5), part(5)
    return Splits(tx, ty, vx, vy, sx, sy, SPEC, ("a", "b", "c"))


@pytest.fixture(autouse=True)
def _one_thread(_few_threads):
    """One thread, as the buffers trained: two contend on a busy two-core machine (seconds
    instead of milliseconds here), and the exact reruns need the experts' thread count."""
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def data() -> Splits:
    return shifted_classes()


@pytest.fixture(scope="module")
def experts(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("experts")
    return generate_buffers(make_model, 2, data, EXPERT, seed=3, folder=folder, progress=False)


def movement(expert, frozen, new, lr=0.05, *, seed=1, augment=None, start=1, steps=4):
    (fx, fy), (nx, ny) = frozen, new
    return check.student_movement(
        make_model(0), expert, start, fx, fy, nx, ny, lr, syn_steps=steps,
        expert_epochs=1, batch_syn=5, augment=augment, seed=seed,
    )  # fmt: skip


def test_the_rerun_student_scores_what_mtt_scores(experts, data):
    frozen, new = (data.train_x[:9], data.train_y[:9]), (data.train_x[9:15], data.train_y[9:15])
    augment = DiffAugment()
    moved = movement(experts[0], frozen, new, augment=augment, seed=4)
    pool_x, pool_y = torch.cat([frozen[0], new[0]]), torch.cat([frozen[1], new[1]])
    mtt_loss = mtt.matching_loss(
        make_model(0), experts[0], 1, pool_x, pool_y, torch.tensor(0.05), CONFIG,
        augment=augment, seed=4,
    )  # fmt: skip
    assert moved["loss"] == pytest.approx(mtt_loss.item(), rel=1e-6)
    other = movement(experts[0], frozen, new, augment=augment, seed=5)
    assert other["loss"] != pytest.approx(moved["loss"], rel=1e-6)  # the seed matters


def test_the_shares_split_the_displacement(experts, data):
    frozen, new = (data.train_x[:9], data.train_y[:9]), (data.train_x[9:15], data.train_y[9:15])
    moved = movement(experts[0], frozen, new)
    assert moved["new_share"] + moved["frozen_share"] == pytest.approx(1.0, abs=1e-5)
    assert 0.0 < moved["new_share"] < 1.0
    window = (experts[0].params[2] - experts[0].params[1]).norm().item()
    assert moved["window_step"] == pytest.approx(window)
    assert moved["step_ratio"] == pytest.approx(moved["student_step"] / window)


def test_without_frozen_images_the_new_ones_do_all_the_moving(experts, data):
    empty = (data.train_x[:0], data.train_y[:0])
    moved = movement(experts[1], empty, (data.train_x[:6], data.train_y[:6]))
    assert moved["new_share"] == pytest.approx(1.0, abs=1e-5)
    assert moved["frozen_share"] == pytest.approx(0.0, abs=1e-5)


def test_new_images_the_batches_never_draw_push_nothing(experts, data):
    # 20 frozen images and one new one (pool index 20): a seed whose 2 batches of 5 miss it
    seed = next(
        s for s in range(100) if all((b < 20).all() for b in check.student_batches(21, 5, 2, s))
    )
    frozen, new = (data.train_x[:20], data.train_y[:20]), (data.train_x[20:21], data.train_y[20:21])
    moved = movement(experts[0], frozen, new, seed=seed, steps=2)
    assert moved["new_share"] == 0.0 and moved["frozen_share"] == pytest.approx(1.0, abs=1e-5)
    assert moved["student_step"] > 0.0


def test_a_student_that_stays_scores_one(experts, data):
    frozen, new = (data.train_x[:3], data.train_y[:3]), (data.train_x[3:6], data.train_y[3:6])
    moved = movement(experts[0], frozen, new, lr=0.0)
    assert moved["loss"] == pytest.approx(1.0)
    assert moved["student_step"] == 0.0 and moved["step_ratio"] == 0.0
    assert math.isnan(moved["new_share"])


def test_the_experts_own_seeds_reproduce_its_window_exactly(experts, data):
    expert = experts[1]
    for start, epochs in ((0, 2), (1, 2), (2, 1)):  # on one thread, as the experts trained
        floor = check.loss_floor(
            make_model, expert, start, epochs, data, EXPERT, seed=expert.seed, augment=None
        )
        assert floor == 0.0


def test_another_batch_order_lands_near_but_not_on_the_target(experts, data):
    floor = check.loss_floor(
        make_model, experts[0], 0, 2, data, EXPERT, seed=experts[0].seed + 1, augment=None
    )
    assert 0.0 < floor < 1.0


def test_window_accuracy_is_the_experts_recorded_curve(experts, data):
    curve = experts[0].metrics["val_curve"]  # entry e-1: after epoch e
    for epoch in (1, 3):
        accuracy = check.window_accuracy(make_model, experts[0], epoch, data.val_x, data.val_y)
        assert accuracy == curve[epoch - 1]


def test_the_rule_halves_the_distance_from_one_to_the_floor():
    assert check.learned(0.6, 0.2) and not check.learned(0.61, 0.2)
    assert check.learned(0.5, 0.0) and not check.learned(0.51, 0.0)
    assert not check.learned(0.99, 0.9)  # a high floor still asks for half the way down
    assert check.CLOSED_FRACTION == 0.5 and "(1 + floor) / 2" in check.LEARNED_RULE


def test_the_first_and_final_losses_are_the_means_of_the_first_and_last_ten_iterations():
    history = [{"iteration": i, "loss": float(i), "lr": 0.01} for i in range(12)]
    history.insert(5, {"iteration": 5, "val_acc": 99.0})  # a validation score, not a loss
    history.append({"iteration": 12, "val_acc": 50.0})
    assert check.LAST_ITERATIONS == 10
    assert check.final_loss(history) == pytest.approx(sum(range(2, 12)) / 10)
    assert check.first_loss(history) == pytest.approx(sum(range(10)) / 10)
    assert check.final_loss([{"loss": 0.4}, {"val_acc": 1.0}, {"loss": 0.6}]) == 0.5
    for loss in (check.final_loss, check.first_loss):
        with pytest.raises(ValueError, match="no iteration"):
            loss([{"val_acc": 3.0}])


def test_windows_are_distinct_seeded_and_within_range():
    windows = check.sample_windows(3, 4, 5, seed=0)
    assert len(set(windows)) == 5
    assert all(0 <= e < 3 and 0 <= t < 4 for e, t in windows)
    assert windows == check.sample_windows(3, 4, 5, seed=0)
    assert windows != check.sample_windows(3, 4, 5, seed=1)
    assert sorted(check.sample_windows(2, 2, 9, seed=0)) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def stages(data: Splits) -> list[SyntheticStage]:
    history = [{"iteration": i, "loss": 0.1 * i} for i in range(3)]
    return [
        SyntheticStage(data.train_x[:3], data.train_y[:3], 0.04, {"history": []}),
        SyntheticStage(data.train_x[3:9], data.train_y[3:9], 0.05, {"history": history}),
    ]


def test_a_progressive_stage_draws_from_the_earlier_ones(data):
    student = check.StageStudent.of(stages(data), 1)
    assert torch.equal(student.frozen_images, data.train_x[:3])
    assert torch.equal(student.images, data.train_x[3:9]) and student.lr == 0.05
    assert check.final_loss(student.history) == pytest.approx(0.1)
    alone = check.StageStudent.of(stages(data), 1, progressive=False)
    assert len(alone.frozen_images) == 0 and alone.frozen_images.shape[1:] == (1, 8, 8)


def test_stage_check_reports_every_window_and_the_stage_verdict(experts, data):
    student = check.StageStudent.of(stages(data), 1)
    windows = check.sample_windows(len(experts), CONFIG.max_start_epoch, 3, seed=0)
    rows = check.stage_check(
        student, experts, windows, data, EXPERT, make_model, CONFIG, augment=None, seed=0
    )
    assert [(r["window"], r["expert"], r["start_epoch"]) for r in rows] == [
        (k, e, t) for k, (e, t) in enumerate(windows)
    ]
    keys = "start_val_acc end_val_acc loss floor student_step window_step step_ratio new_share"
    assert all(set(keys.split()) | {"window", "expert", "start_epoch"} < set(r) for r in rows)
    for row in rows:
        curve = experts[row["expert"]].metrics["val_curve"]
        assert row["end_val_acc"] == curve[row["start_epoch"]]
        assert 0.0 < row["floor"] < 1.0 and 0.0 < row["new_share"] < 1.0
    mean_floor = sum(r["floor"] for r in rows) / len(rows)
    assert all(r["final_loss"] == pytest.approx(0.1) for r in rows)
    assert all(r["first_loss"] == pytest.approx(0.1) for r in rows)  # three iterations
    assert all(r["learned"] == (0.1 <= (1 + mean_floor) / 2) for r in rows)


def test_a_window_past_the_experts_end_is_refused(experts, data):
    student = check.StageStudent.of(stages(data), 1)
    with pytest.raises(ValueError, match="ends at epoch 4"):
        check.stage_check(
            student, experts, [(0, 3)], data, EXPERT, make_model, CONFIG, augment=None, seed=0
        )
