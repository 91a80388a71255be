"""A user's own dataset: an image folder (both layouts) and an .npz array file, written
here as tiny real files, prepared by the data stage's code into the same tensors as the
built-in datasets; and every kind of bad input refused with one error naming the file or
class, with nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from pdd.data import DataFileError, load_prepared, load_splits, prepare_dataset
from pdd.data.class_sizes import ClassNeeds, Draw
from pdd.data.prepare import UserSource

CLASSES = ("cat", "dog", "owl")


def write_image(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def grey(seed: int, size: tuple[int, int] = (8, 8)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=size[::-1], dtype=np.uint8)


def image_folder(root: Path, per_class: int = 6, splits: bool = False) -> Path:
    """Classes of 8x8 grey PNGs, pixel level by class, as <root>/<class>/ or train/ + test/."""
    for label, name in enumerate(CLASSES):
        for i in range(per_class):
            pixels = grey(100 * label + i) // 4 + 60 * label
            folder = root / ("test" if splits and i % 3 == 0 else "train") if splits else root
            write_image(folder / name / f"{i:03d}.png", pixels)
    return root


def prepare(name: str, source: Path, out: Path, **options) -> dict:
    needs = options.pop("needs", None)
    return prepare_dataset(
        name, out / "raw", out / "prepared", source=UserSource(source, **options), needs=needs
    )


def test_a_folder_with_splits_prepares_like_a_built_in_dataset(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)
    summary = prepare("folder", root, tmp_path)
    data = load_prepared("folder", tmp_path / "prepared")
    assert data["class_names"] == list(CLASSES) == summary["class_names"]
    assert data["train_x"].dtype == torch.uint8 and data["train_x"].shape == (12, 1, 8, 8)
    assert data["test_x"].shape == (6, 1, 8, 8)
    assert summary["train_per_class"] == [4, 4, 4] and summary["test_per_class"] == [2, 2, 2]
    assert summary["layout"].startswith("train/ and test/")
    # the statistics are the training split's, in [0, 1] units
    pixels = data["train_x"].double() / 255
    assert summary["mean"] == pytest.approx([pixels.mean().item()])
    assert summary["std"] == pytest.approx([pixels.std().item()])
    splits = load_splits("folder", tmp_path / "prepared", val_per_class=1, seed=0)
    assert splits.spec.num_classes == 3 and splits.spec.image_size == 8
    assert splits.spec.channels == 1 and splits.class_names == CLASSES
    assert splits.train_x.mean().abs() < 0.2  # normalised by its own statistics
    assert len(splits.val_y) == 3 and len(splits.train_y) == 9


def test_the_content_hash_depends_on_the_pixels_not_the_folder(tmp_path):
    first = prepare("folder", image_folder(tmp_path / "a", splits=True), tmp_path / "one")
    second = prepare("folder", image_folder(tmp_path / "b", splits=True), tmp_path / "two")
    assert first["content_sha256"] == second["content_sha256"]
    write_image(tmp_path / "b" / "train" / "cat" / "001.png", grey(999))
    third = prepare("folder", tmp_path / "b", tmp_path / "three")
    assert third["content_sha256"] != first["content_sha256"]


def test_one_folder_of_classes_is_split_seeded_and_stratified(tmp_path):
    root = image_folder(tmp_path / "images", per_class=10)
    summary = prepare("folder", root, tmp_path / "a", test_fraction=0.3, seed=1)
    assert summary["test_per_class"] == [3, 3, 3] and summary["train_per_class"] == [7, 7, 7]
    with open(tmp_path / "a" / "prepared" / "folder_files.csv") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == 30 and {row["split"] for row in listed} == {"train", "test"}
    again = prepare("folder", root, tmp_path / "b", test_fraction=0.3, seed=1)
    other = prepare("folder", root, tmp_path / "c", test_fraction=0.3, seed=2)
    assert again["content_sha256"] == summary["content_sha256"]
    assert other["content_sha256"] != summary["content_sha256"]


def test_one_colour_image_makes_the_dataset_rgb(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)
    colour = np.stack([grey(1), grey(2), grey(3)], axis=-1)
    write_image(root / "train" / "owl" / "colour.png", colour)
    summary = prepare("folder", root, tmp_path)
    data = load_prepared("folder", tmp_path / "prepared")
    assert data["train_x"].shape[1] == 3 and len(summary["mean"]) == 3
    grey_one = data["train_x"][0]  # cat/000.png: its one channel repeated
    assert torch.equal(grey_one[0], grey_one[1]) and torch.equal(grey_one[0], grey_one[2])


def test_mixed_sizes_need_image_size_which_resizes_them_all(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)
    odd = write_image(root / "train" / "dog" / "big.png", grey(5, (12, 10)))
    with pytest.raises(DataFileError, match="common.image_size") as caught:
        prepare("folder", root, tmp_path / "a")
    assert str(odd) in str(caught.value) and "8x8" in str(caught.value)
    assert not (tmp_path / "a" / "prepared").exists()
    summary = prepare("folder", root, tmp_path / "b", image_size=16)
    assert summary["image_shape"] == [1, 16, 16] and summary["resized"] == 19
    assert summary["original_sizes"] == {"12x10": 1, "8x8": 18}


def test_rectangular_images_need_image_size(tmp_path):
    root = tmp_path / "images"
    for name in CLASSES:
        for i in range(2):
            write_image(root / name / f"{i}.png", grey(i, (10, 6)))
    with pytest.raises(DataFileError, match="square"):
        prepare("folder", root, tmp_path)


def test_a_truncated_image_is_named_and_nothing_is_written(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)
    broken = root / "train" / "dog" / "002.png"
    broken.write_bytes(broken.read_bytes()[:60])
    with pytest.raises(DataFileError, match="not a readable image") as caught:
        prepare("folder", root, tmp_path)
    assert str(broken) in str(caught.value)
    assert not (tmp_path / "prepared").exists()


def test_a_file_that_is_not_an_image_is_named(tmp_path):
    root = image_folder(tmp_path / "images")
    notes = root / "owl" / "notes.txt"
    notes.write_text("not a picture")
    with pytest.raises(DataFileError, match="notes.txt"):
        prepare("folder", root, tmp_path)


def test_a_class_too_small_for_the_params_is_named_with_the_key(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)  # 4 train, 2 test per class
    needs = ClassNeeds(val_per_class=2, draws=(Draw("baselines.ipcs", 3),))
    with pytest.raises(DataFileError) as caught:
        prepare("folder", root, tmp_path, needs=needs)
    message = str(caught.value)
    assert "'cat'" in message and "baselines.ipcs: 3" in message
    assert "common.val_per_class 2" in message and "need 5 per class" in message
    assert not (tmp_path / "prepared").exists()
    shares = ClassNeeds(1, (Draw("buffers.examples_per_epoch", 12, balanced=True),))
    with pytest.raises(DataFileError, match="buffers.examples_per_epoch: 4"):
        prepare("folder", root, tmp_path, needs=shares)
    with pytest.raises(DataFileError, match="common.test_per_class"):
        prepare("folder", root, tmp_path, needs=ClassNeeds(1, (), test_per_class=5))
    assert prepare("folder", root, tmp_path, needs=ClassNeeds(1, (Draw("x", 3),)))


@pytest.mark.parametrize(
    "draw, classes, needed",
    [
        (Draw("a", 10), 3, 10),
        (Draw("a", 30, balanced=True), 3, 10),
        (Draw("a", 30, balanced=True, kept=0.2), 3, 48),  # 48 - round(38.4) = 10
        (Draw("a", 3, kept=0.2), 10, 13),
        (Draw("a", 5, kept=0.6), 10, 8),  # 8 - round(3.2) = 5
    ],
)
def test_a_draw_after_easy_dropping_needs_the_images_the_drop_leaves(draw, classes, needed):
    assert draw.train_needed(classes) == needed
    n = draw.train_needed(classes)
    share = draw.images // classes if draw.balanced else draw.images
    assert n - round((1 - draw.kept) * n) >= share > (n - 1) - round((1 - draw.kept) * (n - 1))


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda root: root.mkdir(), "no class folders"),
        (lambda root: write_image(root / "cat" / "0.png", grey(0)), "a single class"),
        (
            lambda root: [write_image(root / n / "0.png", grey(0)) for n in CLASSES],
            "at least 2",
        ),
        (lambda root: (root / "train").mkdir(parents=True), "test: missing"),
    ],
    ids=["empty folder", "single class", "class of one image", "train without test"],
)
def test_a_folder_that_cannot_be_a_dataset_gets_one_error(tmp_path, make, expected):
    root = tmp_path / "images"
    make(root)
    with pytest.raises(DataFileError, match=expected.replace("test: ", "")):
        prepare("folder", root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_class_folder_without_images_in_a_split_is_named(tmp_path):
    root = image_folder(tmp_path / "images", splits=True)
    for image in (root / "test" / "dog").iterdir():
        image.unlink()
    with pytest.raises(DataFileError, match="'dog' has no images"):
        prepare("folder", root, tmp_path / "out")


# ----------------------------------------------------------------------------- array file


def arrays(channels_last: bool = True, **changes) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    shape = (12, 8, 8, 3) if channels_last else (12, 3, 8, 8)
    found = {
        "x_train": rng.integers(0, 256, size=shape, dtype=np.uint8),
        "y_train": np.arange(12) % 3,
        "x_test": rng.integers(0, 256, size=(6, *shape[1:]), dtype=np.uint8),
        "y_test": np.arange(6) % 3,
        "class_names": np.array(CLASSES),
    }
    found.update(changes)
    return {key: value for key, value in found.items() if value is not None}


def write_npz(path: Path, content: dict) -> Path:
    np.savez(path, **content)
    return path


@pytest.mark.parametrize("channels_last", [True, False])
def test_an_array_file_prepares_in_either_channel_order(tmp_path, channels_last):
    content = arrays(channels_last)
    summary = prepare("npz", write_npz(tmp_path / "set.npz", content), tmp_path)
    data = load_prepared("npz", tmp_path / "prepared")
    assert data["train_x"].shape == (12, 3, 8, 8) and summary["class_names"] == list(CLASSES)
    first = content["x_train"][0]
    expected = first.transpose(2, 0, 1) if channels_last else first
    assert np.array_equal(data["train_x"][0].numpy(), expected)
    splits = load_splits("npz", tmp_path / "prepared", val_per_class=1, seed=0)
    assert splits.spec.channels == 3 and splits.spec.num_classes == 3


def test_an_array_file_without_class_names_numbers_its_classes(tmp_path):
    path = write_npz(tmp_path / "set.npz", arrays(class_names=None))
    assert prepare("npz", path, tmp_path)["class_names"] == ["0", "1", "2"]


def test_an_array_file_is_resized_by_image_size(tmp_path):
    path = write_npz(tmp_path / "set.npz", arrays())
    summary = prepare("npz", path, tmp_path, image_size=16)
    assert summary["image_shape"] == [3, 16, 16] and summary["resized"] == 18


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"y_test": np.array([0, 1, 2, 3, 0, 1])}, "y_test: label out of range"),
        ({"y_train": np.arange(12) % 3 - 1}, "y_train: label out of range"),
        ({"y_train": (np.arange(12) % 3).astype(float)}, "integer labels"),
        ({"y_test": np.arange(5) % 3}, r"y_test has shape \(5,\)"),
        ({"x_train": np.zeros((12, 8, 8, 3), dtype=np.float32)}, "expected uint8"),
        ({"x_test": np.zeros((6, 8, 8, 2), dtype=np.uint8)}, "x_test has shape"),
        ({"x_test": np.zeros((6, 10, 10, 3), dtype=np.uint8)}, "x_test"),
        ({"y_train": np.arange(12) % 2}, r"class\(es\) \[2\] have no images"),
        ({"class_names": np.array(["one"]), "y_train": np.zeros(12, int)}, "a single class"),
        ({"x_test": None}, "lacks x_test"),
    ],
    ids=[
        "test label too large",
        "negative label",
        "float labels",
        "labels do not match images",
        "float pixels",
        "two channels",
        "train and test sizes differ",
        "a class without training images",
        "a single class",
        "missing key",
    ],
)
def test_a_bad_array_file_gets_one_error_naming_it(tmp_path, changes, expected):
    path = write_npz(tmp_path / "set.npz", arrays(**changes))
    with pytest.raises(DataFileError, match=expected) as caught:
        prepare("npz", path, tmp_path / "out")
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_an_npz_is_named(tmp_path):
    path = tmp_path / "set.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataFileError, match="not a readable .npz"):
        prepare("npz", path, tmp_path / "out")
