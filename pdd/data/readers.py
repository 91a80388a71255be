"""Readers for the standard on-disk formats, written for this project (no torchvision):
IDX (MNIST family) and the CIFAR python pickles here, Tiny-ImageNet in its own module
(re-exported here). Every reader returns images as uint8 arrays shaped (N, C, H, W) and
labels as int64 (N,), and reports malformed input as a DataFileError naming the file."""

from __future__ import annotations

import gzip
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from pdd.data.errors import DataFileError
from pdd.data.labels import check_labels
from pdd.data.tiny_imagenet import read_tiny_imagenet

GZIP_MAGIC = b"\x1f\x8b"
# IDX type codes (third magic byte) -> numpy dtype; multi-byte types are big-endian.
IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# ----------------------------------------------------------------------------- IDX (MNIST family)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file, gzipped or raw: magic = two zero bytes, a type code and the number of
    dimensions; then one big-endian uint32 per dimension; then the payload."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:  # detect by content: mirrors do not always keep the .gz
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(f"{path}: cannot be read or decompressed ({error})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise DataFileError(f"{path}: not an IDX file (bad magic number 0x{raw[:4].hex()})")
    if raw[2] not in IDX_DTYPES:
        raise DataFileError(f"{path}: unknown IDX type code 0x{raw[2]:02x} in magic number")
    ndim, dtype = raw[3], np.dtype(IDX_DTYPES[raw[2]])
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(f"{path}: IDX header truncated ({len(raw)} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataFileError(
            f"{path}: IDX payload has {len(raw) - header} bytes, but dimensions "
            f"{shape} need {expected}"
        )
    # astype copies into native byte order: a writable array, not a view of the bytes
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx_pair(
    images: str | Path, labels: str | Path, num_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """An images file (N, H, W) and its labels file (N,) as (N, 1, H, W) uint8 and int64."""
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise DataFileError(f"{images}: expected uint8 images (N, H, W), got {x.dtype} {x.shape}")
    if y.ndim != 1 or len(y) != len(x):
        raise DataFileError(f"{labels}: expected {len(x)} labels, got shape {y.shape}")
    return x[:, None], check_labels(y, num_classes, labels)


# ----------------------------------------------------------------------------- CIFAR python pickles

# variant -> (folder inside the archive, train members, test member, meta member,
#             label key, class-name key, number of classes)
CIFAR_LAYOUTS = {
    "cifar10": (
        "cifar-10-batches-py",
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test_batch",
        "batches.meta",
        b"labels",
        b"label_names",
        10,
    ),
    "cifar100": (
        "cifar-100-python",
        ("train",),
        "test",
        "meta",
        b"fine_labels",
        b"fine_label_names",
        100,
    ),
}


class _CifarUnpickler(pickle.Unpickler):
    """The CIFAR pickles hold only dicts, lists, bytes and numpy arrays; refusing every other
    global means a tampered file cannot run code while it is being read."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),  # written by numpy 1.x (and Python 2)
        ("numpy._core.multiarray", "_reconstruct"),  # written by numpy 2.x
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        return super().find_class(module, name)


def _unpickle(handle, where: str) -> dict:
    try:
        content = _CifarUnpickler(handle, encoding="bytes").load()
    except Exception as error:  # any failure to unpickle means a corrupt member
        raise DataFileError(f"{where}: not a CIFAR python pickle ({error})") from None
    if not isinstance(content, dict):
        raise DataFileError(f"{where}: expected a dict, got {type(content).__name__}")
    return content


def _cifar_folder(source: Path, folder: str) -> Path:
    """An extracted folder may be given as the batches folder itself or as its parent."""
    return source / folder if (source / folder).is_dir() else source


def _location(source: Path, folder: str, name: str) -> str:
    """How to name a CIFAR member in error messages."""
    if source.is_dir():
        return str(_cifar_folder(source, folder) / name)
    return f"{source}:{folder}/{name}"


def _cifar_members(source: Path, folder: str, wanted: list[str]) -> dict[str, dict]:
    """Unpickled members by name, from the official .tar.gz (one streaming pass, nothing
    extracted) or from an extracted folder."""
    found = {}
    if source.is_dir():
        for name in wanted:
            path = _cifar_folder(source, folder) / name
            if not path.is_file():
                raise DataFileError(f"{path}: missing from the extracted CIFAR folder")
            with open(path, "rb") as handle:
                found[name] = _unpickle(handle, str(path))
        return found
    try:
        with tarfile.open(source, mode="r|gz") as archive:
            for member in archive:
                name = member.name.removeprefix("./").removeprefix(f"{folder}/")
                if member.isfile() and name in wanted:
                    where = _location(source, folder, name)
                    found[name] = _unpickle(archive.extractfile(member), where)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
        raise DataFileError(f"{source}: not a readable .tar.gz ({error})") from None
    for name in wanted:
        if name not in found:
            raise DataFileError(f"{source}: archive has no member {folder}/{name}")
    return found


def read_cifar(archive_or_dir: str | Path, variant: str):
    """CIFAR-10 or CIFAR-100 (fine labels) from the official python-pickle archive or its
    extracted folder. Returns (train_x, train_y, test_x, test_y, class_names)."""
    if variant not in CIFAR_LAYOUTS:
        raise ValueError(f"unknown CIFAR variant {variant!r}; allowed: {', '.join(CIFAR_LAYOUTS)}")
    folder, train, test, meta, label_key, names_key, num_classes = CIFAR_LAYOUTS[variant]
    source = Path(archive_or_dir)
    members = _cifar_members(source, folder, [*train, test, meta])

    def images_and_labels(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for name in names:
            batch, where = members[name], _location(source, folder, name)
            if b"data" not in batch or label_key not in batch:
                raise DataFileError(f"{where}: missing b'data' or {label_key!r}")
            x = np.asarray(batch[b"data"], dtype=np.uint8)
            y = check_labels(batch[label_key], num_classes, where)
            if x.ndim != 2 or x.shape[1] != 3 * 32 * 32 or len(y) != len(x):
                raise DataFileError(f"{where}: data {x.shape} with {len(y)} labels")
            xs.append(x)
            ys.append(y)
        # A row is the red 32x32 plane, then green, then blue, each row-major: that is
        # already channel-first, so a reshape gives NCHW.
        return np.concatenate(xs).reshape(-1, 3, 32, 32), np.concatenate(ys)

    train_x, train_y = images_and_labels(train)
    test_x, test_y = images_and_labels((test,))
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in members[meta][names_key]]
    return train_x, train_y, test_x, test_y, names


__all__ = ["check_labels", "read_cifar", "read_idx", "read_idx_pair", "read_tiny_imagenet"]
