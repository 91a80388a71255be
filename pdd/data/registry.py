"""What each dataset is: image shape, classes, normalisation statistics, and the original
files (canonical URL and MD5) it is built from. A user's own dataset (`folder`, `npz`) has
no entry: its spec is read from its prepared file (`spec_from_prepared`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RemoteFile:
    name: str
    url: str
    md5: str
    # Mirrors often re-compress the MNIST-style .gz files, which changes their bytes but not
    # their content; so those are checked on the decompressed bytes, archives as files.
    checksum_of: Literal["decompressed", "file"] = "file"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    num_classes: int
    channels: int
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    files: tuple[RemoteFile, ...]
    format: Literal["idx", "cifar-python", "tiny-imagenet", "folder", "npz"]
    # Empty when the names are read from the data itself (CIFAR-100, Tiny-ImageNet).
    class_names: tuple[str, ...] = ()


def _idx_files(base_url: str, md5_of_content: dict[str, str]) -> tuple[RemoteFile, ...]:
    """The four gzipped IDX files of an MNIST-style dataset."""
    return tuple(
        RemoteFile(f"{stem}.gz", f"{base_url}{stem}.gz", md5, "decompressed")
        for stem, md5 in md5_of_content.items()
    )


def _archive(url: str, md5: str) -> tuple[RemoteFile, ...]:
    return (RemoteFile(url.rsplit("/", 1)[-1], url, md5, "file"),)


_FASHION = DatasetSpec(
    name="fashion-mnist",
    num_classes=10,
    channels=1,
    image_size=28,
    mean=(0.2861,),
    std=(0.3530,),
    files=_idx_files(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        {
            "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
            "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
            "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
        },
    ),
    format="idx",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
)

_MNIST = DatasetSpec(
    name="mnist",
    num_classes=10,
    channels=1,
    image_size=28,
    mean=(0.1307,),
    std=(0.3081,),
    files=_idx_files(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        {
            "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
            "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
            "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
            "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
        },
    ),
    format="idx",
    class_names=tuple(str(digit) for digit in range(10)),
)

_CIFAR10 = DatasetSpec(
    name="cifar10",
    num_classes=10,
    channels=3,
    image_size=32,
    mean=(0.4914, 0.4822, 0.4465),
    std=(0.2023, 0.1994, 0.2010),
    files=_archive(
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "c58f30108f718f92721af3b95e74349a",
    ),
    format="cifar-python",
    class_names=(
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
)

_CIFAR100 = DatasetSpec(
    name="cifar100",
    num_classes=100,
    channels=3,
    image_size=32,
    mean=(0.5071, 0.4866, 0.4409),
    std=(0.2673, 0.2564, 0.2762),
    files=_archive(
        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        "eb9058c3a382ffc7106e4002c42a8d85",
    ),
    format="cifar-python",
)

_TINY_IMAGENET = DatasetSpec(
    name="tiny-imagenet",
    num_classes=200,
    channels=3,
    image_size=64,
    mean=(0.4802, 0.4481, 0.3975),
    std=(0.2302, 0.2265, 0.2262),
    files=_archive(
        "http://cs231n.stanford.edu/tiny-imagenet-200.zip", "90528d7ca1a48142e341f4ef8d21d0de"
    ),
    format="tiny-imagenet",
)

# The first entry is the project default.
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (_FASHION, _MNIST, _CIFAR10, _CIFAR100, _TINY_IMAGENET)
}
DATASET_NAMES: tuple[str, ...] = tuple(DATASETS)
# A user's own images: an image folder or an array file, named by `common.data_path`.
USER_FORMATS: tuple[str, ...] = ("folder", "npz")
DATASET_CHOICES: tuple[str, ...] = DATASET_NAMES + USER_FORMATS


def get_spec(name: str) -> DatasetSpec:
    """The spec of `name`; ValueError listing the known names otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        allowed = ", ".join(DATASET_NAMES)
        raise ValueError(f"unknown dataset {name!r}; allowed: {allowed}") from None


def spec_from_prepared(name: str, data: dict) -> DatasetSpec:
    """The spec of a prepared dataset: the registry's for a built-in one; for a user's own
    (`folder`, `npz`), what its prepared file records: image shape, class names and the
    per-channel statistics of its training split."""
    if name not in USER_FORMATS:
        return get_spec(name)
    _, channels, height, _ = data["train_x"].shape
    return DatasetSpec(
        name=name,
        num_classes=len(data["class_names"]),
        channels=int(channels),
        image_size=int(height),
        mean=tuple(float(m) for m in data["mean"]),
        std=tuple(float(s) for s in data["std"]),
        files=(),
        format=name,
        class_names=tuple(data["class_names"]),
    )
