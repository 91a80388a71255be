"""The data stage: obtain and verify a dataset's raw files, decode them with the matching
reader, check them against the registry, and write the prepared file once.

    python -m pdd.data.prepare --dataset fashion-mnist [--raw-dir data/raw]
        [--out data/prepared] [--mirror DIR] [--no-download]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from pdd.data.errors import DataFileError
from pdd.data.fetch import materialize, mirror_from_env
from pdd.data.prepared import prepared_path, save_prepared
from pdd.data.readers import read_cifar, read_idx_pair, read_tiny_imagenet
from pdd.data.registry import DATASET_NAMES, DatasetSpec, get_spec


def _idx_file(files: dict[str, Path], prefix: str) -> Path:
    (path,) = (path for name, path in files.items() if name.startswith(prefix))
    return path


def decode(spec: DatasetSpec, files: dict[str, Path]) -> dict:
    """The raw files of `spec` as uint8 NCHW tensors, int64 labels and class names,
    checked against the spec's image shape, number of classes and class names."""
    if spec.format == "idx":
        train_x, train_y = read_idx_pair(
            _idx_file(files, "train-images"), _idx_file(files, "train-labels"), spec.num_classes
        )
        test_x, test_y = read_idx_pair(
            _idx_file(files, "t10k-images"), _idx_file(files, "t10k-labels"), spec.num_classes
        )
        names: list[str] = []
    elif spec.format == "cifar-python":
        (archive,) = files.values()
        variant = "cifar10" if spec.num_classes == 10 else "cifar100"
        train_x, train_y, test_x, test_y, names = read_cifar(archive, variant)
    else:
        (archive,) = files.values()
        train_x, train_y, test_x, test_y, names = read_tiny_imagenet(archive)
    names = list(spec.class_names) or names  # the registry's names win where it has them
    source = ", ".join(str(path) for path in files.values())

    expected = (spec.channels, spec.image_size, spec.image_size)
    for split, x, y in (("train", train_x, train_y), ("test", test_x, test_y)):
        if x.ndim != 4 or x.shape[1:] != expected or x.dtype != np.uint8:
            raise DataFileError(
                f"{source}: {split} images are {x.dtype} {x.shape[1:]}, expected uint8 {expected}"
            )
        if len(x) != len(y) or (len(y) and y.max() >= spec.num_classes):
            raise DataFileError(f"{source}: {split} labels do not match images or classes")
    if len(names) != spec.num_classes:
        raise DataFileError(f"{source}: {len(names)} class names, expected {spec.num_classes}")
    return {
        "train_x": torch.from_numpy(np.ascontiguousarray(train_x)),
        "train_y": torch.from_numpy(np.asarray(train_y, dtype=np.int64)),
        "test_x": torch.from_numpy(np.ascontiguousarray(test_x)),
        "test_y": torch.from_numpy(np.asarray(test_y, dtype=np.int64)),
        "class_names": names,
    }


def prepare_dataset(
    name: str,
    raw_dir: str | Path,
    prepared_dir: str | Path,
    mirror_dir: str | Path | None = None,
    allow_download: bool = True,
) -> dict:
    """Materialise, verify and decode dataset `name` into `prepared_dir/<name>.pt`;
    return a JSON-ready summary (counts, per-class counts, shape, raw-file MD5s)."""
    spec = get_spec(name)
    mirror = Path(mirror_dir) if mirror_dir is not None else None
    files = materialize(spec, Path(raw_dir), mirror, allow_download)
    data = decode(spec, files)
    save_prepared(data, prepared_path(name, prepared_dir))
    return {
        "name": name,
        "num_classes": spec.num_classes,
        "image_shape": [spec.channels, spec.image_size, spec.image_size],
        "train_count": len(data["train_y"]),
        "test_count": len(data["test_y"]),
        "train_per_class": torch.bincount(data["train_y"], minlength=spec.num_classes).tolist(),
        "test_per_class": torch.bincount(data["test_y"], minlength=spec.num_classes).tolist(),
        # materialize has verified every file against these, so they are the files' MD5s
        "md5": {remote.name: remote.md5 for remote in spec.files},
        "checksum_of": {remote.name: remote.checksum_of for remote in spec.files},
        "class_names": data["class_names"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pdd.data.prepare",
        description="Fetch, verify and decode a dataset into <out>/<dataset>.pt.",
    )
    parser.add_argument("--dataset", choices=DATASET_NAMES, default=DATASET_NAMES[0])
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--out", type=Path, default=Path("data/prepared"))
    parser.add_argument(
        "--mirror", type=Path, default=None, help="mirror folder (default: $PDD_DATA_MIRROR)"
    )
    parser.add_argument("--no-download", action="store_true", help="never use the network")
    args = parser.parse_args(argv)
    try:
        summary = prepare_dataset(
            args.dataset,
            args.raw_dir,
            args.out,
            mirror_dir=args.mirror or mirror_from_env(),
            allow_download=not args.no_download,
        )
    except DataFileError as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
