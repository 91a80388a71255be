"""End to end on a user's own images: scikit-learn's handwritten digits (1,797 real 8x8
scans, shipped with the package) exported here as a folder of PNGs, one folder per class,
then every stage of the smoke profile in a scratch copy, as `make smoke` runs them. The
data stage splits the folder into train and test; the networks adapt to 8 px."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from pdd.config import stages as registry
from pdd.config.params import load_params
from pdd.pipeline.smoke import run_all, scratch_copy

pytestmark = pytest.mark.slow


def export_digits(root: Path) -> Path:
    """<root>/<digit>/<index>.png, 8-bit grey (the scans' 0-16 levels scaled to 0-255)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = np.rint(digits.images * 255 / 16).astype(np.uint8)
    for index, (image, label) in enumerate(zip(pixels, digits.target, strict=True)):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{index:04d}.png")
    return root


def use_own_data(repo: Path, images: Path) -> None:
    """Point the copy's params at the folder. Digits are not mirror images (no flips); a
    class has ~36 test and ~144 training images, so the smoke profile scores 30 test images
    per class and draws less: 80 % easy-example dropping leaves ~25 training images a class
    for the later stages, and their transition trajectories take 10 a class per epoch."""
    params_file = repo / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["common"] |= {"dataset": "folder", "data_path": str(images), "test_fraction": 0.2}
    params["eval"]["dsa_flip"] = False
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    overlay_file = repo / "profiles" / "smoke.yaml"
    overlay = yaml.safe_load(overlay_file.read_text())
    overlay["common"] |= {"test_per_class": 30, "val_per_class": 20}
    overlay["buffers"]["examples_per_epoch"] = 100
    overlay_file.write_text(yaml.safe_dump(overlay, sort_keys=False))


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("own-data")
    images = export_digits(base / "digits")
    repo = scratch_copy(base / "repo")
    use_own_data(repo, images)
    assert run_all(repo, jobs=2) == 0, "see the stage logs in the copy's logs/"
    return repo


def test_the_data_stage_records_the_folder_classes_and_hash(digits_run):
    summary = json.loads((digits_run / "reports" / "data" / "summary.json").read_text())
    assert summary["name"] == "folder" and summary["image_shape"] == [1, 8, 8]
    assert summary["class_names"] == [str(digit) for digit in range(10)]
    assert summary["train_count"] + summary["test_count"] == 1797
    assert min(summary["test_per_class"]) >= 30 and len(summary["content_sha256"]) == 64
    assert summary["original_sizes"] == {"8x8": 1797} and len(summary["mean"]) == 1
    listed = (digits_run / "data" / "prepared" / "folder_files.csv").read_text().splitlines()
    assert len(listed) == 1 + 1797


def test_every_stage_ran_and_published_finite_scores(digits_run):
    params = load_params(digits_run / "params.yaml")
    for name, stage, item in registry.expanded(params):
        assert (digits_run / stage.published(item)).is_dir(), name
    metrics = json.loads((digits_run / "reports" / "evaluate" / "metrics.json").read_text())
    numbers = list(_numbers(metrics))
    assert numbers and all(math.isfinite(n) for n in numbers)


def _numbers(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _numbers(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _numbers(inner)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield float(value)
