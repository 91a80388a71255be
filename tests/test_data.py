"""The data layer, on tiny files written here in the real on-disk formats, plus one test on
the real Fashion-MNIST mirror when PDD_DATA_MIRROR is set. Nothing here touches the network:
`urlopen` is replaced for every test, by a refusal or by an in-memory fake."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from pdd.data import (
    DATASET_NAMES,
    ZCA,
    DataFileError,
    RemoteFile,
    class_indices,
    denormalize,
    get_spec,
    load_prepared,
    load_splits,
    materialize,
    mirror_from_env,
    normalize,
    prepare_dataset,
    read_cifar,
    read_idx,
    read_tiny_imagenet,
    registry,
    sample_per_class,
    stratified_split,
)
from pdd.data.checksum import md5_of
from pdd.data.prepare import main as prepare_main


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tests must never download")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def idx_bytes(array: np.ndarray, code: int = 0x08, dtype: str = "u1") -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array).astype(dtype).tobytes()


# ----------------------------------------------------------------------------- registry


def test_registry_and_unknown_name():
    assert DATASET_NAMES[0] == "fashion-mnist"
    assert set(DATASET_NAMES) == {"fashion-mnist", "mnist", "cifar10", "cifar100", "tiny-imagenet"}
    fashion = get_spec("fashion-mnist")
    assert fashion.class_names[9] == "Ankle boot" and fashion.mean == (0.2861,)
    assert all(f.checksum_of == "decompressed" for f in fashion.files)
    assert get_spec("tiny-imagenet").num_classes == 200 and get_spec("cifar100").class_names == ()
    with pytest.raises(ValueError, match="'svhn'.*fashion-mnist.*tiny-imagenet"):
        get_spec("svhn")


# ----------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip_raw_and_gzipped(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    wide = np.array([[-2, 300], [7, -30000]], dtype=np.int16)  # big-endian on disk
    for name, array, code, dtype in (("u8", images, 0x08, "u1"), ("i16", wide, 0x0B, ">i2")):
        data = idx_bytes(array, code, dtype)
        (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
        got = read_idx(tmp_path / name)
        assert np.array_equal(got, array) and got.dtype == array.dtype


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x12\x34\x08\x01" + b"\x00" * 8, "magic"),
        (b"\x00\x00\x42\x01" + b"\x00" * 8, "type code"),
        (idx_bytes(np.zeros((4, 4), np.uint8))[:-3], "payload"),
        (b"\x00\x00\x08\x03\x00", "header truncated"),
    ],
)
def test_idx_malformed_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad-file.idx"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=f"bad-file.idx.*{message}"):
        read_idx(path)


def test_truncated_gzip_is_a_data_file_error(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(2500).reshape(50, 50) % 251))[:40])
    with pytest.raises(DataFileError, match="cut.gz"):
        read_idx(path)
    with pytest.raises(DataFileError, match="cut.gz"):
        md5_of(path, decompressed=True)


# ----------------------------------------------------------------------------- CIFAR


def cifar_batch(n: int, key: bytes, num_classes: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        key: [int(v) for v in rng.integers(0, num_classes, n)],
        b"filenames": [f"img{i}.png".encode() for i in range(n)],
    }


def write_cifar(root: Path, variant: str) -> tuple[dict, Path]:
    """The official layout, as a folder under `root` and packed as `root/<variant>.tar.gz`."""
    if variant == "cifar10":
        folder, key, names_key, k = "cifar-10-batches-py", b"labels", b"label_names", 10
        members = {f"data_batch_{i}": cifar_batch(2, key, k, i) for i in range(1, 6)}
        members["test_batch"] = cifar_batch(3, key, k, 9)
        members["batches.meta"] = {names_key: [f"c{i}".encode() for i in range(k)]}
    else:
        folder, key, names_key, k = "cifar-100-python", b"fine_labels", b"fine_label_names", 100
        members = {"train": cifar_batch(4, key, k, 1), "test": cifar_batch(3, key, k, 2)}
        members["meta"] = {names_key: [f"c{i}".encode() for i in range(k)]}
    (root / folder).mkdir(parents=True, exist_ok=True)
    for name, content in members.items():
        (root / folder / name).write_bytes(pickle.dumps(content))
    archive = root / f"{variant}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / folder, arcname=folder)
    return members, archive


@pytest.mark.parametrize("variant", ["cifar10", "cifar100"])
@pytest.mark.parametrize("packed", [True, False])
def test_cifar_reader(tmp_path, variant, packed):
    members, archive = write_cifar(tmp_path, variant)
    train_x, train_y, test_x, test_y, names = read_cifar(archive if packed else tmp_path, variant)
    train_names = [n for n in members if n.startswith("data_batch")] or ["train"]
    test_name, key = ("test_batch", b"labels") if variant == "cifar10" else ("test", b"fine_labels")
    rows = np.concatenate([members[n][b"data"] for n in train_names])
    assert train_x.shape == (len(rows), 3, 32, 32) and train_x.dtype == np.uint8
    assert test_x.shape == (3, 3, 32, 32) and test_y.dtype == np.int64
    # a row is the red 32x32 plane, then green, then blue, each row-major
    for channel in range(3):
        plane = rows[:, 1024 * channel : 1024 * (channel + 1)].reshape(-1, 32, 32)
        assert np.array_equal(train_x[:, channel], plane)
    assert train_y.tolist() == sum((members[n][key] for n in train_names), [])
    assert test_y.tolist() == members[test_name][key]
    assert names[:3] == ["c0", "c1", "c2"] and len(names) == (10 if variant == "cifar10" else 100)


def test_cifar100_label_out_of_range_names_the_member(tmp_path):
    members, _ = write_cifar(tmp_path, "cifar100")
    members["test"][b"fine_labels"][1] = 100
    (tmp_path / "cifar-100-python" / "test").write_bytes(pickle.dumps(members["test"]))
    with pytest.raises(DataFileError, match=r"cifar-100-python/test.*label out of range"):
        read_cifar(tmp_path, "cifar100")


def test_cifar_refuses_foreign_pickles_and_missing_members(tmp_path):
    write_cifar(tmp_path, "cifar10")
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(pickle.dumps({b"data": os.getcwd}))  # a global it must not load
    with pytest.raises(DataFileError, match="data_batch_3.*refusing"):
        read_cifar(tmp_path, "cifar10")
    batch.unlink()
    with pytest.raises(DataFileError, match="data_batch_3"):
        read_cifar(tmp_path, "cifar10")
    with tarfile.open(tmp_path / "partial.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    with pytest.raises(DataFileError, match="partial.tar.gz.*no member.*data_batch_3"):
        read_cifar(tmp_path / "partial.tar.gz", "cifar10")


def test_truncated_cifar_archive_is_a_data_file_error(tmp_path):
    _, archive = write_cifar(tmp_path, "cifar10")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:2000])
    with pytest.raises(DataFileError, match="cut.tar.gz"):
        read_cifar(cut, "cifar10")


# ----------------------------------------------------------------------------- Tiny-ImageNet


def write_tiny_imagenet(root: Path, val_wnids=("n02", "n01", "n02")) -> Path:
    from PIL import Image

    base = root / "tiny-imagenet-200"
    (base / "val" / "images").mkdir(parents=True)
    (base / "wnids.txt").write_text("n01\nn02\n")
    (base / "words.txt").write_text("n00\tentity\nn01\tgoldfish, Carassius auratus\nn02\tcat\n")
    for label, wnid in enumerate(["n01", "n02"]):
        (base / "train" / wnid / "images").mkdir(parents=True)
        (base / "train" / wnid / f"{wnid}_boxes.txt").write_text("ignored\n")
        for k in range(2):  # flat colours survive JPEG almost exactly
            pixels = np.full((64, 64, 3), (40 + 100 * label, 10 * k, 200), np.uint8)
            Image.fromarray(pixels).save(base / "train" / wnid / "images" / f"{wnid}_{k}.JPEG")
    lines = []
    for k, wnid in enumerate(val_wnids):
        Image.fromarray(np.zeros((64, 64), np.uint8)).save(base / "val" / "images" / f"v{k}.JPEG")
        lines.append(f"v{k}.JPEG\t{wnid}\t0\t0\t10\t10")
    (base / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    archive = root / "tiny-imagenet-200.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(base.rglob("*")):
            packed.write(path, path.relative_to(root).as_posix())
    return archive


@pytest.mark.parametrize("packed", [True, False])
def test_tiny_imagenet_reader(tmp_path, packed):
    archive = write_tiny_imagenet(tmp_path)
    train_x, train_y, test_x, test_y, names = read_tiny_imagenet(archive if packed else tmp_path)
    assert train_x.shape == (4, 3, 64, 64) and train_x.dtype == np.uint8
    assert train_y.tolist() == [0, 0, 1, 1] and train_y.dtype == np.int64
    assert np.abs(train_x[2, :, 5, 5].astype(int) - [140, 0, 200]).max() <= 3  # channel order
    assert test_x.shape == (3, 3, 64, 64) and test_y.tolist() == [1, 0, 1]
    assert names == ["goldfish", "cat"]


def test_tiny_imagenet_unknown_class_is_reported(tmp_path):
    archive = write_tiny_imagenet(tmp_path, val_wnids=("n01", "n99"))
    with pytest.raises(DataFileError, match="val_annotations.txt.*line 2"):
        read_tiny_imagenet(archive)


# ----------------------------------------------------------------------------- fetching


def tiny_idx_spec(tmp_path: Path, name: str = "tiny") -> tuple:
    """A 2-class IDX dataset (gzipped into `mirror/<name>/`) and a spec with its checksums."""
    folder = tmp_path / "mirror" / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(20) % 2,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(6) % 2,
    }
    files = []
    for stem, array in arrays.items():
        content = idx_bytes(array)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(content))
        files.append(RemoteFile(f"{stem}.gz", f"https://example.invalid/{stem}.gz", md5(content)))
        files[-1] = dataclasses.replace(files[-1], checksum_of="decompressed")
    spec = dataclasses.replace(
        get_spec("mnist"), name=name, num_classes=2, files=tuple(files), class_names=("a", "b")
    )
    return spec, tmp_path / "mirror"


def test_materialize_copies_from_the_mirror_then_uses_the_local_copy(tmp_path):
    spec, mirror = tiny_idx_spec(tmp_path)
    paths = materialize(spec, tmp_path / "raw", mirror, allow_download=False)
    assert set(paths) == {f.name for f in spec.files}
    for name, path in paths.items():
        assert path == tmp_path / "raw" / "tiny" / name
        assert path.read_bytes() == (mirror / "tiny" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "raw" / "tiny").iterdir()) == sorted(paths)
    assert materialize(spec, tmp_path / "raw", None, allow_download=False) == paths


def test_wrong_checksum_in_the_mirror(tmp_path):
    spec, mirror = tiny_idx_spec(tmp_path)
    (mirror / "tiny" / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"not it"))
    with pytest.raises(DataFileError) as caught:
        materialize(spec, tmp_path / "raw", mirror, allow_download=False)
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "PDD_DATA_MIRROR" in message
    assert f"expected md5 {spec.files[3].md5}, got {md5(b'not it')}" in message
    assert "\n" not in message
    leftovers = sorted(p.name for p in (tmp_path / "raw" / "tiny").iterdir())
    assert leftovers == sorted(f.name for f in spec.files[:3])  # no corrupt or temp file


def test_corrupt_local_copy(tmp_path):
    spec, mirror = tiny_idx_spec(tmp_path)
    local = tmp_path / "raw" / "tiny" / spec.files[0].name
    local.parent.mkdir(parents=True)
    local.write_bytes(gzip.compress(b"garbage"))
    with pytest.raises(DataFileError, match=f"{local}.*failed its checksum: expected md5"):
        materialize(spec, tmp_path / "raw", None, allow_download=False)
    materialize(spec, tmp_path / "raw", mirror, allow_download=False)  # the mirror repairs it
    assert local.read_bytes() == (mirror / "tiny" / spec.files[0].name).read_bytes()


def test_missing_everywhere_names_the_file_and_the_remedies(tmp_path):
    spec, _ = tiny_idx_spec(tmp_path)
    with pytest.raises(DataFileError) as caught:
        materialize(spec, tmp_path / "raw", tmp_path / "nowhere", allow_download=False)
    message = str(caught.value)
    assert str(tmp_path / "raw" / "tiny" / "train-images-idx3-ubyte.gz") in message
    assert "PDD_DATA_MIRROR" in message and "https://example.invalid/" in message


class FakeResponse(io.BytesIO):
    headers: dict = {}


def test_download_is_verified_and_lands_atomically(tmp_path, monkeypatch):
    payload = idx_bytes(np.arange(6) % 2)
    remote = RemoteFile("labels.gz", "https://example.invalid/labels.gz", md5(payload))
    remote = dataclasses.replace(remote, checksum_of="decompressed")
    spec = dataclasses.replace(get_spec("mnist"), name="dl", files=(remote,))
    urls = []

    def fake_urlopen(url, timeout):
        urls.append(url)
        return FakeResponse(gzip.compress(payload))

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    paths = materialize(spec, tmp_path / "raw", None, allow_download=True)
    assert urls == [remote.url] and read_idx(paths["labels.gz"]).tolist() == [0, 1, 0, 1, 0, 1]

    def offline(url, timeout):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataFileError, match="example.invalid/labels.gz.*no route to host"):
        materialize(spec, tmp_path / "elsewhere", None, allow_download=True)
    assert list((tmp_path / "elsewhere" / "dl").iterdir()) == []


def test_mirror_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PDD_DATA_MIRROR", str(tmp_path))
    assert mirror_from_env() == tmp_path
    monkeypatch.delenv("PDD_DATA_MIRROR")
    assert mirror_from_env() is None


# ----------------------------------------------------------------------------- prepare


def test_prepare_idx_dataset_and_load_splits(tmp_path, monkeypatch):
    spec, mirror = tiny_idx_spec(tmp_path)
    monkeypatch.setitem(registry.DATASETS, "tiny", spec)
    summary = prepare_dataset("tiny", tmp_path / "raw", tmp_path / "prepared", mirror, False)
    assert summary["train_count"] == 20 and summary["test_count"] == 6
    assert summary["train_per_class"] == [10, 10] and summary["image_shape"] == [1, 28, 28]
    assert summary["md5"] == {f.name: f.md5 for f in spec.files}
    json.dumps(summary)  # JSON-ready
    data = load_prepared("tiny", tmp_path / "prepared")
    assert data["train_x"].dtype == torch.uint8 and data["train_x"].shape == (20, 1, 28, 28)
    assert data["train_y"].dtype == torch.int64 and data["class_names"] == ["a", "b"]
    assert [p.name for p in (tmp_path / "prepared").iterdir()] == ["tiny.pt"]

    splits = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0)
    assert splits.train_x.shape == (14, 1, 28, 28) and splits.val_x.shape == (6, 1, 28, 28)
    assert splits.train_x.dtype == torch.float32 and splits.class_names == ("a", "b")
    assert torch.bincount(splits.val_y).tolist() == [3, 3] and splits.zca is None
    expected = (data["test_x"].float() / 255 - spec.mean[0]) / spec.std[0]
    assert torch.allclose(splits.test_x, expected)
    assert torch.allclose(denormalize(splits.test_x, spec), data["test_x"].float() / 255, atol=1e-6)
    train_idx, val_idx = stratified_split(data["train_y"], 3, 0)
    assert torch.equal(splits.val_x, normalize(data["train_x"][val_idx], spec))

    whitened = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0, zca=True)
    assert whitened.zca is not None and whitened.train_x.shape == splits.train_x.shape
    back = denormalize(whitened.test_x, spec, whitened.zca)
    assert torch.allclose(back, data["test_x"].float() / 255, atol=1e-3)


def test_prepare_cifar_and_tiny_imagenet_archives(tmp_path, monkeypatch):
    for name, folder in (("cifar10", "c10"), ("tiny-imagenet", "tin")):
        mirror = tmp_path / folder / "mirror" / name
        mirror.mkdir(parents=True)
        if name == "cifar10":
            _, archive = write_cifar(tmp_path / folder, "cifar10")
        else:
            archive = write_tiny_imagenet(tmp_path / folder)
        spec = get_spec(name)
        copy = mirror / spec.files[0].name
        copy.write_bytes(archive.read_bytes())
        remote = dataclasses.replace(spec.files[0], md5=md5(copy.read_bytes()))
        num_classes = 2 if name == "tiny-imagenet" else spec.num_classes
        spec = dataclasses.replace(spec, files=(remote,), num_classes=num_classes)
        monkeypatch.setitem(registry.DATASETS, name, spec)
        raw, prepared = tmp_path / folder / "raw", tmp_path / folder / "prepared"
        summary = prepare_dataset(name, raw, prepared, mirror.parent, allow_download=False)
        size = spec.image_size
        assert summary["image_shape"] == [3, size, size]
        data = load_prepared(name, prepared)
        assert data["train_x"].shape[1:] == (3, size, size) and len(data["test_y"]) == 3
    assert summary["class_names"] == ["goldfish", "cat"]


def test_load_prepared_missing_or_broken(tmp_path):
    with pytest.raises(DataFileError, match=r"fashion-mnist.pt.*dvc repro data.*pdd.data.prepare"):
        load_prepared("fashion-mnist", tmp_path)
    (tmp_path / "mnist.pt").write_bytes(b"not a torch file")
    with pytest.raises(DataFileError, match="mnist.pt.*cannot be loaded"):
        load_prepared("mnist", tmp_path)


def test_prepare_cli(tmp_path, monkeypatch, capsys):
    spec, mirror = tiny_idx_spec(tmp_path, name="fashion-mnist")
    monkeypatch.setitem(registry.DATASETS, "fashion-mnist", spec)
    monkeypatch.delenv("PDD_DATA_MIRROR", raising=False)
    common = ["--raw-dir", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--no-download"]
    assert prepare_main(["--dataset", "fashion-mnist", *common]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "PDD_DATA_MIRROR" in err
    assert prepare_main(["--dataset", "fashion-mnist", "--mirror", str(mirror), *common]) == 0
    assert json.loads(capsys.readouterr().out)["train_count"] == 20
    assert (tmp_path / "out" / "fashion-mnist.pt").is_file()


# ----------------------------------------------------------------------------- splits


def test_stratified_split():
    labels = torch.arange(103) % 4
    train, val = stratified_split(labels, 5, seed=0)
    same, other = stratified_split(labels, 5, seed=0), stratified_split(labels, 5, seed=1)
    assert torch.equal(train, same[0]) and torch.equal(val, same[1])
    assert not torch.equal(val, other[1])
    assert torch.bincount(labels[val]).tolist() == [5, 5, 5, 5]
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(103))
    assert torch.equal(train, train.sort().values) and torch.equal(val, val.sort().values)
    with pytest.raises(ValueError, match="class 3 has 25 examples, 26 requested"):
        stratified_split(labels, 26, seed=0)


def test_class_indices_and_sample_per_class():
    labels = torch.tensor([2, 0, 2, 1, 0, 2])
    assert [c.tolist() for c in class_indices(labels, 4)] == [[1, 4], [3], [0, 2, 5], []]
    picked = sample_per_class(labels, 1, torch.Generator().manual_seed(0))
    assert labels[picked].tolist() == [0, 1, 2]
    picked = sample_per_class(torch.arange(40) % 4, 3, torch.Generator().manual_seed(0))
    assert (torch.arange(40) % 4)[picked].tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert len(set(picked.tolist())) == 12
    with pytest.raises(ValueError, match="class 1"):
        sample_per_class(labels, 2, torch.Generator().manual_seed(0))


# ----------------------------------------------------------------------------- ZCA


def test_zca_whitens_inverts_and_round_trips(tmp_path):
    generator = torch.Generator().manual_seed(0)
    mixing = torch.randn(16, 16, generator=generator)
    x = (torch.randn(5000, 16, generator=generator) @ mixing + 3).view(-1, 1, 4, 4)
    zca = ZCA.fit(x, regularization=1e-8)
    white = zca.transform(x)
    assert white.shape == x.shape
    assert torch.allclose(torch.cov(white.flatten(1).T), torch.eye(16), atol=1e-3)
    assert white.flatten(1).mean(0).abs().max() < 1e-3
    assert torch.allclose(zca.inverse(white), x, atol=1e-3)
    torch.save(zca.state_dict(), tmp_path / "zca.pt")
    loaded = ZCA.from_state_dict(torch.load(tmp_path / "zca.pt", weights_only=True))
    assert torch.equal(loaded.transform(x), white)
    # stronger regularisation shrinks the low-variance directions rather than amplifying them
    damped = ZCA.fit(x, regularization=0.1).transform(x)
    assert torch.cov(damped.flatten(1).T).diagonal().max() < 1


# ----------------------------------------------------------------------------- the real mirror

MIRROR = os.environ.get("PDD_DATA_MIRROR")
FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
}


@pytest.mark.skipif(not MIRROR, reason="set PDD_DATA_MIRROR to the real data mirror")
def test_real_fashion_mnist_from_the_mirror(tmp_path):
    summary = prepare_dataset("fashion-mnist", tmp_path / "raw", tmp_path / "prep", MIRROR, False)
    assert summary["train_count"] == 60_000 and summary["test_count"] == 10_000
    assert summary["train_per_class"] == [6000] * 10 and summary["test_per_class"] == [1000] * 10
    assert summary["md5"] == FASHION_MD5
    for name, expected in FASHION_MD5.items():  # independently of the package's checksum code
        with gzip.open(tmp_path / "raw" / "fashion-mnist" / name, "rb") as handle:
            assert md5(handle.read()) == expected
    data = load_prepared("fashion-mnist", tmp_path / "prep")
    assert data["train_y"][:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert data["train_x"].shape == (60_000, 1, 28, 28) and data["train_x"].dtype == torch.uint8


def test_load_splits_scores_a_seeded_class_balanced_part_of_test(tmp_path, monkeypatch):
    spec, mirror = tiny_idx_spec(tmp_path)
    monkeypatch.setitem(registry.DATASETS, "tiny", spec)
    prepare_dataset("tiny", tmp_path / "raw", tmp_path / "prepared", mirror, False)
    whole = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0)
    part = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0, test_per_class=2)
    again = load_splits("tiny", tmp_path / "prepared", val_per_class=3, seed=0, test_per_class=2)
    assert torch.bincount(part.test_y).tolist() == [2] * whole.spec.num_classes
    assert torch.equal(part.test_x, again.test_x) and len(whole.test_y) > len(part.test_y)
