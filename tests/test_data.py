"""The data layer on tiny files written here in the real formats, plus one test on the
real Fashion-MNIST mirror when one is configured. Nothing here downloads."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import pickle
import struct
import tarfile
import urllib.request
import zipfile

import numpy as np
import pytest
import torch

from pdd.data import (
    ZCA,
    DataFileError,
    RemoteFile,
    get_spec,
    load_prepared,
    load_splits,
    materialize,
    prepare_dataset,
    read_cifar,
    read_idx,
    read_tiny_imagenet,
    registry,
    sample_per_class,
    stratified_split,
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tests must never download")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_idx(path, array, *, compress=False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return hashlib.md5(data).hexdigest()


# ----------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "x.idx", images, compress=compress)
    assert np.array_equal(read_idx(tmp_path / "x.idx"), images)


def test_idx_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(DataFileError, match="bad.idx.*magic"):
        read_idx(path)


def test_idx_truncated_payload(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(idx_bytes(np.zeros((4, 4), np.uint8))[:-3])
    with pytest.raises(DataFileError, match="short.idx.*payload"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((50, 50), np.uint8)))[:30])
    with pytest.raises(DataFileError, match="cut.gz"):
        read_idx(path)


# ----------------------------------------------------------------------------- CIFAR


def cifar_member(n, labels_key, seed):
    rng = np.random.default_rng(seed)
    return {
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        labels_key: list(rng.integers(0, 10, n)),
    }


def write_cifar(root, variant):
    if variant == "cifar10":
        folder, key, names_key = "cifar-10-batches-py", b"labels", b"label_names"
        members = {f"data_batch_{i}": cifar_member(2, key, i) for i in range(1, 6)}
        members["test_batch"] = cifar_member(3, key, 9)
        members["batches.meta"] = {names_key: [f"c{i}".encode() for i in range(10)]}
    else:
        folder, key, names_key = "cifar-100-python", b"fine_labels", b"fine_label_names"
        members = {"train": cifar_member(4, key, 1), "test": cifar_member(3, key, 2)}
        members["meta"] = {names_key: [f"c{i}".encode() for i in range(100)]}
    (root / folder).mkdir(parents=True)
    for name, content in members.items():
        (root / folder / name).write_bytes(pickle.dumps(content))
    archive = root / f"{variant}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / folder, arcname=folder)
    return members, archive


@pytest.mark.parametrize("variant", ["cifar10", "cifar100"])
@pytest.mark.parametrize("packed", [True, False])
def test_cifar_readers(tmp_path, variant, packed):
    members, archive = write_cifar(tmp_path, variant)
    train_x, train_y, test_x, test_y, names = read_cifar(archive if packed else tmp_path, variant)
    assert train_x.shape == ((10, 3, 32, 32) if variant == "cifar10" else (4, 3, 32, 32))
    assert test_x.shape == (3, 3, 32, 32) and test_y.dtype == np.int64
    first = members["data_batch_1" if variant == "cifar10" else "train"][b"data"][0]
    # a row is the red plane, then green, then blue
    assert np.array_equal(train_x[0, 1], first[1024:2048].reshape(32, 32))
    assert names[3] == "c3"


def test_cifar_label_out_of_range(tmp_path):
    members, _ = write_cifar(tmp_path, "cifar10")
    members["test_batch"][b"labels"][0] = 10
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(
        pickle.dumps(members["test_batch"])
    )
    with pytest.raises(DataFileError, match="label out of range"):
        read_cifar(tmp_path, "cifar10")


# ----------------------------------------------------------------------------- Tiny-ImageNet


def write_tiny(root):
    from PIL import Image

    base = root / "tiny-imagenet-200"
    wnids = ["n01", "n02"]
    (base / "val" / "images").mkdir(parents=True)
    (base / "wnids.txt").write_text("\n".join(wnids) + "\n")
    (base / "words.txt").write_text("n01\tgoldfish, fish\nn02\tcat\n")
    rng = np.random.default_rng(0)
    for wnid in wnids:
        (base / "train" / wnid / "images").mkdir(parents=True)
        for k in range(2):
            pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(base / "train" / wnid / "images" / f"{wnid}_{k}.JPEG")
    lines = []
    for k, wnid in enumerate(["n02", "n01", "n02"]):
        Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(
            base / "val" / "images" / f"v{k}.JPEG"
        )
        lines.append(f"v{k}.JPEG\t{wnid}\t0\t0\t10\t10")
    (base / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    archive = root / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(base.rglob("*")):
            packed.write(path, path.relative_to(root).as_posix())
    return archive


@pytest.mark.parametrize("packed", [True, False])
def test_tiny_imagenet_reader(tmp_path, packed):
    archive = write_tiny(tmp_path)
    train_x, train_y, test_x, test_y, names = read_tiny_imagenet(archive if packed else tmp_path)
    assert train_x.shape == (4, 3, 64, 64) and train_x.dtype == np.uint8
    assert train_y.tolist() == [0, 0, 1, 1]
    assert test_y.tolist() == [1, 0, 1] and test_x.shape == (3, 3, 64, 64)
    assert names == ["goldfish", "cat"]


# ----------------------------------------------------------------------------- fetching


def tiny_spec(tmp_path):
    """A 2-class IDX dataset written into a mirror folder, with its real checksums."""
    mirror = tmp_path / "mirror" / "tiny"
    mirror.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(20) % 2,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(6) % 2,
    }
    files = tuple(
        RemoteFile(
            f"{stem}.gz",
            f"https://example.invalid/{stem}.gz",
            write_idx(mirror / f"{stem}.gz", array, compress=True),
            "decompressed",
        )
        for stem, array in arrays.items()
    )
    spec = dataclasses.replace(
        get_spec("mnist"), name="tiny", num_classes=2, files=files, class_names=("a", "b")
    )
    return spec, tmp_path / "mirror"


def test_materialize_copies_from_the_mirror_then_reuses(tmp_path):
    spec, mirror = tiny_spec(tmp_path)
    paths = materialize(spec, tmp_path / "raw", mirror, allow_download=False)
    assert all(p.parent == tmp_path / "raw" / "tiny" and p.is_file() for p in paths.values())
    again = materialize(spec, tmp_path / "raw", None, allow_download=False)  # already present
    assert again == paths


def test_wrong_checksum_in_mirror_is_reported(tmp_path):
    spec, mirror = tiny_spec(tmp_path)
    (mirror / "tiny" / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.ones(6)))
    )
    with pytest.raises(DataFileError) as caught:
        materialize(spec, tmp_path / "raw", mirror, allow_download=False)
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "checksum mismatch" in message
    assert "PDD_DATA_MIRROR" in message
    assert not (tmp_path / "raw" / "tiny" / "t10k-labels-idx1-ubyte.gz").exists()


def test_missing_everywhere_names_the_file(tmp_path):
    spec, _ = tiny_spec(tmp_path)
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte.gz.*PDD_DATA_MIRROR"):
        materialize(spec, tmp_path / "raw", tmp_path / "nowhere", allow_download=False)


def test_corrupt_local_copy_is_replaced_from_the_mirror(tmp_path):
    spec, mirror = tiny_spec(tmp_path)
    local = tmp_path / "raw" / "tiny" / spec.files[0].name
    local.parent.mkdir(parents=True)
    local.write_bytes(b"garbage")
    materialize(spec, tmp_path / "raw", mirror, allow_download=False)
    assert local.read_bytes() == (mirror / "tiny" / spec.files[0].name).read_bytes()


def test_prepare_and_load_splits(tmp_path, monkeypatch):
    spec, mirror = tiny_spec(tmp_path)
    monkeypatch.setitem(registry.DATASETS, "tiny", spec)
    summary = prepare_dataset("tiny", tmp_path / "raw", tmp_path / "prepared", mirror, False)
    assert summary["train_per_class"] == [10, 10] and summary["test_count"] == 6
    prepared = load_prepared("tiny", tmp_path / "prepared")
    assert prepared["train_x"].dtype == torch.uint8 and prepared["train_x"].shape == (20, 1, 28, 28)
    splits = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0)
    assert len(splits.val_y) == 6 and torch.bincount(splits.val_y).tolist() == [3, 3]
    assert len(splits.train_y) == 14 and splits.train_x.dtype == torch.float32
    expected = (prepared["test_x"].float() / 255 - spec.mean[0]) / spec.std[0]
    assert torch.allclose(splits.test_x, expected)


def test_missing_prepared_file_says_how_to_make_it(tmp_path):
    with pytest.raises(DataFileError, match="dvc repro data"):
        load_prepared("fashion-mnist", tmp_path)


# ----------------------------------------------------------------------------- splits and ZCA


def test_stratified_split_is_deterministic_balanced_and_disjoint():
    labels = torch.arange(100) % 4
    train, val = stratified_split(labels, 5, seed=0)
    again, other = stratified_split(labels, 5, seed=0), stratified_split(labels, 5, seed=1)
    assert torch.equal(val, again[1]) and not torch.equal(val, other[1])
    assert torch.bincount(labels[val]).tolist() == [5, 5, 5, 5]
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(100))


def test_sample_per_class_refuses_too_many():
    with pytest.raises(ValueError, match="class 1"):
        sample_per_class(torch.tensor([0, 0, 1]), 2, torch.Generator().manual_seed(0))


def test_zca_whitens_inverts_and_round_trips(tmp_path):
    generator = torch.Generator().manual_seed(0)
    mixing = torch.randn(16, 16, generator=generator)
    x = (torch.randn(4000, 16, generator=generator) @ mixing).view(-1, 1, 4, 4)
    zca = ZCA.fit(x, regularization=1e-6)
    white = zca.transform(x).flatten(1)
    covariance = torch.cov(white.T)
    assert torch.allclose(covariance, torch.eye(16), atol=0.05)
    assert torch.allclose(zca.inverse(zca.transform(x)), x, atol=1e-3)
    torch.save(zca.state_dict(), tmp_path / "zca.pt")
    loaded = ZCA.from_state_dict(torch.load(tmp_path / "zca.pt", weights_only=True))
    assert torch.equal(loaded.transform(x), zca.transform(x))


# ----------------------------------------------------------------------------- the real mirror


def test_real_fashion_mnist_from_the_mirror(tmp_path, data_mirror):
    summary = prepare_dataset(
        "fashion-mnist", tmp_path / "raw", tmp_path / "prep", data_mirror, False
    )
    assert summary["train_count"] == 60_000 and summary["test_count"] == 10_000
    assert summary["train_per_class"] == [6000] * 10 and summary["test_per_class"] == [1000] * 10
    labels = load_prepared("fashion-mnist", tmp_path / "prep")["train_y"][:10].tolist()
    assert labels == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
