"""Readers for the standard on-disk formats, written for this project (no torchvision).
Each returns images as uint8 arrays shaped (N, C, H, W) and labels as int64 (N,)."""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from pdd.data.errors import DataFileError

GZIP_MAGIC = b"\x1f\x8b"
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# ----------------------------------------------------------------------------- IDX (MNIST family)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (gzipped or raw): 2 zero bytes, a dtype code, ndim, ndim big-endian
    uint32 sizes, then the payload."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(f"{path}: cannot be read or decompressed ({error})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_DTYPES:
        raise DataFileError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(f"{path}: IDX header truncated")
    shape = tuple(int(size) for size in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataFileError(
            f"{path}: IDX payload has {len(raw) - header} bytes, header promises {expected}"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx_pair(images: Path, labels: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataFileError(f"{images}: shape {x.shape} does not match labels {y.shape}")
    return x[:, None], check_labels(y.astype(np.int64), num_classes, labels)


def check_labels(labels: np.ndarray, num_classes: int, source: str | Path) -> np.ndarray:
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataFileError(
            f"{source}: label out of range [0, {num_classes}) "
            f"(found {labels.min()}..{labels.max()})"
        )
    return labels


# ----------------------------------------------------------------------------- CIFAR python pickles

CIFAR_LAYOUT = {
    # variant: (folder inside the archive, train members, test member, meta member, label keys)
    "cifar10": (
        "cifar-10-batches-py",
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test_batch",
        "batches.meta",
        (b"labels", b"label_names"),
    ),
    "cifar100": (
        "cifar-100-python",
        ("train",),
        "test",
        "meta",
        (b"fine_labels", b"fine_label_names"),
    ),
}


def read_cifar(source: str | Path, variant: str):
    """CIFAR-10/100 from the official python-pickle `.tar.gz` or its extracted folder.
    Returns (train_x, train_y, test_x, test_y, class_names)."""
    folder, train_members, test_member, meta_member, (label_key, names_key) = CIFAR_LAYOUT[variant]
    num_classes = 10 if variant == "cifar10" else 100
    read = _member_reader(Path(source), folder)

    def batches(members):
        parts = [read(member) for member in members]
        x = np.concatenate([np.asarray(part[b"data"], dtype=np.uint8) for part in parts])
        y = np.concatenate([np.asarray(part[label_key], dtype=np.int64) for part in parts])
        if x.ndim != 2 or x.shape[1] != 3 * 32 * 32:
            raise DataFileError(f"{source}: CIFAR rows must hold 3072 bytes, got {x.shape}")
        # Each row is the red plane, then green, then blue, each 32x32 row-major.
        return x.reshape(-1, 3, 32, 32), check_labels(y, num_classes, source)

    train_x, train_y = batches(train_members)
    test_x, test_y = batches((test_member,))
    names = [name.decode() for name in read(meta_member)[names_key]]
    return train_x, train_y, test_x, test_y, names


def _member_reader(source: Path, folder: str):
    """A function member_name -> unpickled dict, over a .tar.gz or an extracted folder."""

    def unpickle(handle, name):
        try:
            return pickle.load(handle, encoding="bytes")
        except Exception as error:  # any unpickling failure means a corrupt member
            raise DataFileError(
                f"{source}: member {name} is not a CIFAR pickle ({error})"
            ) from None

    if source.is_dir():
        base = source / folder if (source / folder).is_dir() else source

        def from_folder(name):
            path = base / name
            if not path.is_file():
                raise DataFileError(f"{path}: missing from the extracted CIFAR folder")
            with open(path, "rb") as handle:
                return unpickle(handle, name)

        return from_folder
    try:
        archive = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError, EOFError) as error:
        raise DataFileError(f"{source}: not a readable .tar.gz ({error})") from None

    def from_archive(name):
        try:
            handle = archive.extractfile(f"{folder}/{name}")
        except KeyError:
            raise DataFileError(f"{source}: has no member {folder}/{name}") from None
        return unpickle(handle, name)

    return from_archive


# ----------------------------------------------------------------------------- Tiny-ImageNet


def read_tiny_imagenet(source: str | Path):
    """Tiny-ImageNet-200 from the official zip or its extracted folder. The official test
    split has no labels, so the labelled `val` split (50 per class) serves as test set.
    Returns (train_x, train_y, test_x, test_y, class_names)."""
    try:
        from PIL import Image  # Pillow comes with matplotlib; only this reader needs it
    except ImportError:
        raise DataFileError("reading Tiny-ImageNet needs Pillow: pip install pillow") from None
    files = _TinyFiles(Path(source))
    wnids = files.text("wnids.txt").split()
    index = {wnid: label for label, wnid in enumerate(wnids)}
    words = dict(
        line.split("\t", 1) for line in files.text("words.txt", "").splitlines() if "\t" in line
    )
    names = [words.get(wnid, wnid).split(",")[0].strip() for wnid in wnids]

    def decode(paths):
        pictures = [np.asarray(Image.open(io.BytesIO(files.read(p))).convert("RGB")) for p in paths]
        return (
            np.stack(pictures).transpose(0, 3, 1, 2)
            if pictures
            else np.zeros((0, 3, 64, 64), np.uint8)
        )

    train_paths = sorted(p for p in files.names if p.startswith("train/") and p.endswith(".JPEG"))
    train_y = np.array([index[p.split("/")[1]] for p in train_paths], dtype=np.int64)
    annotations = [
        line.split("\t")[:2] for line in files.text("val/val_annotations.txt").splitlines() if line
    ]
    for _, wnid in annotations:
        if wnid not in index:
            raise DataFileError(f"{source}: val annotation names unknown class {wnid}")
    test_paths = [f"val/images/{name}" for name, _ in annotations]
    test_y = np.array([index[wnid] for _, wnid in annotations], dtype=np.int64)
    return decode(train_paths), train_y, decode(test_paths), test_y, names


class _TinyFiles:
    """Uniform access to `tiny-imagenet-200/...` inside a zip or a folder."""

    def __init__(self, source: Path):
        self.source = source
        if source.is_dir():
            base = (
                source / "tiny-imagenet-200" if (source / "tiny-imagenet-200").is_dir() else source
            )
            self._base = base
            self.names = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()]
            self._zip = None
        else:
            try:
                self._zip = zipfile.ZipFile(source)
            except (OSError, zipfile.BadZipFile) as error:
                raise DataFileError(f"{source}: not a readable zip ({error})") from None
            self.names = [n.removeprefix("tiny-imagenet-200/") for n in self._zip.namelist()]

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(f"tiny-imagenet-200/{name}")
            return (self._base / name).read_bytes()
        except (KeyError, OSError):
            raise DataFileError(f"{self.source}: missing tiny-imagenet-200/{name}") from None

    def text(self, name: str, default: str | None = None) -> str:
        if default is not None and name not in self.names:
            return default
        return self.read(name).decode()
